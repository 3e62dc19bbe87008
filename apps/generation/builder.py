"""The one bridge between the pipeline and the pure geometry package."""
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from apps.generation import geometry


@dataclass(frozen=True)
class BuildOutput:
    data: bytes
    content_type: str
    extension: str
    triangle_count: int
    piece_count: int
    bbox: dict[str, Any]
    manifest: dict[str, Any]
    warnings: list[dict[str, Any]] = field(default_factory=list)


def spec_normalise(spec: dict[str, Any]) -> dict[str, Any]:
    """Round-trips through the typed spec, so equal designs give byte-equal dicts (and hashes)."""
    return geometry.spec_to_dict(geometry.spec_from_dict(spec))


def spec_hash(spec: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"spec": spec, "generator": geometry.GENERATOR_VERSION}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def build_output(spec: dict[str, Any]) -> BuildOutput:
    result = geometry.build(geometry.spec_from_dict(spec))
    manifest = result.manifest
    return BuildOutput(
        data=bytes(result.data),
        content_type=result.media_type,
        extension=result.file_extension.lstrip("."),
        triangle_count=int(manifest["triangle_count"]),
        piece_count=len(result.pieces),
        bbox=manifest.get("bbox", {}),
        manifest=manifest,
        warnings=[dict(w) for w in result.warnings],
    )


def warnings_merge(*lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Union of warning dicts, first occurrence wins, keyed by their message."""
    seen: dict[str, dict[str, Any]] = {}
    for items in lists:
        for warning in items or []:
            seen.setdefault(str(warning.get("message")), warning)
    return list(seen.values())

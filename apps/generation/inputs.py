"""Turns a generation request (saved track or inline definition) into a normalised geometry spec."""
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID


class InputNotFound(Exception):
    pass


class InputInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid input")
        self.errors = errors


@dataclass
class ResolvedInput:
    spec: dict[str, Any]
    track_name: str
    track: Any = None
    warnings: list[str] = field(default_factory=list)


def _apply_output(spec: dict[str, Any], output: dict[str, Any]) -> dict[str, Any]:
    spec = {**spec}
    spec["output"] = {**spec.get("output", {}), "pieces": output.get("pieces", "auto")}
    spec["rail"] = {**spec.get("rail", {}), "include_in_output": bool(output.get("include_rails", False))}
    return spec


def generation_input_resolve(
    *, user, track_id: UUID | None, track_data: dict[str, Any] | None, output: dict[str, Any]
) -> ResolvedInput:
    from apps.catalog.selectors import track_get_for_user
    from apps.catalog.services import TrackPayloadInvalid, track_validate_payload
    from apps.catalog.spec import track_to_spec_dict

    if track_id is not None:
        track = track_get_for_user(track_id=track_id, user=user)
        if track is None:
            raise InputNotFound("Track not found.")
        return ResolvedInput(_apply_output(track_to_spec_dict(track), output), track.name, track, list(track.warnings))
    try:
        validated = track_validate_payload(user=user, data=track_data or {})
    except TrackPayloadInvalid as exc:
        raise InputInvalid({f"track.{k}": v for k, v in exc.errors.items()}) from exc
    name = validated.data.get("name") or "Untitled track"
    return ResolvedInput(_apply_output(validated.spec, output), name, None, list(validated.warnings))

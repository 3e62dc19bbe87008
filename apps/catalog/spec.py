"""The one mapping from catalog rows (or an unsaved, validated payload) to the geometry spec.

Everything the generator needs is resolved here to millimetres, in the dict shape that
``apps.generation.geometry.spec.spec_from_dict`` parses, so the API, the worker and the CLI build
identical files from identical input:

* :func:`build_spec_dict` - components + track options -> canonical all-mm spec dict;
* :func:`track_to_spec_dict` / :func:`track_to_spec` - the same for a saved :class:`Track`;
* :func:`check_spec` - THE single call site for geometric validation and the derived summary,
  through the geometry engine's ``summarize``/``validate``; the catalog's size limits (total
  length, triangle count, from settings) are applied on top.

Spec error fields (``alignment.2.radius_mm``, ``timber.width_mm`` ...) are translated back to the
API field the client sent (``alignment.2.radius_mm``, ``sleepering.sleeper_width_mm`` or ``timber``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings

from apps.generation import geometry
from apps.generation.geometry import spec as geometry_spec

if TYPE_CHECKING:  # pragma: no cover
    from apps.catalog.models import ChairComponent, RailSection, Standard, TimberComponent, Track

# The prototype spacing tables and rail sections are the geometry engine's own (one source of truth).
PANEL_TABLES = geometry_spec.PANEL_TABLES
RAIL_LENGTHS_FT = (30, 45, 60)

# Rail codes the geometry engine knows by name; any other section is sent as "custom" with every
# dimension explicit.
GEOMETRY_SECTION_CODES = frozenset(geometry.RAIL_SECTIONS)

# Templot's generic warning radius, 152 scale feet, for standards that name none (DOMAIN 3.2).
GENERIC_WARN_RADIUS_FT = 152


def max_track_length_mm() -> float:
    return float(settings.TRACK_MAX_LENGTH_MM)


def max_triangles() -> int:
    return int(settings.TRACK_MAX_TRIANGLES)


inches = geometry_spec.inches


# ------------------------------------------------------------------------------------- building


def rail_to_spec(rail: RailSection, *, include_in_output: bool = False) -> dict:
    return {
        "section": rail.code if (rail.owner_id is None and rail.code in GEOMETRY_SECTION_CODES) else "custom",
        "height_mm": rail.height_mm,
        "head_width_mm": rail.head_width_mm,
        "foot_width_mm": rail.foot_width_mm,
        "web_thickness_mm": rail.web_thickness_mm,
        "head_depth_mm": rail.head_depth_mm,
        "foot_depth_mm": rail.foot_depth_mm,
        "include_in_output": bool(include_in_output),
        "inclination": "vertical",
    }


def build_spec_dict(
    *,
    standard: Standard,
    rail: RailSection,
    timber: TimberComponent,
    joint_timber: TimberComponent | None,
    chair: ChairComponent | None,
    joint_chair: ChairComponent | None,
    sleepering: dict,
    alignment: list[dict],
    print_options: dict,
) -> dict:
    """Resolve components and options to the all-mm geometry spec dict (no database access
    beyond the given, already-loaded objects)."""
    k = standard.scale_mm_per_ft
    plain = timber.resolve(mm_per_ft=k)
    joint = joint_timber.resolve(mm_per_ft=k) if joint_timber is not None else plain
    length = sleepering.get("sleeper_length_mm") or standard.sleeper_length_mm or plain["length_mm"]
    timber_spec = {
        "length_mm": float(length),
        "width_mm": float(sleepering.get("sleeper_width_mm") or plain["width_mm"]),
        "depth_mm": float(sleepering.get("sleeper_depth_mm") or plain["depth_mm"]),
        "joint_width_mm": float(sleepering.get("joint_sleeper_width_mm") or joint["width_mm"]),
    }

    mode = sleepering.get("mode", "panel")
    sleepering_spec: dict[str, Any] = {"mode": mode, "joint_offset_mm": float(sleepering.get("joint_offset_mm") or 0)}
    if mode in ("panel", "custom"):
        sleepering_spec["rail_length_ft"] = int(sleepering.get("rail_length_ft") or 60)
    if mode == "panel":
        sleepering_spec["sleepers_per_length"] = int(sleepering.get("sleepers_per_length") or 24)
    elif mode == "custom":
        spacings = [float(v) for v in sleepering.get("custom_spacings_in") or []]
        sleepering_spec["custom_spacings_in"] = spacings
        sleepering_spec["sleepers_per_length"] = len(spacings)
    elif mode == "uniform":
        sleepering_spec["spacing_mm"] = float(sleepering["spacing_mm"])

    if chair is not None:
        c = chair.resolve(mm_per_ft=k)
        chairs_spec = {
            "include": True,
            "field_side_mm": c["field_side_mm"],
            "gauge_side_mm": c["gauge_side_mm"],
            "width_mm": c["width_mm"],
            "joint_width_mm": joint_chair.resolve(mm_per_ft=k)["width_mm"] if joint_chair else c["width_mm"],
            "seat_mm": c["seat_mm"],
            "jaw_face_mm": c["outer_jaw_offset_mm"],
            "jaw_top_width_mm": c["jaw_top_width_mm"],
            "key_length_mm": c["key_length_mm"],
            "keys": bool(print_options.get("chair_keys", True)) and c["key_length_mm"] > 0,
        }
    else:
        chairs_spec = {"include": False, "keys": False}

    return {
        "scale_mm_per_ft": float(k),
        "gauge_mm": float(standard.gauge_mm),
        "prototype": standard.prototype,
        # Standards without a warning radius use Templot's generic 152 scale feet (DOMAIN 3.2).
        "warn_radius_mm": float(standard.warn_radius_mm or round(GENERIC_WARN_RADIUS_FT * k, 3)),
        "alignment": [dict(seg) for seg in alignment],
        "sleepering": sleepering_spec,
        "timber": timber_spec,
        "chairs": chairs_spec,
        "rail": rail_to_spec(rail, include_in_output=print_options.get("include_rails", False)),
        "base": {"webs": bool(print_options.get("base_webs", True))},
        "print": {
            "process": print_options.get("print_process", "fdm"),
            "slot_clearance_mm": print_options.get("slot_clearance_mm"),
            "bed_x_mm": float(print_options.get("bed_x_mm", 250)),
            "bed_y_mm": float(print_options.get("bed_y_mm", 210)),
        },
        "output": {"pieces": print_options.get("pieces", "auto")},
    }


def track_to_spec_dict(track: Track) -> dict:
    """The saved track as the geometry spec dict (select_related the components to avoid queries)."""
    return build_spec_dict(
        standard=track.standard,
        rail=track.rail,
        timber=track.timber,
        joint_timber=track.joint_timber,
        chair=track.chair,
        joint_chair=track.joint_chair,
        sleepering=track.sleepering,
        alignment=track.alignment,
        print_options=track.print_options,
    )


def track_to_spec(track: Track):
    """The saved track as a resolved ``geometry.TrackSpec`` (what the worker and CLI build from)."""
    from apps.generation.geometry.spec import spec_from_dict

    return spec_from_dict(track_to_spec_dict(track))


# ------------------------------------------------------------------------------- error mapping


class TrackSpecInvalid(Exception):
    """Geometric validation failed; ``errors`` maps API field paths to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))


_PRINT_MAP = {
    "base.webs": "print_options.base_webs",
    "rail.include_in_output": "print_options.include_rails",
    "chairs.keys": "print_options.chair_keys",
    "output.pieces": "print_options.pieces",
    "print.process": "print_options.print_process",
}
_TIMBER_MAP = {
    "timber.length_mm": ("sleepering.sleeper_length_mm", "timber"),
    "timber.width_mm": ("sleepering.sleeper_width_mm", "timber"),
    "timber.depth_mm": ("sleepering.sleeper_depth_mm", "timber"),
    "timber.joint_width_mm": ("sleepering.joint_sleeper_width_mm", "joint_timber"),
}


def api_field(spec_field: str | None, *, sent: dict | None = None) -> str:
    """Translate a dotted spec path to the API field the client sent.

    ``sent`` is the client's sleepering dict, used to name an override when one was given and the
    component otherwise.
    """
    f = spec_field or ""
    sent = sent or {}
    if not f:
        return "non_field_errors"
    if f.startswith(("alignment", "sleepering")):
        return f
    if f in _PRINT_MAP:
        return _PRINT_MAP[f]
    if f in _TIMBER_MAP:
        override, component = _TIMBER_MAP[f]
        return override if sent.get(override.split(".", 1)[1]) else component
    if f.startswith("timber"):
        return "timber"
    if f == "chairs.joint_width_mm":
        return "joint_chair"
    if f.startswith("chairs"):
        return "chair"
    if f.startswith("rail"):
        return "rail"
    if f.startswith("print."):
        return "print_options." + f.split(".", 1)[1]
    if f.startswith("output"):
        return "print_options.pieces"
    if f in ("scale_mm_per_ft", "gauge_mm", "prototype", "warn_radius_mm", "preset"):
        return "standard"
    return f


# ----------------------------------------------------------------------------------- checking


@dataclass
class SpecCheck:
    warnings: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def _normalise_warning(w: Any, sent: dict) -> dict:
    if isinstance(w, dict):
        spec_field = w.get("field")
        return {
            "code": str(w.get("code") or "warning"),
            "field": api_field(spec_field, sent=sent) if spec_field else None,
            "message": str(w.get("message") or w),
        }
    spec_field = getattr(w, "field", None)
    message = getattr(w, "message", None) or str(w)
    code = getattr(w, "code", None) or "warning"
    return {"code": str(code), "field": api_field(spec_field, sent=sent) if spec_field else None, "message": message}


def _raise_mapped(error_list: list[dict], sent: dict) -> None:
    errors: dict[str, list[str]] = {}
    for e in error_list:
        errors.setdefault(api_field(e.get("field"), sent=sent), []).append(str(e.get("message")))
    raise TrackSpecInvalid(errors)


def check_spec(spec: dict, *, sent_sleepering: dict | None = None) -> SpecCheck:
    """Validate a spec dict and summarise it. Raises :class:`TrackSpecInvalid` with API fields.

    The single call site for geometric validation: the geometry engine's own rules (DOMAIN 7.1).
    """
    sent = sent_sleepering or {}
    try:
        parsed = geometry.spec_from_dict(spec)
        summary = dict(geometry.summarize(parsed))  # validates too (raises SpecError)
        raw_warnings = summary.pop("warnings", None)
        if raw_warnings is None:
            raw_warnings = geometry.validate(parsed) or []
    except geometry.SpecError as exc:
        _raise_mapped(exc.errors or [{"field": exc.field, "message": exc.message}], sent)
    summary.setdefault("generator_version", geometry.GENERATOR_VERSION)

    warnings = [_normalise_warning(w, sent) for w in raw_warnings]
    total = float(summary.get("total_length_mm") or 0)
    limit = max_track_length_mm()
    if total > limit + 1e-6:
        raise TrackSpecInvalid(
            {
                "alignment": [
                    f"Total centre-line length {total:.1f} mm exceeds the limit of {limit:.0f} mm; "
                    "split the design into several tracks."
                ]
            }
        )
    tri = int(summary.get("estimated_triangles") or 0)
    if tri > max_triangles():
        raise TrackSpecInvalid(
            {
                "alignment": [
                    f"The track would need about {tri:,} triangles, over the limit of {max_triangles():,}; "
                    "shorten it or leave out rails/keys."
                ]
            }
        )
    return SpecCheck(warnings=warnings, summary=summary)

"""The one mapping from catalog rows (or an unsaved, validated payload) to the geometry spec.

Everything the generator needs is resolved here to millimetres, in the dict shape that
``apps.generation.geometry.spec.spec_from_dict`` parses, so the API, the worker and the CLI build
identical files from identical input:

* :func:`build_spec_dict` - components + track options -> canonical all-mm spec dict;
* :func:`track_to_spec_dict` / :func:`track_to_spec` - the same for a saved :class:`Track`;
* :func:`check_spec` - THE single call site for geometric validation and the derived summary.
  It calls the geometry package's ``validate``/``summarize`` when those exist and falls back to
  the catalog-side rules of DOMAIN.md 7.1 below otherwise. Catalog limits (total length, triangle
  count) are applied on top, whichever path ran.

Spec error fields (``alignment.2.radius_mm``, ``timber.width_mm`` ...) are translated back to the
API field the client sent (``alignment.2.radius_mm``, ``sleepering.sleeper_width_mm`` or ``timber``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:  # pragma: no cover
    from apps.catalog.models import ChairComponent, RailSection, Standard, TimberComponent, Track

INCH_PER_FT = 12.0

# Templot's jointed bullhead tables (DOMAIN 2.3), full-size inches: joint to first sleeper centre,
# then centre-to-centre. Each sums to rail length - 12". Kept equal to the geometry package's
# PANEL_TABLES (a test checks they agree once that package is importable).
PANEL_TABLES: dict[tuple[int, int], tuple[float, ...]] = {
    (30, 13): (12, 26.5, 27.5, *([28.5] * 8), 27.5, 26.5),
    (45, 19): (12, 26, 27, 28, *([29.5] * 12), 28, 27, 26),
    (60, 24): (12, 27.5, 28, 29, *([31.0] * 17), 29, 28, 27.5),
    (60, 25): (12, 26.5, 27.5, 28.5, *([29.5] * 18), 28.5, 27.5, 26.5),
    (60, 26): (12, 26.5, 27.5, *([28.0] * 21), 27.5, 26.5),
}
RAIL_LENGTHS_FT = (30, 45, 60)

# Rail codes the geometry package knows by name (its RAIL_SECTIONS); any other section is sent as
# "custom" with every dimension explicit.
GEOMETRY_SECTION_CODES = frozenset(
    {
        "CL75",
        "SMP75",
        "BS95R_4MM",
        "MM3_60",
        "PECO124BH",
        "CL125",
        "CL131",
        "NMRA100",
        "NMRA83",
        "NMRA70",
        "NMRA55",
        "ME83",
    }
)

MIN_CURVE_GAP_MM = 0.3
GENERIC_WARN_RADIUS_FT = 152  # DOMAIN 7.1: gap at the inner sleeper end on curves


def max_track_length_mm() -> float:
    return float(settings.TRACK_MAX_LENGTH_MM)


def max_triangles() -> int:
    return int(settings.TRACK_MAX_TRIANGLES)


def inches(value_in: float, mm_per_ft: float) -> float:
    return value_in * mm_per_ft / INCH_PER_FT


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


def _geometry_api():
    """(validate, summarize, spec_from_dict, SpecError, version) from the geometry package, or None."""
    try:
        from apps.generation import geometry
        from apps.generation.geometry.errors import SpecError
        from apps.generation.geometry.spec import spec_from_dict

        validate = geometry.validate
        summarize = geometry.summarize
    except (ImportError, AttributeError):
        return None
    return validate, summarize, spec_from_dict, SpecError, getattr(geometry, "GENERATOR_VERSION", "")


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

    SINGLE CALL SITE for geometric validation: geometry package when available, else the
    catalog-side rules (DOMAIN 7.1) in :func:`fallback_validate` / :func:`fallback_summarize`.
    """
    sent = sent_sleepering or {}
    api = _geometry_api()
    if api is not None:
        validate, summarize, spec_from_dict, spec_error, version = api
        try:
            parsed = spec_from_dict(spec)
            summary = dict(summarize(parsed))  # validates too (raises SpecError)
            raw_warnings = summary.pop("warnings", None)
            if raw_warnings is None:
                raw_warnings = validate(parsed) or []
        except spec_error as exc:
            _raise_mapped(getattr(exc, "errors", None) or [{"field": exc.field, "message": exc.message}], sent)
        summary.setdefault("generator_version", version)
        summary["validated_by"] = "geometry"
    else:
        errors, raw_warnings = fallback_validate(spec)
        if errors:
            _raise_mapped(errors, sent)
        summary = fallback_summarize(spec)
        summary["validated_by"] = "catalog"

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


# --------------------------------------------------------------- catalog-side rules (fallback)


def segment_length_mm(seg: dict) -> float:
    if seg.get("type") == "arc" and not seg.get("length_mm"):
        return math.radians(float(seg.get("angle_deg") or 0)) * float(seg["radius_mm"])
    return float(seg.get("length_mm") or 0)


def total_length_mm(alignment: list[dict]) -> float:
    return sum(segment_length_mm(seg) for seg in alignment)


def _pattern_in(sl: dict) -> tuple[float, ...] | None:
    if sl.get("mode") == "panel":
        return PANEL_TABLES.get((int(sl.get("rail_length_ft") or 0), int(sl.get("sleepers_per_length") or 0)))
    if sl.get("mode") == "custom":
        return tuple(sl.get("custom_spacings_in") or ()) or None
    return None


def sleeper_pairs(spec: dict) -> list[tuple[float, float]]:
    """(centre-to-centre pitch mm, sum of the two half-widths mm) for each adjacent pair type."""
    sl, t = spec["sleepering"], spec["timber"]
    k = spec["scale_mm_per_ft"]
    w, jw = t["width_mm"], t.get("joint_width_mm") or t["width_mm"]
    pattern = _pattern_in(sl)
    if pattern is None:
        return [(float(sl["spacing_mm"]), w)]
    pairs = [(inches(2 * pattern[0], k), jw)]  # across the joint: the two joint sleepers
    n = len(pattern)
    for i in range(1, n):
        half = ((jw if i - 1 == 0 else w) + (jw if i == n - 1 else w)) / 2
        pairs.append((inches(pattern[i], k), half))
    return pairs


def sleeper_stations(spec: dict, length: float) -> list[float]:
    """Sleeper centres along the centre-line (DOMAIN 8 conventions)."""
    sl, t = spec["sleepering"], spec["timber"]
    k = spec["scale_mm_per_ft"]
    w, jw = t["width_mm"], t.get("joint_width_mm") or t["width_mm"]
    eps = 1e-6
    pattern = _pattern_in(sl)
    if pattern is None:
        pitch = float(sl["spacing_mm"])
        n = int(math.floor(length / pitch + eps))
        start = (length - (n - 1) * pitch) / 2
        return [start + i * pitch for i in range(n)]
    panel = float(sl["rail_length_ft"]) * k
    offsets, acc = [], 0.0
    for v in pattern:
        acc += inches(v, k)
        offsets.append(acc)
    widths = [jw if i in (0, len(pattern) - 1) else w for i in range(len(pattern))]
    origin = float(sl.get("joint_offset_mm") or 0.0)
    first = math.floor((0 - origin) / panel) - 1
    last = math.ceil((length - origin) / panel) + 1
    out = []
    for m in range(first, last + 1):
        for off, wid in zip(offsets, widths, strict=True):
            s = origin + m * panel + off
            if s - wid / 2 >= -eps and s + wid / 2 <= length + eps:
                out.append(s)
    return out


def fallback_validate(spec: dict) -> tuple[list[dict], list[dict]]:
    """DOMAIN 7.1 rules on a spec dict. Returns (errors, warnings), each a list of {field, message}."""
    errors: list[dict] = []
    warnings: list[dict] = []
    k, gauge = spec["scale_mm_per_ft"], spec["gauge_mm"]
    sl, t, c = spec["sleepering"], spec["timber"], spec["chairs"]

    if sl["mode"] == "panel" and (sl.get("rail_length_ft"), sl.get("sleepers_per_length")) not in PANEL_TABLES:
        options = sorted(n for (ft, n) in PANEL_TABLES if ft == sl.get("rail_length_ft"))
        errors.append(
            {
                "field": "sleepering.sleepers_per_length",
                "message": f"No prototype table for {sl.get('rail_length_ft')} ft rails with "
                f"{sl.get('sleepers_per_length')} sleepers; use one of {options}.",
            }
        )
        return errors, warnings
    if sl["mode"] == "custom":
        spacings = sl.get("custom_spacings_in") or []
        expected = int(sl["rail_length_ft"]) * 12 - 12
        if abs(sum(spacings) - expected) > 0.01:
            errors.append(
                {
                    "field": "sleepering.custom_spacings_in",
                    "message": f'The spacings sum to {sum(spacings):g}" but must sum to {expected}" '
                    f'(rail length {sl["rail_length_ft"]} ft minus the 12" joint bay).',
                }
            )
            return errors, warnings

    if c.get("include"):
        if c["width_mm"] > t["width_mm"] + 1e-9:
            errors.append(
                {
                    "field": "timber.width_mm",
                    "message": f"Chairs ({c['width_mm']:.3f} mm along the rail) are wider than the sleeper "
                    f"({t['width_mm']:.3f} mm).",
                }
            )
        if c["joint_width_mm"] > t["joint_width_mm"] + 1e-9:
            errors.append(
                {
                    "field": "timber.joint_width_mm",
                    "message": f"Joint chairs ({c['joint_width_mm']:.3f} mm) are wider than the joint "
                    f"sleeper ({t['joint_width_mm']:.3f} mm).",
                }
            )
        needed = gauge + 2 * c["field_side_mm"]
        if t["length_mm"] < needed - 1e-9:
            errors.append(
                {
                    "field": "timber.length_mm",
                    "message": f"Sleeper length {t['length_mm']:.3f} mm is shorter than gauge plus both "
                    f"chairs' field sides ({needed:.3f} mm): chairs would overhang.",
                }
            )
        if spec["print"]["process"] == "fdm" and k < 7:
            warnings.append(
                {
                    "code": "feature_size",
                    "field": "print.process",
                    "message": "Integral chairs below 7 mm/ft are below FDM feature size; print in resin "
                    "or expect jaws and keys to be lost (DOMAIN 6.2).",
                }
            )
    elif t["length_mm"] < gauge:
        errors.append({"field": "timber.length_mm", "message": "Sleepers are shorter than the gauge."})

    pairs = sleeper_pairs(spec)
    for pitch, half_sum in pairs:
        if pitch - half_sum <= 0:
            field_name = "sleepering.spacing_mm" if sl["mode"] == "uniform" else "timber.width_mm"
            errors.append(
                {
                    "field": field_name,
                    "message": f"Sleepers overlap: pitch {pitch:.3f} mm is not more than the sleeper width "
                    f"{half_sum:.3f} mm.",
                }
            )
            break

    warn_r = spec.get("warn_radius_mm") or 0
    half_len = t["length_mm"] / 2
    for i, seg in enumerate(spec["alignment"]):
        radii: list[tuple[str, float]] = []
        if seg["type"] == "arc":
            radii = [("radius_mm", float(seg["radius_mm"]))]
        elif seg["type"] == "transition":
            radii = [(key, float(seg[key])) for key in ("radius_start_mm", "radius_end_mm") if seg.get(key)]
        if not radii:
            continue
        key, r = min(radii, key=lambda kv: kv[1])
        if r <= half_len:
            errors.append(
                {
                    "field": f"alignment.{i}.{key}",
                    "message": f"Radius {r:g} mm is less than half the sleeper length ({half_len:.2f} mm).",
                }
            )
            continue
        worst = min(pitch * (r - half_len) / r - half_sum for pitch, half_sum in pairs)
        if worst < MIN_CURVE_GAP_MM:
            errors.append(
                {
                    "field": f"alignment.{i}.{key}",
                    "message": f"Sleepers overlap on the inside of this curve: the gap at the inner sleeper "
                    f"ends is {worst:.3f} mm at radius {r:g} mm (needs at least "
                    f"{MIN_CURVE_GAP_MM} mm). Increase the radius or the spacing.",
                }
            )
        elif warn_r and r < warn_r:
            warnings.append(
                {
                    "code": "radius_below_standard",
                    "field": f"alignment.{i}.{key}",
                    "message": f"Radius {r:g} mm is below the standard's warning radius of {warn_r:g} mm.",
                }
            )
    return errors, warnings


# Rough per-part triangle counts for the estimate until the geometry package's summarize() is used.
TRI_SLEEPER = 12
TRI_CHAIR = 220
TRI_KEY = 12
TRI_WEB = 12
TRI_RAIL_PER_STATION = 2 * 2 * 16  # two rails, 16-edge profile, two triangles per edge
RAIL_STATION_STEP_MM = 2.0


def fallback_summarize(spec: dict) -> dict:
    length = total_length_mm(spec["alignment"])
    stations = sleeper_stations(spec, length)
    n = len(stations)
    chairs = 2 * n if spec["chairs"].get("include") else 0
    keys = chairs if spec["chairs"].get("keys") else 0
    tri = n * TRI_SLEEPER + chairs * TRI_CHAIR + keys * TRI_KEY
    if spec["base"].get("webs") and n > 1:
        tri += 2 * (n - 1) * TRI_WEB
    if spec["rail"].get("include_in_output"):
        steps = 0
        for seg in spec["alignment"]:
            seg_len = segment_length_mm(seg)
            steps += 1 if seg["type"] == "straight" else max(1, math.ceil(seg_len / RAIL_STATION_STEP_MM))
        tri += steps * TRI_RAIL_PER_STATION + 4 * 16
    return {
        "total_length_mm": round(length, 4),
        "sleeper_count": n,
        "chair_count": chairs,
        "estimated_triangles": int(tri),
        "generator_version": "",
    }

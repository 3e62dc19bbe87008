"""Typed track spec: dataclasses, presets, rail sections, dict round-trip.

Everything in a resolved spec is in millimetres. Fields left as ``None`` are
derived from the scale (prototype inches) by :func:`resolve`; ``spec_from_dict``
always returns a resolved spec so that ``spec_to_dict`` is canonical and can be
hashed by the web layer.
"""

from __future__ import annotations

import copy
import math
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from typing import Any

from .errors import SpecError

INCH_PER_FT = 12.0
PROTOTYPES = ("uk_bullhead", "us_flatbottom")
PROCESSES = ("fdm", "resin")
PIECE_MODES = ("auto", "single")
SLEEPERING_MODES = ("panel", "uniform", "custom")
INCLINATIONS = ("vertical", "1in20")
HANDS = ("left", "right")
JAW_HEAD_GAP_MM = 0.02

# Templot's jointed bullhead tables (full-size inches): joint to first sleeper
# centre, then centre-to-centre. Each sums to rail length - 12" (DOMAIN 2.3).
PANEL_TABLES: dict[tuple[int, int], tuple[float, ...]] = {
    (30, 13): (12, 26.5, 27.5, *([28.5] * 8), 27.5, 26.5),
    (45, 19): (12, 26, 27, 28, *([29.5] * 12), 28, 27, 26),
    (60, 24): (12, 27.5, 28, 29, *([31.0] * 17), 29, 28, 27.5),
    (60, 25): (12, 26.5, 27.5, 28.5, *([29.5] * 18), 28.5, 27.5, 26.5),
    (60, 26): (12, 26.5, 27.5, *([28.0] * 21), 27.5, 26.5),
}

# Model rail sections in mm (DOMAIN 2.7). head_depth/foot_depth are not in the
# sources for most sections; where given as "(d)" they were chosen so that the
# Templot jaw rule reproduces DOMAIN 8 (CL75 -> 1.790, CL131 -> 3.026).
RAIL_SECTIONS: dict[str, dict[str, float]] = {
    "CL75": dict(height_mm=1.90, head_width_mm=0.90, foot_width_mm=0.90, web_thickness_mm=0.35,
                 head_depth_mm=0.50, foot_depth_mm=0.34),
    "SMP75": dict(height_mm=1.92, head_width_mm=0.80, foot_width_mm=0.80, web_thickness_mm=0.35,
                  head_depth_mm=0.50, foot_depth_mm=0.34),
    "BS95R_4MM": dict(height_mm=1.906, head_width_mm=0.917, foot_width_mm=0.917, web_thickness_mm=0.25,
                      head_depth_mm=0.525, foot_depth_mm=0.34),
    "MM3_60": dict(height_mm=1.5, head_width_mm=0.89, foot_width_mm=0.66, web_thickness_mm=0.35,
                   head_depth_mm=0.40, foot_depth_mm=0.27),
    "PECO124BH": dict(height_mm=3.154, head_width_mm=1.477, foot_width_mm=1.777, web_thickness_mm=0.766,
                      head_depth_mm=0.85, foot_depth_mm=0.57),
    "CL125": dict(height_mm=3.181, head_width_mm=1.604, foot_width_mm=1.604, web_thickness_mm=0.647,
                  head_depth_mm=0.90, foot_depth_mm=0.57),
    "CL131": dict(height_mm=3.336, head_width_mm=1.604, foot_width_mm=1.604, web_thickness_mm=0.44,
                  head_depth_mm=0.925, foot_depth_mm=0.60),
    "NMRA100": dict(height_mm=2.540, head_width_mm=1.143, foot_width_mm=2.286, web_thickness_mm=0.45,
                    head_depth_mm=0.66, foot_depth_mm=0.30),
    "NMRA83": dict(height_mm=2.108, head_width_mm=1.016, foot_width_mm=2.032, web_thickness_mm=0.40,
                   head_depth_mm=0.55, foot_depth_mm=0.25),
    "NMRA70": dict(height_mm=1.778, head_width_mm=0.889, foot_width_mm=1.778, web_thickness_mm=0.35,
                   head_depth_mm=0.46, foot_depth_mm=0.21),
    "NMRA55": dict(height_mm=1.397, head_width_mm=0.711, foot_width_mm=1.397, web_thickness_mm=0.28,
                   head_depth_mm=0.36, foot_depth_mm=0.17),
    "ME83": dict(height_mm=2.108, head_width_mm=0.838, foot_width_mm=1.727, web_thickness_mm=0.38,
                 head_depth_mm=0.55, foot_depth_mm=0.25),
}
# BS 95R at any scale, in prototype inches (DOMAIN 2.1).
BS95R_INCHES = dict(height_mm=5 + 23 / 32, head_width_mm=2.75, foot_width_mm=2.75, web_thickness_mm=0.75,
                    head_depth_mm=1.575, foot_depth_mm=1.0)

# Presets from DOMAIN 7.2; each is a partial spec dict merged under the user's.
PRESETS: dict[str, dict[str, Any]] = {
    "OO-BF": dict(scale_mm_per_ft=4.0, gauge_mm=16.5, warn_radius_mm=600, timber=dict(length_mm=32.0),
                  rail=dict(section="CL75")),
    "OO-SF": dict(scale_mm_per_ft=4.0, gauge_mm=16.2, warn_radius_mm=750, timber=dict(length_mm=32.0),
                  rail=dict(section="CL75")),
    "EM": dict(scale_mm_per_ft=4.0, gauge_mm=18.2, warn_radius_mm=750, timber=dict(length_mm=34.0),
               rail=dict(section="CL75")),
    "P4": dict(scale_mm_per_ft=4.0, gauge_mm=18.83, warn_radius_mm=1000, timber=dict(length_mm=34.0),
               rail=dict(section="CL75")),
    "2FS": dict(scale_mm_per_ft=2.0, gauge_mm=9.42, warn_radius_mm=500, timber=dict(length_mm=17.0),
                rail=dict(section="BS95R")),
    "O-MF": dict(scale_mm_per_ft=7.0, gauge_mm=31.5, warn_radius_mm=1750, timber=dict(length_mm=59.5),
                 rail=dict(section="CL131")),
    "O-GOGF": dict(scale_mm_per_ft=7.0, gauge_mm=32.0, warn_radius_mm=1200, timber=dict(length_mm=59.5),
                   rail=dict(section="CL131")),
    "S7": dict(scale_mm_per_ft=7.0, gauge_mm=33.0, warn_radius_mm=1750, timber=dict(length_mm=59.5),
               rail=dict(section="CL131")),
    "HO-NMRA": dict(scale_mm_per_ft=3.5, gauge_mm=16.5, warn_radius_mm=600, prototype="us_flatbottom",
                    timber=dict(length_mm=29.75, width_mm=2.625, depth_mm=2.042),
                    sleepering=dict(mode="uniform", spacing_mm=5.6875), rail=dict(section="NMRA83")),
}


def inches(value_in: float, scale_mm_per_ft: float) -> float:
    """Prototype inches to model millimetres."""
    return value_in * scale_mm_per_ft / INCH_PER_FT


# ----------------------------------------------------------------------------- dataclasses


@dataclass
class Straight:
    length_mm: float
    type: str = "straight"


@dataclass
class Arc:
    radius_mm: float
    angle_deg: float | None = None
    length_mm: float | None = None
    hand: str = "left"
    type: str = "arc"


@dataclass
class Transition:
    """Clothoid; a radius of ``None`` is straight (infinite radius)."""

    length_mm: float
    radius_start_mm: float | None = None
    radius_end_mm: float | None = None
    hand: str = "left"
    type: str = "transition"


Segment = Straight | Arc | Transition
SEGMENT_TYPES = {"straight": Straight, "arc": Arc, "transition": Transition}


@dataclass
class Sleepering:
    mode: str = "panel"
    rail_length_ft: int = 60
    sleepers_per_length: int = 24
    joint_offset_mm: float = 0.0
    spacing_mm: float | None = None  # uniform mode; default = panel average
    custom_spacings_in: list[float] | None = None


@dataclass
class Timber:
    length_mm: float | None = None  # 8'6"
    width_mm: float | None = None  # 10"
    depth_mm: float | None = None  # 5"
    joint_width_mm: float | None = None  # = width


@dataclass
class Chairs:
    include: bool | None = None  # default: True for uk_bullhead only
    field_side_mm: float | None = None  # 9 1/4" from the gauge face
    gauge_side_mm: float | None = None  # 5 1/4"
    width_mm: float | None = None  # 8" along the rail (S1)
    joint_width_mm: float | None = None  # 10" (S1J)
    seat_mm: float | None = None  # 1 3/4"
    jaw_face_mm: float | None = None  # outer jaw face 3 15/16" from gauge face
    jaw_top_width_mm: float | None = None  # 4"
    outer_jaw_height_mm: float | None = None  # Templot rule from the rail section
    inner_jaw_height_mm: float | None = None  # 5 5/16", capped at the outer jaw
    keys: bool = True
    key_length_mm: float | None = None  # 6"
    screw_heads: bool = True


@dataclass
class TiePlates:
    """Flat-bottom tie plates (DOMAIN 2.9): one under each rail on each tie."""

    include: bool | None = None  # default: True for us_flatbottom; always False for uk_bullhead
    length_mm: float | None = None  # 14" across the rail
    width_mm: float | None = None  # 7 3/4" along the rail
    thickness_mm: float | None = None  # 3/4"
    shoulders: bool = True  # two ribs along the rail either side of the rail foot
    shoulder_height_mm: float | None = None  # 1/2"
    shoulder_width_mm: float | None = None  # 3/4"


@dataclass
class Rail:
    section: str | None = None  # default by scale: CL75 (4), CL131 (7), else BS95R
    height_mm: float | None = None
    head_width_mm: float | None = None
    foot_width_mm: float | None = None
    web_thickness_mm: float | None = None
    head_depth_mm: float | None = None
    foot_depth_mm: float | None = None
    include_in_output: bool = False
    inclination: str = "vertical"


@dataclass
class Base:
    webs: bool = True
    web_width_mm: float | None = None  # 12"
    web_depth_mm: float | None = None  # 0.96 mm at 4 mm/ft (8 x 0.12 layers)


@dataclass
class PrintSettings:
    process: str = "fdm"
    slot_clearance_mm: float | None = None  # 0.12 fdm / 0.03 resin, per side
    bed_x_mm: float = 250.0
    bed_y_mm: float = 210.0


@dataclass
class Output:
    pieces: str = "auto"


@dataclass
class TrackSpec:
    alignment: list[Segment] = field(default_factory=list)
    scale_mm_per_ft: float = 4.0
    gauge_mm: float = 16.5
    prototype: str = "uk_bullhead"
    warn_radius_mm: float = 600.0
    sleepering: Sleepering = field(default_factory=Sleepering)
    timber: Timber = field(default_factory=Timber)
    chairs: Chairs = field(default_factory=Chairs)
    tie_plates: TiePlates = field(default_factory=TiePlates)
    rail: Rail = field(default_factory=Rail)
    base: Base = field(default_factory=Base)
    print: PrintSettings = field(default_factory=PrintSettings)
    output: Output = field(default_factory=Output)


SECTION_CLASSES = {
    "sleepering": Sleepering, "timber": Timber, "chairs": Chairs, "tie_plates": TiePlates, "rail": Rail,
    "base": Base, "print": PrintSettings, "output": Output,
}


# ----------------------------------------------------------------------------- resolution


def chair_dims_mm(scale_mm_per_ft: float) -> dict[str, float]:
    """REA S1/S1J chair dimensions (DOMAIN 2.4) in mm at the given scale."""
    k = scale_mm_per_ft
    return {
        "field_side_mm": inches(9.25, k),
        "gauge_side_mm": inches(5.25, k),
        "width_mm": inches(8.0, k),
        "joint_width_mm": inches(10.0, k),
        "seat_mm": inches(1.75, k),
        "jaw_face_mm": inches(3 + 15 / 16, k),
        "jaw_top_width_mm": inches(4.0, k),
        "inner_jaw_height_mm": inches(5 + 5 / 16, k),
        "key_length_mm": inches(6.0, k),
        "key_thickness_mm": inches(3 + 15 / 16 - 1.75, k),
        "screw_head_diameter_mm": inches(1.5, k),
        "screw_head_height_mm": inches(0.5, k),
        "screw_inset_mm": inches(1.75, k),
    }


def tie_plate_dims_mm(scale_mm_per_ft: float) -> dict[str, float]:
    """Double-shoulder tie plate defaults (DOMAIN 2.9) in mm at the given scale."""
    k = scale_mm_per_ft
    return {
        "length_mm": inches(14.0, k),
        "width_mm": inches(7.75, k),
        "thickness_mm": inches(0.75, k),
        "shoulder_height_mm": inches(0.5, k),
        "shoulder_width_mm": inches(0.75, k),
    }


def rail_section_mm(name: str, scale_mm_per_ft: float) -> dict[str, float]:
    if name == "BS95R":
        return {key: inches(v, scale_mm_per_ft) for key, v in BS95R_INCHES.items()}
    return dict(RAIL_SECTIONS[name])


def web_face_top_mm(rail: Rail) -> float:
    """Height above the rail foot where the fishing surface meets the web.

    The fishing slope under the head is taken as 1:1.5 here; with the section
    head depths above this reproduces the jaw heights quoted in DOMAIN 2.4/8.
    """
    return rail.height_mm - rail.head_depth_mm - (rail.head_width_mm - rail.web_thickness_mm) / 2 / 1.5


def outer_jaw_height(seat_mm: float, rail: Rail, scale_mm_per_ft: float) -> float:
    """Templot rule: seat + web-face top - 1/32" (jaw stays under the head)."""
    return seat_mm + web_face_top_mm(rail) - inches(1 / 32, scale_mm_per_ft)


def default_section(scale_mm_per_ft: float, prototype: str) -> str:
    if prototype == "us_flatbottom":
        return "NMRA83"
    if abs(scale_mm_per_ft - 4.0) < 1e-9:
        return "CL75"
    if abs(scale_mm_per_ft - 7.0) < 1e-9:
        return "CL131"
    return "BS95R"


def resolve(spec: TrackSpec) -> TrackSpec:
    """Fill every derived ``None`` from the scale, prototype and rail section."""
    s = copy.deepcopy(spec)
    k = s.scale_mm_per_ft
    for i, seg in enumerate(s.alignment):
        if isinstance(seg, Arc):
            if seg.length_mm is None and seg.angle_deg is not None:
                seg.length_mm = math.radians(seg.angle_deg) * seg.radius_mm
            elif seg.angle_deg is None and seg.length_mm is not None and seg.radius_mm:
                seg.angle_deg = math.degrees(seg.length_mm / seg.radius_mm)
            elif seg.angle_deg is None and seg.length_mm is None:
                raise SpecError(f"alignment.{i}", "an arc needs angle_deg or length_mm")

    sl = s.sleepering
    if sl.spacing_mm is None:
        sl.spacing_mm = sl.rail_length_ft * k / max(sl.sleepers_per_length, 1)

    t = s.timber
    t.length_mm = inches(102.0, k) if t.length_mm is None else t.length_mm
    t.width_mm = inches(10.0, k) if t.width_mm is None else t.width_mm
    t.depth_mm = inches(5.0, k) if t.depth_mm is None else t.depth_mm
    t.joint_width_mm = t.width_mm if t.joint_width_mm is None else t.joint_width_mm

    r = s.rail
    if r.section is None:
        r.section = default_section(k, s.prototype)
    if r.section != "custom":
        base = rail_section_mm(r.section, k)
        for key, value in base.items():
            if getattr(r, key) is None:
                setattr(r, key, value)
    else:
        # A custom section needs the four main numbers; depths can default.
        if r.height_mm is not None:
            if r.head_depth_mm is None:
                r.head_depth_mm = 0.26 * r.height_mm
            if r.foot_depth_mm is None:
                r.foot_depth_mm = 0.18 * r.height_mm

    p = s.print
    if p.slot_clearance_mm is None:
        p.slot_clearance_mm = 0.03 if p.process == "resin" else 0.12

    c = s.chairs
    if c.include is None:
        c.include = s.prototype == "uk_bullhead"
    dims = chair_dims_mm(k)
    for key in ("field_side_mm", "gauge_side_mm", "width_mm", "joint_width_mm", "seat_mm", "jaw_face_mm",
                "jaw_top_width_mm", "key_length_mm"):
        if getattr(c, key) is None:
            setattr(c, key, dims[key])
    if c.outer_jaw_height_mm is None and None not in (r.height_mm, r.head_width_mm, r.web_thickness_mm,
                                                       r.head_depth_mm):
        # Templot rule, but never into the head slot: a large print clearance at
        # small scales (2FS on FDM) would otherwise close the slot over the jaw.
        head_slot = c.seat_mm + r.height_mm - r.head_depth_mm - (p.slot_clearance_mm or 0.0)
        c.outer_jaw_height_mm = min(outer_jaw_height(c.seat_mm, r, k), head_slot - JAW_HEAD_GAP_MM)
    if c.inner_jaw_height_mm is None and c.outer_jaw_height_mm is not None:
        c.inner_jaw_height_mm = min(dims["inner_jaw_height_mm"], c.outer_jaw_height_mm)

    tp = s.tie_plates
    # Bullhead track never gets tie plates (and flat-bottom never gets chairs).
    if s.prototype != "us_flatbottom":
        tp.include = False
    elif tp.include is None:
        tp.include = True
    for key, value in tie_plate_dims_mm(k).items():
        if getattr(tp, key) is None:
            setattr(tp, key, value)

    b = s.base
    b.web_width_mm = inches(12.0, k) if b.web_width_mm is None else b.web_width_mm
    if b.web_depth_mm is None:
        b.web_depth_mm = min(0.24 * k, 0.6 * t.depth_mm)

    return s


# ----------------------------------------------------------------------------- dict round-trip


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _number(value: Any, path: str, errors: list, *, allow_none: bool = False, allow_inf: bool = False):
    if value is None and allow_none:
        return None
    if allow_inf and isinstance(value, str) and value.strip().lower() in ("inf", "infinity", "straight"):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        errors.append({"field": path, "message": f"must be a number, got {value!r}"})
        return None
    value = float(value)
    if math.isinf(value) and allow_inf:
        return None
    if not math.isfinite(value):
        errors.append({"field": path, "message": "must be a finite number"})
        return None
    return value


def _coerce(cls, data: Any, path: str, errors: list):
    if not isinstance(data, dict):
        errors.append({"field": path, "message": "must be an object"})
        return cls() if cls not in (Straight, Arc, Transition) else None
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        sub = f"{path}.{key}" if path else key
        if key not in known:
            errors.append({"field": sub, "message": "unknown field"})
            continue
        if key == "type":
            continue
        ftype = str(known[key].type)
        if key == "custom_spacings_in":
            if value is None:
                kwargs[key] = None
            elif not isinstance(value, list) or not value:
                errors.append({"field": sub, "message": "must be a non-empty list of numbers (inches)"})
            else:
                nums = [_number(v, f"{sub}.{j}", errors) for j, v in enumerate(value)]
                kwargs[key] = [n for n in nums if n is not None]
        elif ftype.startswith("bool"):
            if value is None and "None" in ftype:
                kwargs[key] = None
            elif not isinstance(value, bool):
                errors.append({"field": sub, "message": f"must be true or false, got {value!r}"})
            else:
                kwargs[key] = value
        elif ftype.startswith("str"):
            if value is None and "None" in ftype:
                kwargs[key] = None
            elif not isinstance(value, str):
                errors.append({"field": sub, "message": f"must be a string, got {value!r}"})
            else:
                kwargs[key] = value
        elif ftype.startswith("int"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value):
                errors.append({"field": sub, "message": f"must be an integer, got {value!r}"})
            else:
                kwargs[key] = int(value)
        else:
            allow_inf = key in ("radius_start_mm", "radius_end_mm")
            num = _number(value, sub, errors, allow_none="None" in ftype, allow_inf=allow_inf)
            if num is not None or "None" in ftype:
                kwargs[key] = num
    missing = [f.name for f in fields(cls)
               if f.name not in kwargs and f.default is MISSING and f.default_factory is MISSING]
    for name in missing:
        if not any(e["field"] == f"{path}.{name}" for e in errors):
            errors.append({"field": f"{path}.{name}" if path else name, "message": "is required"})
    if missing:
        return None
    return cls(**kwargs)


def _check_enums(spec: TrackSpec, errors: list) -> None:
    def check(value, allowed, path):
        if value not in allowed:
            errors.append({"field": path, "message": f"must be one of {', '.join(allowed)}; got {value!r}"})

    check(spec.prototype, PROTOTYPES, "prototype")
    check(spec.sleepering.mode, SLEEPERING_MODES, "sleepering.mode")
    check(spec.rail.inclination, INCLINATIONS, "rail.inclination")
    check(spec.print.process, PROCESSES, "print.process")
    check(spec.output.pieces, PIECE_MODES, "output.pieces")
    sections = (*RAIL_SECTIONS, "BS95R", "custom")
    if spec.rail.section is not None:
        check(spec.rail.section, sections, "rail.section")
    for i, seg in enumerate(spec.alignment):
        if isinstance(seg, (Arc, Transition)):
            check(seg.hand, HANDS, f"alignment.{i}.hand")


def spec_from_dict(data: dict) -> TrackSpec:
    """Parse, default and resolve a spec dict; raises :class:`SpecError`."""
    if not isinstance(data, dict):
        raise SpecError("spec", "must be a JSON object")
    data = dict(data)
    preset = data.pop("preset", None)
    if preset is not None:
        if preset not in PRESETS:
            raise SpecError("preset", f"unknown preset {preset!r}; one of {', '.join(PRESETS)}")
        data = _deep_merge(copy.deepcopy(PRESETS[preset]), data)
    errors: list[dict] = []
    kwargs: dict[str, Any] = {}
    top = {f.name for f in fields(TrackSpec)}
    for key, value in data.items():
        if key not in top:
            errors.append({"field": key, "message": "unknown field"})
        elif key == "alignment":
            if not isinstance(value, list):
                errors.append({"field": "alignment", "message": "must be a list of segments"})
                continue
            segs = []
            for i, seg in enumerate(value):
                path = f"alignment.{i}"
                kind = seg.get("type") if isinstance(seg, dict) else None
                if kind not in SEGMENT_TYPES:
                    errors.append({"field": f"{path}.type",
                                   "message": f"must be one of straight, arc, transition; got {kind!r}"})
                    continue
                parsed = _coerce(SEGMENT_TYPES[kind], seg, path, errors)
                if parsed is not None:
                    segs.append(parsed)
            kwargs["alignment"] = segs
        elif key in SECTION_CLASSES:
            kwargs[key] = _coerce(SECTION_CLASSES[key], value, key, errors)
        elif key == "prototype":
            if not isinstance(value, str):
                errors.append({"field": key, "message": "must be a string"})
            else:
                kwargs[key] = value
        else:
            num = _number(value, key, errors)
            if num is not None:
                kwargs[key] = num
    if errors:
        raise SpecError.many(errors)
    spec = TrackSpec(**kwargs)
    _check_enums(spec, errors)
    if errors:
        raise SpecError.many(errors)
    return resolve(spec)


def _to_plain(obj: Any) -> Any:
    if is_dataclass(obj):
        out = {}
        for f in sorted(fields(obj), key=lambda f: f.name):
            out[f.name] = _to_plain(getattr(obj, f.name))
        return out
    if isinstance(obj, list):
        return [_to_plain(v) for v in obj]
    if isinstance(obj, float) and obj.is_integer():
        return float(obj)
    return obj


def spec_to_dict(spec: TrackSpec) -> dict:
    """Canonical JSON-serialisable dict of the resolved spec (sorted keys)."""
    return _to_plain(resolve(spec))


def with_changes(spec: TrackSpec, **changes: Any) -> TrackSpec:
    """Copy with top-level fields replaced (test and CLI convenience)."""
    return replace(copy.deepcopy(spec), **changes)

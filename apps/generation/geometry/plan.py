"""Validation, station layout and piece planning: everything short of the mesh.

``validate`` and ``summarize`` stop here, so the web layer can answer quickly;
``build`` turns a plan into triangles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .alignment import Alignment
from .errors import SpecError
from .sleepering import Stations, compute_stations
from .spec import PANEL_TABLES, Arc, Straight, TrackSpec, Transition, chair_dims_mm, resolve
from .templates import Template, TemplateKey, build_template, chair_params, plate_params

MAX_TOTAL_LENGTH_MM = 10_000.0
MAX_TRIANGLES = 5_000_000
MIN_INNER_GAP_MM = 0.3
# Smallest printable feature per process (DOMAIN 6.1): a free-standing feature
# (chair jaw) and a wall (key).
MIN_FEATURE_MM = {"fdm": 2.0, "resin": 0.5}
MIN_WALL_MM = {"fdm": 0.8, "resin": 0.4}
RAIL_PROFILE_POINTS = 12
RAIL_CAP_TRIANGLES = 10


@dataclass
class PiecePlan:
    first: int  # sleeper index range [first, last]
    last: int
    s_start: float
    s_end: float
    rotate: float = 0.0  # radians about Z, applied before translate
    translate: tuple[float, float] = (0.0, 0.0)


@dataclass
class Plan:
    spec: TrackSpec
    alignment: Alignment
    stations: Stations
    xy: np.ndarray
    heading: np.ndarray
    kappa: np.ndarray
    warnings: list[dict]
    template_keys: tuple[TemplateKey, ...]
    template_of: np.ndarray  # template index per sleeper
    pieces: list[PiecePlan] = field(default_factory=list)
    _templates: dict = field(default_factory=dict, repr=False)
    _corners: np.ndarray | None = field(default=None, repr=False)

    def template(self, variant: int) -> Template:
        """Variant = 4 * base + 2 * (open -x tongues) + (open +x tongues)."""
        tpl = self._templates.get(variant)
        if tpl is None:
            key = self.template_keys[variant // 4]
            tpl = self._templates[variant] = build_template(replace(key, minus=bool(variant & 2),
                                                                    plus=bool(variant & 1)))
        return tpl

    def templates(self) -> list[Template]:
        return [self.template(4 * i) for i in range(len(self.template_keys))]

    def piece_variants(self, piece: PiecePlan) -> np.ndarray:
        v = 4 * self.template_of[piece.first:piece.last + 1]
        if self.webs and piece.last > piece.first:
            v = v.copy()
            v[1:] += 2
            v[:-1] += 1
        return v

    @property
    def webs(self) -> bool:
        return bool(self.template_keys and self.template_keys[0].webs)

    @property
    def n_webs(self) -> int:
        return len(self.template_keys[0].webs) if self.template_keys else 0

    def rail_stations(self, piece: PiecePlan) -> np.ndarray:
        return self.alignment.sample(piece.s_start, piece.s_end)

    def piece_triangles(self, piece: PiecePlan) -> int:
        variants, counts = np.unique(self.piece_variants(piece), return_counts=True)
        body = int(sum(int(n) * self.template(int(v)).body_triangles for v, n in zip(variants, counts, strict=True)))
        if self.webs:
            body += (piece.last - piece.first) * self.n_webs * 8
        if self.spec.rail.include_in_output:
            k = self.rail_stations(piece).size
            body += 2 * (2 * (k - 1) * RAIL_PROFILE_POINTS + 2 * RAIL_CAP_TRIANGLES)
        return body

    def sleeper_corners(self, first: int, last: int) -> np.ndarray:
        """Plan-view corners (n*4, 2) of sleepers first..last (chairs lie inside them)."""
        if self._corners is None:
            t = np.stack([np.cos(self.heading), np.sin(self.heading)], axis=1)
            n = np.stack([-t[:, 1], t[:, 0]], axis=1)
            hw = self.stations.width[:, None] / 2
            hl = self.spec.timber.length_mm / 2
            c = self.xy
            self._corners = np.stack([c + t * hw + n * hl, c + t * hw - n * hl, c - t * hw + n * hl,
                                      c - t * hw - n * hl], axis=1)  # (n, 4, 2)
        return self._corners[first:last + 1].reshape(-1, 2)

    def rail_end_points(self, s_values) -> np.ndarray:
        xy, h, _ = self.alignment.evaluate(np.asarray(s_values, dtype=float))
        n = np.stack([-np.sin(h), np.cos(h)], axis=1)
        reach = self.spec.gauge_mm / 2 + self.spec.rail.head_width_mm
        return np.concatenate([xy + n * reach, xy - n * reach])

    def z_max(self) -> float:
        tpls = self.templates()
        z = max(float(t.vertices[:, 2].max()) for t in tpls) if tpls else 0.0
        if self.spec.rail.include_in_output:
            z = max(z, rail_base_z(self.spec) + self.spec.rail.height_mm)
        return z

    def bbox(self) -> tuple[list[float], list[float]]:
        pts = self.sleeper_corners(0, len(self.stations) - 1)
        if self.spec.rail.include_in_output:
            pts = np.concatenate([pts, self.rail_end_points(self.alignment.sample(0.0, self.alignment.length))])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        return [float(lo[0]), float(lo[1]), 0.0], [float(hi[0]), float(hi[1]), self.z_max()]


def rail_base_z(spec: TrackSpec) -> float:
    if spec.chairs.include:
        return spec.timber.depth_mm + spec.chairs.seat_mm
    if spec.tie_plates.include:
        return spec.timber.depth_mm + spec.tie_plates.thickness_mm
    return spec.timber.depth_mm


# ----------------------------------------------------------------------------- static checks


def _static_checks(spec: TrackSpec, errors: list, warnings: list) -> None:
    def err(f, msg):
        errors.append({"field": f, "message": msg})

    def warn(code, f, msg):
        warnings.append({"code": code, "field": f, "message": msg})

    def positive(value, f, what="must be greater than 0"):
        if value is None or not (value > 0):
            err(f, f"{what} (got {value})")
            return False
        return True

    if not 1.0 <= spec.scale_mm_per_ft <= 25.4:
        err("scale_mm_per_ft", "must be between 1.0 and 25.4 mm per foot")
    if not 4.0 <= spec.gauge_mm <= 130.0:
        err("gauge_mm", "must be between 4 and 130 mm")
    positive(spec.warn_radius_mm, "warn_radius_mm")
    if not spec.alignment:
        err("alignment", "needs at least one segment")
    total = 0.0
    for i, seg in enumerate(spec.alignment):
        p = f"alignment.{i}"
        if isinstance(seg, Straight):
            if positive(seg.length_mm, f"{p}.length_mm"):
                total += seg.length_mm
        elif isinstance(seg, Arc):
            if not positive(seg.radius_mm, f"{p}.radius_mm"):
                continue
            if seg.angle_deg is not None and not 0 < seg.angle_deg <= 360:
                err(f"{p}.angle_deg", f"must be in (0, 360] degrees (got {seg.angle_deg})")
                continue
            if seg.angle_deg is not None and seg.length_mm is not None and \
                    abs(math.radians(seg.angle_deg) * seg.radius_mm - seg.length_mm) > 1e-6 * max(1.0, seg.length_mm):
                err(f"{p}.length_mm", "give angle_deg or length_mm, or two that agree (length = radius x angle)")
                continue
            if positive(seg.length_mm, f"{p}.length_mm"):
                total += seg.length_mm
            if seg.radius_mm < spec.warn_radius_mm:
                warn("radius_below_warn", f"{p}.radius_mm",
                     f"radius {seg.radius_mm:g} mm is below the standard's warning radius "
                     f"{spec.warn_radius_mm:g} mm")
        elif isinstance(seg, Transition):
            if positive(seg.length_mm, f"{p}.length_mm"):
                total += seg.length_mm
            for name in ("radius_start_mm", "radius_end_mm"):
                r = getattr(seg, name)
                ok = r is not None and positive(r, f"{p}.{name}", "must be greater than 0 or null (straight)")
                if ok and r < spec.warn_radius_mm:
                    warn("radius_below_warn", f"{p}.{name}",
                         f"radius {r:g} mm is below the standard's warning radius {spec.warn_radius_mm:g} mm")
    if total > MAX_TOTAL_LENGTH_MM:
        err("alignment", f"total centre-line length {total:.1f} mm exceeds the limit of "
                         f"{MAX_TOTAL_LENGTH_MM:.0f} mm per job; split the track into several jobs")

    t = spec.timber
    for name in ("length_mm", "width_mm", "depth_mm", "joint_width_mm"):
        positive(getattr(t, name), f"timber.{name}")

    sl = spec.sleepering
    if sl.mode == "panel":
        if (sl.rail_length_ft, sl.sleepers_per_length) not in PANEL_TABLES:
            options = ", ".join(f"{a} ft/{b}" for a, b in PANEL_TABLES)
            err("sleepering.sleepers_per_length",
                f"no spacing table for {sl.rail_length_ft} ft / {sl.sleepers_per_length} sleepers; "
                f"use one of {options}")
    elif sl.mode == "custom":
        sp = sl.custom_spacings_in
        if not sp:
            err("sleepering.custom_spacings_in", "custom mode needs a list of spacings in prototype inches")
        else:
            if len(sp) != sl.sleepers_per_length:
                err("sleepering.custom_spacings_in",
                    f"has {len(sp)} spacings but sleepers_per_length is {sl.sleepers_per_length}")
            if any(v <= 0 for v in sp):
                err("sleepering.custom_spacings_in", "every spacing must be greater than 0")
            target = sl.rail_length_ft * 12 - 12
            if abs(sum(sp) - target) > 0.01:
                err("sleepering.custom_spacings_in",
                    f"spacings sum to {sum(sp):g}\" but must sum to rail length - 12\" = {target:g}\"")
        if sl.rail_length_ft <= 1:
            err("sleepering.rail_length_ft", "must be more than 1 ft")
    else:
        positive(sl.spacing_mm, "sleepering.spacing_mm")

    r = spec.rail
    if r.section == "custom" and r.height_mm is None:
        err("rail.height_mm", "a custom rail section needs height_mm, head_width_mm, foot_width_mm, web_thickness_mm")
    for name in ("height_mm", "head_width_mm", "foot_width_mm", "web_thickness_mm", "head_depth_mm", "foot_depth_mm"):
        positive(getattr(r, name), f"rail.{name}")
    if not errors:
        if r.web_thickness_mm >= min(r.head_width_mm, r.foot_width_mm):
            err("rail.web_thickness_mm", "must be thinner than the rail head and foot")
        if r.head_depth_mm + r.foot_depth_mm >= r.height_mm:
            err("rail.head_depth_mm", "head depth + foot depth must be less than the rail height")

    c, pr = spec.chairs, spec.print
    if pr.slot_clearance_mm is None or not 0 <= pr.slot_clearance_mm <= 0.3:
        err("print.slot_clearance_mm", "must be between 0 and 0.3 mm per side")
    positive(pr.bed_x_mm, "print.bed_x_mm")
    positive(pr.bed_y_mm, "print.bed_y_mm")
    if errors:
        return

    if c.include:
        if spec.prototype != "uk_bullhead":
            err("chairs.include", "bullhead chairs are only available for the uk_bullhead prototype; "
                                  "flat-bottom track is built without chairs")
            return
        for name in ("field_side_mm", "gauge_side_mm", "width_mm", "joint_width_mm", "seat_mm", "jaw_face_mm",
                     "jaw_top_width_mm", "outer_jaw_height_mm", "inner_jaw_height_mm", "key_length_mm"):
            positive(getattr(c, name), f"chairs.{name}")
        if errors:
            return
        g2 = spec.gauge_mm / 2
        if t.length_mm <= spec.gauge_mm + 2 * c.field_side_mm:
            err("timber.length_mm", f"sleeper length {t.length_mm:g} mm must exceed gauge + 2 x chair field side = "
                                    f"{spec.gauge_mm + 2 * c.field_side_mm:.3f} mm so the chairs sit on the sleeper")
        if g2 - c.gauge_side_mm <= 0:
            err("chairs.gauge_side_mm", "chairs of the two rails would overlap at the centre-line")
        if t.width_mm < c.width_mm:
            err("timber.width_mm", f"sleeper width {t.width_mm:g} mm is less than the chair width {c.width_mm:.3f} mm")
        if t.joint_width_mm > t.width_mm and t.joint_width_mm < c.joint_width_mm - 1e-9:
            err("timber.joint_width_mm", f"joint sleepers wider than plain carry S1J chairs "
                                         f"{c.joint_width_mm:.3f} mm wide; joint_width_mm is {t.joint_width_mm:g}")
        if t.joint_width_mm < c.width_mm:
            err("timber.joint_width_mm", f"joint sleeper width {t.joint_width_mm:g} mm is less than the chair width")
        slot_half = r.web_thickness_mm / 2 + pr.slot_clearance_mm
        key_thickness = c.jaw_face_mm - r.head_width_mm / 2 - slot_half
        if key_thickness <= 0:
            err("chairs.jaw_face_mm", "outer jaw face must lie outside the rail web slot")
        if c.jaw_face_mm >= c.field_side_mm:
            err("chairs.jaw_face_mm", "outer jaw face must lie inside the chair")
        head_under = c.seat_mm + r.height_mm - r.head_depth_mm - pr.slot_clearance_mm
        if c.outer_jaw_height_mm <= c.seat_mm + r.foot_depth_mm or c.outer_jaw_height_mm >= head_under:
            err("chairs.outer_jaw_height_mm", f"jaw top {c.outer_jaw_height_mm:.3f} mm must lie between the rail foot "
                                              f"and the head underside ({head_under:.3f} mm) above the chair base")
        if c.inner_jaw_height_mm >= head_under:
            err("chairs.inner_jaw_height_mm", "inner jaw top must stay under the rail head")
        if errors:
            return
        jaw = min(c.jaw_top_width_mm, c.field_side_mm - c.jaw_face_mm)
        proc = pr.process
        if proc == "fdm" and spec.scale_mm_per_ft < 7.0:
            warn("fdm_integral_chairs", "print.process",
                 f"integral chairs print reliably on FDM only from 7 mm/ft; at {spec.scale_mm_per_ft:g} mm/ft "
                 "use resin or print the base without chairs")
        if jaw < MIN_FEATURE_MM[proc]:
            warn("feature_below_minimum", "chairs.jaw_top_width_mm",
                 f"chair jaw {jaw:.2f} mm is below the {proc} minimum feature of {MIN_FEATURE_MM[proc]} mm")
        if c.keys and key_thickness < MIN_WALL_MM[proc]:
            warn("feature_below_minimum", "chairs.keys",
                 f"key {key_thickness:.2f} mm thick is below the {proc} minimum wall of {MIN_WALL_MM[proc]} mm")
        if c.seat_mm < MIN_WALL_MM[proc] / 2:
            warn("feature_below_minimum", "chairs.seat_mm",
                 f"chair seat {c.seat_mm:.2f} mm is very thin for {proc}")

    tp = spec.tie_plates
    if tp.include:
        _check_tie_plates(spec, errors, warnings)
        if errors:
            return

    b = spec.base
    if b.webs:
        if not positive(b.web_width_mm, "base.web_width_mm") or not positive(b.web_depth_mm, "base.web_depth_mm"):
            return
        if b.web_depth_mm >= t.depth_mm:
            err("base.web_depth_mm", "webs must be thinner than the sleepers")
        yc = spec.gauge_mm / 2 + r.head_width_mm / 2
        if yc + b.web_width_mm / 2 >= t.length_mm / 2:
            err("base.web_width_mm", "webs under the rails must lie within the sleeper length")
    if min(pr.bed_x_mm, pr.bed_y_mm) < t.width_mm or max(pr.bed_x_mm, pr.bed_y_mm) < t.length_mm:
        err("print.bed_x_mm", "the print bed is smaller than one sleeper")


def _check_tie_plates(spec: TrackSpec, errors: list, warnings: list) -> None:
    """A plate must lie wholly on the tie top; its shoulders must clear the rail foot."""
    tp, t, r, pr = spec.tie_plates, spec.timber, spec.rail, spec.print
    names = ["length_mm", "width_mm", "thickness_mm"]
    if tp.shoulders:
        names += ["shoulder_height_mm", "shoulder_width_mm"]
    bad = False
    for name in names:
        value = getattr(tp, name)
        if value is None or not (value > 0):
            errors.append({"field": f"tie_plates.{name}", "message": f"must be greater than 0 (got {value})"})
            bad = True
    if bad:
        return

    def err(name, msg):
        errors.append({"field": f"tie_plates.{name}", "message": msg})

    narrowest = min(t.width_mm, t.joint_width_mm)
    if tp.width_mm > narrowest + 1e-9:
        err("width_mm", f"tie plate width {tp.width_mm:.3f} mm along the rail exceeds the tie width "
                        f"{narrowest:g} mm; the plate must sit wholly on the tie")
    yc = spec.gauge_mm / 2 + r.head_width_mm / 2
    if yc + tp.length_mm / 2 > t.length_mm / 2 + 1e-9:
        err("length_mm", f"tie plate of {tp.length_mm:.3f} mm centred under the rail reaches "
                         f"{yc + tp.length_mm / 2:.3f} mm from the centre-line, past the tie end at "
                         f"{t.length_mm / 2:g} mm")
    elif yc - tp.length_mm / 2 <= 0:
        err("length_mm", "the tie plates of the two rails would overlap at the centre-line")
    inner = r.foot_width_mm / 2 + pr.slot_clearance_mm
    if tp.shoulders and inner + tp.shoulder_width_mm > tp.length_mm / 2 + 1e-9:
        err("shoulder_width_mm", f"shoulders outside the rail foot ({inner:.3f} mm from the rail centre) plus "
                                 f"{tp.shoulder_width_mm:.3f} mm do not fit on a plate {tp.length_mm:.3f} mm long")
    if errors:
        return
    proc = pr.process
    if tp.shoulders and min(tp.shoulder_width_mm, tp.shoulder_height_mm) < MIN_WALL_MM[proc]:
        warnings.append({"code": "feature_below_minimum", "field": "tie_plates.shoulders",
                         "message": f"tie plate shoulders {tp.shoulder_width_mm:.2f} x {tp.shoulder_height_mm:.2f} mm "
                                    f"are below the {proc} minimum wall of {MIN_WALL_MM[proc]} mm; "
                                    "they will print as a blur or not at all"})
    if tp.thickness_mm < MIN_WALL_MM[proc] / 2:
        warnings.append({"code": "feature_below_minimum", "field": "tie_plates.thickness_mm",
                         "message": f"tie plate {tp.thickness_mm:.2f} mm thick is very thin for {proc}"})


# ----------------------------------------------------------------------------- plan


def _template_keys(spec: TrackSpec, tongue: float) -> tuple[tuple[TemplateKey, ...], bool]:
    t = spec.timber
    webs: tuple = ()
    if spec.base.webs:
        yc = spec.gauge_mm / 2 + spec.rail.head_width_mm / 2
        half = spec.base.web_width_mm / 2
        webs = ((yc, half), (-yc, half))

    def key(width, joint):
        chair = chair_params(spec, joint) if spec.chairs.include else None
        plate = plate_params(spec) if spec.tie_plates.include else None
        return TemplateKey(width=width, length=t.length_mm, depth=t.depth_mm, chair=chair, webs=webs,
                           web_depth=spec.base.web_depth_mm, tongue=tongue, plate=plate)

    # S1J only on joint sleepers wider than plain ones (Templot rule).
    distinct_joint = t.joint_width_mm != t.width_mm
    keys = (key(t.width_mm, False),) + ((key(t.joint_width_mm, True),) if distinct_joint else ())
    return keys, distinct_joint


def make_plan(spec: TrackSpec) -> Plan:
    spec = resolve(spec)
    errors: list[dict] = []
    warnings: list[dict] = []
    _static_checks(spec, errors, warnings)
    if errors:
        raise SpecError.many(errors)

    align = Alignment(spec.alignment)
    st = compute_stations(spec, align.length)
    if len(st) == 0:
        raise SpecError("alignment", f"track of {align.length:.2f} mm is too short for a single sleeper")
    xy, heading, kappa = align.evaluate(st.s)

    # Gaps between neighbours on the centre-line and at the inner sleeper end.
    gap_field = "sleepering.spacing_mm" if spec.sleepering.mode == "uniform" else "timber.width_mm"
    tongue = 0.1
    if len(st) > 1:
        cc = np.diff(st.s)
        need = (st.width[:-1] + st.width[1:]) / 2
        gap = cc - need
        if gap.min() <= 0:
            i = int(np.argmin(gap))
            raise SpecError(gap_field, f"sleepers {i} and {i + 1} overlap (centres {cc[i]:.3f} mm apart, "
                                       f"widths {st.width[i]:.3f}/{st.width[i + 1]:.3f} mm)")
        kmax = np.maximum(np.abs(kappa[:-1]), np.abs(kappa[1:]))
        half_len = spec.timber.length_mm / 2
        if (kmax * half_len >= 1).any():
            i = int(np.argmax(kmax))
            raise SpecError(_segment_field(spec, align, st.s[i]),
                            f"radius {1 / kmax[i]:.1f} mm is smaller than half the sleeper length")
        inner = cc * (1 - kmax * half_len) - need
        if inner.min() <= MIN_INNER_GAP_MM:
            i = int(np.argmin(inner))
            raise SpecError(_segment_field(spec, align, st.s[i]),
                            f"sleeper ends on the inside of the curve are {inner[i]:.3f} mm apart "
                            f"(minimum {MIN_INNER_GAP_MM} mm); use a larger radius or wider spacing")
        tongue = float(min(0.1, 0.25 * inner.min(), 0.25 * gap.min()))

    keys, distinct_joint = _template_keys(spec, tongue)
    template_of = (st.joint & distinct_joint).astype(np.int64)
    plan = Plan(spec, align, st, xy, heading, kappa, warnings, keys, template_of)
    plan.pieces = _split(plan)
    tri = sum(plan.piece_triangles(p) for p in plan.pieces)
    if tri > MAX_TRIANGLES:
        raise SpecError("alignment", f"the track would need about {tri:,} triangles, over the limit of "
                                     f"{MAX_TRIANGLES:,}; shorten the track or turn off chair details")
    return plan


def _segment_field(spec: TrackSpec, align: Alignment, s: float) -> str:
    i = int(np.clip(np.searchsorted(align.starts, s, side="right") - 1, 0, len(spec.alignment) - 1))
    seg = spec.alignment[i]
    if isinstance(seg, Arc):
        return f"alignment.{i}.radius_mm"
    if isinstance(seg, Transition):
        return f"alignment.{i}.radius_end_mm"
    return f"alignment.{i}"


# ----------------------------------------------------------------------------- bed split


def _fit(plan: Plan, first: int, last: int, s0: float, s1: float) -> tuple[bool, float, np.ndarray]:
    pts = plan.sleeper_corners(first, last)
    if plan.spec.rail.include_in_output:
        pts = np.concatenate([pts, plan.rail_end_points([s0, s1])])
    if last > first:
        d = plan.xy[last] - plan.xy[first]
        ang = math.atan2(d[1], d[0])
    else:
        ang = float(plan.heading[first])
    bx, by = plan.spec.print.bed_x_mm, plan.spec.print.bed_y_mm
    c, s = math.cos(-ang), math.sin(-ang)
    rx = c * pts[:, 0] - s * pts[:, 1]
    ry = s * pts[:, 0] + c * pts[:, 1]
    ex, ey = rx.max() - rx.min(), ry.max() - ry.min()
    if ex <= bx and ey <= by:
        return True, -ang, np.array([-rx.min(), -ry.min()])
    if ex <= by and ey <= bx:  # turn it a quarter to use the other bed axis
        return True, -ang + math.pi / 2, np.array([ry.max(), -rx.min()])
    return False, 0.0, np.zeros(2)


def _split(plan: Plan) -> list[PiecePlan]:
    st, L = plan.stations, plan.alignment.length
    n = len(st)
    whole = PiecePlan(0, n - 1, 0.0, L)
    if plan.spec.output.pieces == "single":
        if not _fit(plan, 0, n - 1, 0.0, L)[0]:
            plan.warnings.append({"code": "exceeds_bed", "field": "print.bed_x_mm",
                                  "message": "the track does not fit the print bed in one piece"})
        return [whole]
    lo, hi = plan.bbox()
    bx, by = plan.spec.print.bed_x_mm, plan.spec.print.bed_y_mm
    if hi[0] - lo[0] <= bx and hi[1] - lo[1] <= by:
        return [whole]  # fits as laid out: keep world coordinates
    ok, rot, trans = _fit(plan, 0, n - 1, 0.0, L)
    if ok:
        return [PiecePlan(0, n - 1, 0.0, L, rot, (float(trans[0]), float(trans[1])))]
    # Cut in the middle of the gap between two sleepers.
    cuts = np.concatenate([[0.0], ((st.s[:-1] + st.width[:-1] / 2) + (st.s[1:] - st.width[1:] / 2)) / 2, [L]])
    pieces: list[PiecePlan] = []
    i = 0
    while i < n:
        def fits(j, i=i):
            return _fit(plan, i, j, cuts[i], cuts[j + 1])[0]

        if not fits(i):
            raise SpecError("print.bed_x_mm", "a single sleeper does not fit the print bed")
        # First guess from arc length (a chord is never longer), then gallop
        # up or bisect down: a few fit checks per piece, not one per sleeper.
        reach = st.s[i] - st.width[i] / 2 + max(plan.spec.print.bed_x_mm, plan.spec.print.bed_y_mm)
        guess = int(np.clip(np.searchsorted(st.s + st.width / 2, reach, side="right") - 1, i, n - 1))
        if fits(guess):
            lo, step = guess, 1
            while lo + step < n and fits(lo + step):
                lo, step = lo + step, step * 2
            hi = min(n, lo + step)
        else:
            lo, hi = i, guess
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if fits(mid):
                lo = mid
            else:
                hi = mid
        ok, rot, trans = _fit(plan, i, lo, cuts[i], cuts[lo + 1])
        pieces.append(PiecePlan(i, lo, float(cuts[i]), float(cuts[lo + 1]), rot, (float(trans[0]), float(trans[1]))))
        i = lo + 1
    return pieces


# ----------------------------------------------------------------------------- public cheap API


def validate(spec: TrackSpec) -> list[dict]:
    """Raise :class:`SpecError` for a spec that cannot be built; return its warnings."""
    return make_plan(spec).warnings


def summarize(spec: TrackSpec) -> dict:
    """Counts, bounds and warnings without building the mesh."""
    plan = make_plan(spec)
    n = len(plan.stations)
    lo, hi = plan.bbox()
    return {
        "total_length_mm": plan.alignment.length,
        "sleeper_count": n,
        "chair_count": 2 * n if plan.spec.chairs.include else 0,
        "tie_plate_count": 2 * n if plan.spec.tie_plates.include else 0,
        "estimated_triangles": int(sum(plan.piece_triangles(p) for p in plan.pieces)),
        "pieces": len(plan.pieces),
        "bbox": {"min": lo, "max": hi},
        "warnings": plan.warnings,
    }


__all__ = ["MAX_TOTAL_LENGTH_MM", "MAX_TRIANGLES", "Plan", "PiecePlan", "make_plan", "summarize", "validate",
           "chair_dims_mm"]

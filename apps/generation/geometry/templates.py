"""Part templates: one sleeper with its chairs or tie plates (and web tongues), unioned once.

A template lives in the sleeper's local frame: x along the track, y across
(left rail at +y), z up with the sleeper underside at z = 0. Every instance is
a rigid copy, so the manifold3d booleans run once per distinct template, never
per sleeper.

Web tongues: when base webs are on, the template carries a short tongue under
each rail on both sides of the sleeper. The tongue tip faces are kept apart so
the builder can drop them on interior sleepers and stitch the open tip loops of
neighbouring sleepers with a bridge strip. The shared tip vertices come from the
same float arithmetic, so the joined base is one closed 2-manifold without any
boolean across instances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache

import manifold3d as m3d
import numpy as np

from .spec import TrackSpec, chair_dims_mm

SCREW_SEGMENTS = 8
SLIVER_TOLERANCE = 1e-4  # mm
SHOULDER_INSET = 0.05  # tie plate shoulders stop this fraction of the plate width short of each end
MIN_TRIANGLE_HEIGHT = 1e-3  # mm; below this float32 output at 10 m could collapse


@dataclass(frozen=True)
class ChairParams:
    gauge_half: float  # gauge face distance from the centre-line
    sleeper_depth: float
    field_side: float
    gauge_side: float
    width: float  # along the rail
    seat: float
    jaw_face: float
    jaw_top_width: float
    outer_h: float
    inner_h: float
    keys: bool
    key_length: float
    screw_heads: bool
    screw_radius: float
    screw_height: float
    screw_inset: float
    clearance: float
    inclination: float  # radians, head leaning towards the track centre
    rail_height: float
    head_width: float
    foot_width: float
    web: float
    head_depth: float
    foot_depth: float
    overlap: float


@dataclass(frozen=True)
class PlateParams:
    rail_centre: float  # |y| of the rail centre line (gauge face + half the head)
    sleeper_depth: float
    length: float  # across the rail
    width: float  # along the rail
    thickness: float
    shoulders: bool
    shoulder_inner: float  # |u| of the shoulder inner faces from the rail centre
    shoulder_width: float
    shoulder_height: float
    overlap: float  # sunk into the tie so the union is a clean overlap


@dataclass(frozen=True)
class TemplateKey:
    width: float  # along-track sleeper width
    length: float
    depth: float
    chair: ChairParams | None
    webs: tuple[tuple[float, float], ...]  # (y centre, half width) per web
    web_depth: float
    tongue: float
    minus: bool = False  # open web tongues on the -x side (a neighbour follows)
    plus: bool = False
    plate: PlateParams | None = None


@dataclass
class Template:
    vertices: np.ndarray  # (V, 3) float64
    faces: np.ndarray  # (T, 3); open only at the tongue tips
    loops_minus: np.ndarray  # (nweb, 4) vertex ids of the open -x tips, CCW about +x
    loops_plus: np.ndarray  # (nweb, 4)

    @property
    def body_triangles(self) -> int:
        return int(self.faces.shape[0])

    @cached_property
    def planes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-triangle (normal, corner0..2) x, y and z planes, (T, 4) float32 each.

        The instancing kernel rotates the x/y planes and copies z, so it needs
        no gather per instance.
        """
        tri = self.vertices[self.faces]
        n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        n /= np.linalg.norm(n, axis=1, keepdims=True)
        both = np.concatenate([n[:, None, :], tri], axis=1).astype(np.float32)  # (T, 4, 3)
        return tuple(np.ascontiguousarray(both[..., i]) for i in range(3))

    @cached_property
    def vertices32(self) -> np.ndarray:
        return self.vertices.astype(np.float32)

    @cached_property
    def hull_xy(self) -> np.ndarray:
        """Plan-view convex hull points: enough to bound any rotated copy."""
        from scipy.spatial import ConvexHull

        xy = np.unique(self.vertices[:, :2], axis=0)
        return xy[ConvexHull(xy).vertices]


def chair_params(spec: TrackSpec, joint: bool) -> ChairParams:
    c, r, k = spec.chairs, spec.rail, spec.scale_mm_per_ft
    dims = chair_dims_mm(k)
    # Screw heads sit 1 3/4" in from the chair ends; the inner jaw starts past them.
    radius = 0.55 / 1.5 * dims["screw_head_diameter_mm"]
    return ChairParams(
        gauge_half=spec.gauge_mm / 2, sleeper_depth=spec.timber.depth_mm,
        field_side=c.field_side_mm, gauge_side=c.gauge_side_mm,
        width=c.joint_width_mm if joint else c.width_mm, seat=c.seat_mm, jaw_face=c.jaw_face_mm,
        jaw_top_width=c.jaw_top_width_mm, outer_h=c.outer_jaw_height_mm, inner_h=c.inner_jaw_height_mm,
        keys=c.keys, key_length=min(c.key_length_mm, c.joint_width_mm if joint else c.width_mm),
        screw_heads=c.screw_heads, screw_radius=radius, screw_height=dims["screw_head_height_mm"],
        screw_inset=dims["screw_inset_mm"], clearance=spec.print.slot_clearance_mm,
        inclination=math.atan(1 / 20) if r.inclination == "1in20" else 0.0,
        rail_height=r.height_mm, head_width=r.head_width_mm, foot_width=r.foot_width_mm,
        web=r.web_thickness_mm, head_depth=r.head_depth_mm, foot_depth=r.foot_depth_mm,
        overlap=min(0.05, 0.25 * spec.timber.depth_mm),
    )


def plate_params(spec: TrackSpec) -> PlateParams:
    tp, r = spec.tie_plates, spec.rail
    return PlateParams(
        rail_centre=spec.gauge_mm / 2 + r.head_width_mm / 2, sleeper_depth=spec.timber.depth_mm,
        length=tp.length_mm, width=tp.width_mm, thickness=tp.thickness_mm, shoulders=tp.shoulders,
        shoulder_inner=r.foot_width_mm / 2 + spec.print.slot_clearance_mm, shoulder_width=tp.shoulder_width_mm,
        shoulder_height=tp.shoulder_height_mm, overlap=min(0.05, 0.25 * spec.timber.depth_mm),
    )


def _rect(u0: float, u1: float, v0: float, v1: float) -> m3d.CrossSection:
    return m3d.CrossSection([np.array([[u0, v0], [u1, v0], [u1, v1], [u0, v1]], dtype=np.float64)])


def rail_profile(head_width, foot_width, web, height, head_depth, foot_depth, clearance=0.0, top_extra=0.0):
    """I-shaped rail outline (12 points, CCW in (u, v)); u = 0 at the gauge face.

    With ``clearance`` it is the slot cutter: sides, foot top and head underside
    grow by the clearance; the underside stays on the seat (the rail sits on it).
    """
    cu, c = head_width / 2, clearance
    fh, wh, hh = foot_width / 2 + c, web / 2 + c, head_width / 2 + c
    fd, hb, top = foot_depth + c, height - head_depth - c, height + c + top_extra
    return np.array([
        [cu - fh, 0], [cu + fh, 0], [cu + fh, fd], [cu + wh, fd], [cu + wh, hb], [cu + hh, hb],
        [cu + hh, top], [cu - hh, top], [cu - hh, hb], [cu - wh, hb], [cu - wh, fd], [cu - fh, fd],
    ], dtype=np.float64)


# Triangulation of the 12-point profile above (fans chosen so that no vertex
# lies on an interior edge: vertices 3/10 and 4/9 sit on the foot/head lines).
PROFILE_CAP = np.array([(0, 1, 2), (0, 2, 3), (0, 3, 10), (0, 10, 11), (10, 3, 4), (10, 4, 9),
                        (7, 8, 9), (7, 9, 4), (7, 4, 5), (7, 5, 6)], dtype=np.int64)


def _rotate_uv(points: np.ndarray, angle: float, pivot: tuple[float, float]) -> np.ndarray:
    if angle == 0.0:
        return points
    c, s = math.cos(angle), math.sin(angle)
    p = points - pivot
    return np.stack([c * p[:, 0] - s * p[:, 1], s * p[:, 0] + c * p[:, 1]], axis=1) + pivot


def _to_sleeper(man: m3d.Manifold, along: float, p: ChairParams) -> m3d.Manifold:
    """Map an extrusion of a (u, v) section along Z to the left rail's place."""
    return man.transform(np.array([[0.0, 0.0, 1.0, -along / 2],
                                   [1.0, 0.0, 0.0, p.gauge_half],
                                   [0.0, 1.0, 0.0, p.sleeper_depth]]))


def chair_solid(p: ChairParams) -> m3d.Manifold:
    """One S1/S1J chair for the left rail, seated on the sleeper top."""
    hw = p.head_width
    slot = m3d.CrossSection([_rotate_uv(
        rail_profile(hw, p.foot_width, p.web, p.rail_height, p.head_depth, p.foot_depth, p.clearance,
                     top_extra=p.rail_height), p.inclination, (hw / 2, 0.0)) + (0.0, p.seat)])
    inner_u0 = -p.gauge_side + p.screw_inset + p.screw_radius + 0.5 * p.screw_radius
    body = (_rect(-p.gauge_side, p.field_side, -p.overlap, p.seat)
            + _rect(inner_u0, hw / 2, 0.0, p.inner_h)
            + _rect(p.jaw_face, min(p.jaw_face + p.jaw_top_width, p.field_side), 0.0, p.outer_h)) - slot
    solid = _to_sleeper(m3d.Manifold.extrude(body, p.width), p.width, p)
    parts = [solid]
    if p.keys:
        key = _rect(hw / 2, p.jaw_face + 0.25 * p.jaw_top_width, 0.0, p.outer_h) - slot
        parts.append(_to_sleeper(m3d.Manifold.extrude(key, p.key_length), p.key_length, p))
    if p.screw_heads:
        outer_u = 0.5 * (min(p.jaw_face + p.jaw_top_width, p.field_side) + p.field_side)
        inner_u = -p.gauge_side + p.screw_inset
        for u, x in ((inner_u, -p.width / 4), (inner_u, p.width / 4), (outer_u, 0.0)):
            head = m3d.Manifold.cylinder(p.screw_height + p.overlap, p.screw_radius, p.screw_radius,
                                         SCREW_SEGMENTS)
            parts.append(head.translate((x, p.gauge_half + u, p.sleeper_depth + p.seat - p.overlap)))
    return m3d.Manifold.batch_boolean(parts, m3d.OpType.Add)


def tie_plate_solid(p: PlateParams) -> m3d.Manifold:
    """Tie plate (with its two shoulders) under the left rail, sitting on the tie top.

    The plate is a box sunk ``overlap`` into the tie; the shoulders are boxes
    sunk into the plate and stopped ``SHOULDER_INSET`` of the plate width short
    of the plate ends. Flush shoulders would merge with the plate end into one
    long, low polygon whose triangulation has slivers only ~0.01 mm high, and
    such vertical slivers lose their normals in float32 far from the origin.
    """
    half, inner = p.length / 2, p.shoulder_inner

    def box(u0, u1, v0, v1, along):
        return m3d.Manifold.extrude(_rect(u0, u1, v0, v1), along).transform(np.array([
            [0.0, 0.0, 1.0, -along / 2], [1.0, 0.0, 0.0, p.rail_centre], [0.0, 1.0, 0.0, p.sleeper_depth]]))

    parts = [box(-half, half, -p.overlap, p.thickness, p.width)]
    if p.shoulders:
        top, sink = p.thickness + p.shoulder_height, min(p.overlap, 0.25 * p.thickness)
        along = p.width * (1 - 2 * SHOULDER_INSET)
        parts += [box(inner, inner + p.shoulder_width, p.thickness - sink, top, along),
                  box(-inner - p.shoulder_width, -inner, p.thickness - sink, top, along)]
    return m3d.Manifold.batch_boolean(parts, m3d.OpType.Add)


@lru_cache(maxsize=64)
def build_template(key: TemplateKey) -> Template:
    w, L, d = key.width, key.length, key.depth
    parts = [m3d.Manifold.cube((w, L, d)).translate((-w / 2, -L / 2, 0.0))]
    if key.chair is not None:
        left = chair_solid(key.chair)
        parts += [left, left.mirror((0.0, 1.0, 0.0))]
    if key.plate is not None:
        plate = tie_plate_solid(key.plate)
        parts += [plate, plate.mirror((0.0, 1.0, 0.0))]
    tongue_in = min(0.05, w / 4)
    sides = [sign for sign, on in ((-1.0, key.minus), (1.0, key.plus)) if on]
    for yc, half in key.webs:
        for sign in sides:
            x0, x1 = (-w / 2 - key.tongue, -w / 2 + tongue_in) if sign < 0 else (w / 2 - tongue_in, w / 2 + key.tongue)
            parts.append(m3d.Manifold.cube((x1 - x0, 2 * half, key.web_depth)).translate((x0, yc - half, 0.0)))
    solid = m3d.Manifold.batch_boolean(parts, m3d.OpType.Add) if len(parts) > 1 else parts[0]
    # Booleans can leave sub-micron slivers (e.g. where the 1:20 slot meets the
    # seat); they would turn degenerate once written as float32.
    solid = solid.simplify(SLIVER_TOLERANCE)
    mesh = solid.to_mesh64()
    verts = np.asarray(mesh.vert_properties, dtype=np.float64)[:, :3].copy()
    faces = np.asarray(mesh.tri_verts, dtype=np.int64).copy()
    loops = {-1.0: np.zeros((0, 4), np.int64), 1.0: np.zeros((0, 4), np.int64)}
    open_tri = np.zeros(faces.shape[0], dtype=bool)
    tip_x = w / 2 + key.tongue
    for sign in sides:
        on_tip = np.abs(verts[:, 0] - sign * tip_x) < 1e-9
        tri_on = on_tip[faces].all(axis=1)
        found = []
        for yc, half in key.webs:
            ids = np.flatnonzero(on_tip & (np.abs(verts[:, 1] - yc) <= half + 1e-9))
            if ids.size != 4:
                raise RuntimeError(f"web tongue tip has {ids.size} vertices, expected 4")
            ang = np.arctan2(verts[ids, 2] - key.web_depth / 2, verts[ids, 1] - yc)
            found.append(ids[np.argsort(ang)])
        if np.count_nonzero(tri_on) != 2 * len(key.webs):
            raise RuntimeError("web tongue tips are not simple quads")
        loops[sign] = np.array(found, dtype=np.int64)
        open_tri |= tri_on
    _check_heights(verts, faces)
    return Template(verts, faces[~open_tri], loops[-1.0], loops[1.0])


def _check_heights(verts: np.ndarray, faces: np.ndarray) -> None:
    tri = verts[faces]
    edges = np.stack([tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 1], tri[:, 0] - tri[:, 2]], axis=1)
    area2 = np.linalg.norm(np.cross(edges[:, 0], edges[:, 1]), axis=1)
    height = area2 / np.linalg.norm(edges, axis=2).max(axis=1)
    if height.min() < MIN_TRIANGLE_HEIGHT:
        raise RuntimeError(f"template has a sliver triangle ({height.min():.2e} mm high)")

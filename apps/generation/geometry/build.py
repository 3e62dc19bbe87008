"""Instancing: templates x sleeper poses -> binary STL records, per printable piece."""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass, field

import numpy as np

from .plan import PiecePlan, Plan, make_plan, rail_base_z
from .spec import TrackSpec, spec_to_dict
from .stl import HEADER_SIZE, allocate, triangle_normals
from .templates import PROFILE_CAP, Template, rail_profile

GENERATOR_VERSION = "trackforge-geometry/1.1.0"  # 1.1: tie plates on flat-bottom track
CHUNK_TRIANGLES = 16384  # per instancing step: keeps the float32 temporaries in cache


@dataclass
class Piece:
    name: str
    stl: bytearray  # a complete binary STL file
    triangles: int
    first_sleeper: int
    last_sleeper: int
    s_start_mm: float
    s_end_mm: float
    bbox: tuple[list[float], list[float]]
    rotate_deg: float
    translate_mm: tuple[float, float]

    def triangles_array(self) -> np.ndarray:
        from .stl import read_stl

        return read_stl(bytes(self.stl))[1]


@dataclass
class BuildResult:
    pieces: list[Piece]
    manifest: dict
    warnings: list[dict] = field(default_factory=list)

    @property
    def is_zip(self) -> bool:
        return len(self.pieces) > 1

    @property
    def media_type(self) -> str:
        return "application/zip" if self.is_zip else "model/stl"

    @property
    def file_extension(self) -> str:
        return ".zip" if self.is_zip else ".stl"

    @property
    def stl_bytes(self) -> bytearray:
        """The single-piece STL (the first piece when split)."""
        return self.pieces[0].stl

    @property
    def data(self) -> bytes | bytearray:
        """What to store/serve: one STL, or a ZIP of piece STLs plus manifest.json."""
        if not self.is_zip:
            return self.pieces[0].stl
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for p in self.pieces:
                zf.writestr(p.name, bytes(p.stl))
            zf.writestr("manifest.json", json.dumps(self.manifest, indent=1))
        return buf.getvalue()

    def meshes(self):
        """trimesh objects per piece (tests/previews; merges vertices, not for the hot path)."""
        import trimesh

        return [trimesh.Trimesh(**trimesh.triangles.to_kwargs(p.triangles_array().astype(np.float64)))
                for p in self.pieces]


# ----------------------------------------------------------------------------- kernels


def _xform(px, py, c, s, tx, ty):
    """Rigid plan-view transform in float32, (c*x - s*y) + tx and (s*x + c*y) + ty.

    Every caller goes through this one expression (elementwise, no BLAS), so a
    vertex shared by a sleeper and its web bridge comes out bit-identical.
    """
    x = c * px
    x -= s * py
    x += tx
    y = s * px
    y += c * py
    y += ty
    return x, y


def _poses(plan: Plan, piece: PiecePlan, idx: np.ndarray):
    rot = piece.rotate
    cr, sr = math.cos(rot), math.sin(rot)
    x, y = plan.xy[idx, 0], plan.xy[idx, 1]
    tx = cr * x - sr * y + piece.translate[0]
    ty = sr * x + cr * y + piece.translate[1]
    h = plan.heading[idx] + rot
    f32 = np.float32
    return np.cos(h).astype(f32), np.sin(h).astype(f32), tx.astype(f32), ty.astype(f32)


def _instance(buf: bytearray, first: int, tpl: Template, c, s, tx, ty, lo, hi) -> int:
    """Write every instance's triangles as STL records from record ``first`` on."""
    X, Y, Z = tpl.planes
    T = X.shape[0]
    n_inst = c.size
    out = np.ndarray((n_inst, T, 4, 3), "<f4", buffer=buf, offset=HEADER_SIZE + 50 * first,
                     strides=(50 * T, 50, 12, 4))
    move = np.array([0, 1, 1, 1], np.float32)  # normals rotate but do not translate
    per = max(1, CHUNK_TRIANGLES // max(T, 1))
    # Straight runs share one heading: rotate the template once, then only
    # translate (the same float32 operations in the same order as _xform).
    same = bool((c == c[0]).all() and (s == s[0]).all())
    if same:
        zero = np.zeros((1, 1, 1), np.float32)
        rx, ry = _xform(X, Y, c[:1, None, None], s[:1, None, None], zero, zero)  # v + 0 == v exactly
    for a in range(0, n_inst, per):
        b = min(n_inst, a + per)
        if same:
            x = rx + tx[a:b, None, None] * move
            y = ry + ty[a:b, None, None] * move
        else:
            x, y = _xform(X, Y, c[a:b, None, None], s[a:b, None, None], tx[a:b, None, None] * move,
                          ty[a:b, None, None] * move)
        o = out[a:b]
        o[..., 0] = x
        o[..., 1] = y
        o[..., 2] = Z
    # Bounds from the template's plan-view hull: exact, and far fewer points.
    H = tpl.hull_xy
    hx, hy = _xform(H[None, :, 0].astype(np.float32), H[None, :, 1].astype(np.float32), c[:, None], s[:, None],
                    tx[:, None], ty[:, None])
    lo[:] = np.minimum(lo, [hx.min(), hy.min(), tpl.vertices[:, 2].min()])
    hi[:] = np.maximum(hi, [hx.max(), hy.max(), tpl.vertices[:, 2].max()])
    return n_inst * T


def _put(rec, pos, tris):
    n = tris.shape[0]
    rec["v"][pos:pos + n] = tris
    rec["normal"][pos:pos + n] = triangle_normals(tris.astype(np.float64))
    return pos + n


def _web_bridges(plan: Plan, variants: np.ndarray, c, s, tx, ty) -> np.ndarray:
    """Strips joining the open +x tongue tip of each sleeper to the -x tip of the next."""
    tpl = {int(v): plan.template(int(v)) for v in np.unique(variants)}
    loops_p = {v: t.vertices32[t.loops_plus] for v, t in tpl.items()}
    loops_m = {v: t.vertices32[t.loops_minus] for v, t in tpl.items()}
    A = np.stack([loops_p[int(v)] for v in variants[:-1]])  # (G, nweb, 4, 3), G = gaps
    B = np.stack([loops_m[int(v)] for v in variants[1:]])

    def place(P, c, s, tx, ty):
        X, Y = _xform(P[..., 0], P[..., 1], c[:, None, None], s[:, None, None], tx[:, None, None], ty[:, None, None])
        return np.stack([X, Y, P[..., 2]], axis=-1)

    a = place(A, c[:-1], s[:-1], tx[:-1], ty[:-1])
    b = place(B, c[1:], s[1:], tx[1:], ty[1:])
    a1, b1 = np.roll(a, -1, axis=2), np.roll(b, -1, axis=2)
    t1 = np.stack([a, a1, b1], axis=-2)  # (G, nweb, 4, 3, 3)
    t2 = np.stack([a, b1, b], axis=-2)
    return np.concatenate([t1, t2], axis=2).reshape(-1, 3, 3)


def _rail_sweep(plan: Plan, piece: PiecePlan, side: int) -> np.ndarray:
    spec = plan.spec
    r = spec.rail
    prof = rail_profile(r.head_width_mm, r.foot_width_mm, r.web_thickness_mm, r.height_mm, r.head_depth_mm,
                        r.foot_depth_mm)
    if r.inclination == "1in20":
        a = math.atan(1 / 20)
        p = prof - (r.head_width_mm / 2, 0.0)
        prof = np.stack([math.cos(a) * p[:, 0] - math.sin(a) * p[:, 1],
                         math.sin(a) * p[:, 0] + math.cos(a) * p[:, 1]], axis=1) + (r.head_width_mm / 2, 0.0)
    y_local = side * (spec.gauge_mm / 2 + prof[:, 0])
    z = rail_base_z(spec) + prof[:, 1]
    s_vals = plan.rail_stations(piece)
    xy, h, _ = plan.alignment.evaluate(s_vals)
    rot = piece.rotate
    cr, sr = math.cos(rot), math.sin(rot)
    X = cr * xy[:, 0] - sr * xy[:, 1] + piece.translate[0]
    Y = sr * xy[:, 0] + cr * xy[:, 1] + piece.translate[1]
    h = h + rot
    nx, ny = -np.sin(h), np.cos(h)
    ring = np.empty((s_vals.size, RAIL_N, 3))
    ring[..., 0] = X[:, None] + nx[:, None] * y_local[None, :]
    ring[..., 1] = Y[:, None] + ny[:, None] * y_local[None, :]
    ring[..., 2] = z[None, :]
    a, b = ring[:-1], ring[1:]
    a1, b1 = np.roll(a, -1, axis=1), np.roll(b, -1, axis=1)
    sides = np.concatenate([np.stack([a, a1, b1], axis=-2), np.stack([a, b1, b], axis=-2)], axis=1).reshape(-1, 3, 3)
    end = ring[-1][PROFILE_CAP]
    start = ring[0][PROFILE_CAP[:, ::-1]]
    tris = np.concatenate([sides, start, end])
    if side < 0:  # the mirror image turns the winding inside out
        tris = tris[:, ::-1]
    return tris


RAIL_N = 12


def _build_piece(plan: Plan, piece: PiecePlan, number: int, name: str) -> Piece:
    n_tri = plan.piece_triangles(piece)
    buf, rec = allocate(n_tri, f"Trackforge {GENERATOR_VERSION} piece {number} mm")
    idx = np.arange(piece.first, piece.last + 1)
    c, s, tx, ty = _poses(plan, piece, idx)
    variants = plan.piece_variants(piece)
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    pos = 0
    for v in np.unique(variants):
        m = variants == v
        pos += _instance(buf, pos, plan.template(int(v)), c[m], s[m], tx[m], ty[m], lo, hi)
    if plan.webs and idx.size > 1:
        pos = _put(rec, pos, _web_bridges(plan, variants, c, s, tx, ty))
    if plan.spec.rail.include_in_output:
        for side in (1, -1):
            tris = _rail_sweep(plan, piece, side)
            lo[:] = np.minimum(lo, tris.reshape(-1, 3).min(axis=0))
            hi[:] = np.maximum(hi, tris.reshape(-1, 3).max(axis=0))
            pos = _put(rec, pos, tris)
    if pos != n_tri:  # pragma: no cover - the count and the writer must agree
        raise RuntimeError(f"wrote {pos} triangles, planned {n_tri}")
    return Piece(name=name, stl=buf, triangles=n_tri, first_sleeper=int(piece.first), last_sleeper=int(piece.last),
                 s_start_mm=piece.s_start, s_end_mm=piece.s_end,
                 bbox=(lo.round(4).tolist(), hi.round(4).tolist()), rotate_deg=math.degrees(piece.rotate),
                 translate_mm=piece.translate)


def _manifest(plan: Plan, pieces: list[Piece]) -> dict:
    spec = plan.spec
    st = plan.stations
    n = len(st)
    piece_of = np.zeros(n, dtype=np.int64)
    for i, p in enumerate(pieces):
        piece_of[p.first_sleeper:p.last_sleeper + 1] = i
    deg = np.degrees(plan.heading)
    out = {
        "generator_version": GENERATOR_VERSION,
        "units": "mm",
        "total_length_mm": round(plan.alignment.length, 4),
        "sleeper_count": n,
        "triangle_count": int(sum(p.triangles for p in pieces)),
        "warnings": plan.warnings,
        "sleepers": {
            "s_mm": st.s.round(4).tolist(), "x_mm": plan.xy[:, 0].round(4).tolist(),
            "y_mm": plan.xy[:, 1].round(4).tolist(), "angle_deg": deg.round(5).tolist(),
            "width_mm": st.width.round(4).tolist(), "joint": st.joint.tolist(), "piece": piece_of.tolist(),
        },
    }
    if spec.chairs.include:
        off = spec.gauge_mm / 2 + (spec.chairs.field_side_mm - spec.chairs.gauge_side_mm) / 2
        nrm = np.stack([-np.sin(plan.heading), np.cos(plan.heading)], axis=1)
        pts = np.stack([plan.xy + nrm * off, plan.xy - nrm * off], axis=1).reshape(-1, 2)
        s1j = st.joint & (spec.timber.joint_width_mm > spec.timber.width_mm)
        out["chairs"] = {
            "count": 2 * n, "sleeper": np.repeat(np.arange(n), 2).tolist(), "rail": ["left", "right"] * n,
            "type": np.repeat(np.where(s1j, "S1J", "S1"), 2).tolist(),
            "x_mm": pts[:, 0].round(4).tolist(), "y_mm": pts[:, 1].round(4).tolist(),
            "angle_deg": np.repeat(deg, 2).round(5).tolist(),
        }
    else:
        out["chairs"] = {"count": 0}
    if spec.tie_plates.include:
        off = spec.gauge_mm / 2 + spec.rail.head_width_mm / 2  # plates are centred under the rail
        nrm = np.stack([-np.sin(plan.heading), np.cos(plan.heading)], axis=1)
        pts = np.stack([plan.xy + nrm * off, plan.xy - nrm * off], axis=1).reshape(-1, 2)
        tp = spec.tie_plates
        out["tie_plates"] = {
            "count": 2 * n, "sleeper": np.repeat(np.arange(n), 2).tolist(), "rail": ["left", "right"] * n,
            "length_mm": round(tp.length_mm, 4), "width_mm": round(tp.width_mm, 4),
            "thickness_mm": round(tp.thickness_mm, 4), "shoulders": tp.shoulders,
            "x_mm": pts[:, 0].round(4).tolist(), "y_mm": pts[:, 1].round(4).tolist(),
            "angle_deg": np.repeat(deg, 2).round(5).tolist(),
        }
    else:
        out["tie_plates"] = {"count": 0}
    if len(pieces) == 1 and pieces[0].rotate_deg == 0 and pieces[0].translate_mm == (0.0, 0.0):
        out["bbox"] = {"min": pieces[0].bbox[0], "max": pieces[0].bbox[1]}
    else:
        lo, hi = plan.bbox()
        out["bbox"] = {"min": [round(v, 4) for v in lo], "max": [round(v, 4) for v in hi]}
    out["pieces"] = [{
        "index": i, "file": p.name, "triangles": p.triangles, "sleepers": [p.first_sleeper, p.last_sleeper],
        "s_start_mm": round(p.s_start_mm, 4), "s_end_mm": round(p.s_end_mm, 4),
        "bbox": {"min": p.bbox[0], "max": p.bbox[1]},
        "transform": {"rotate_deg": round(p.rotate_deg, 6), "translate_mm": [round(v, 4) for v in p.translate_mm]},
    } for i, p in enumerate(pieces)]
    out["spec"] = spec_to_dict(spec)
    return out


def build(spec: TrackSpec) -> BuildResult:
    """Build every printable piece as binary STL plus the manifest."""
    plan = make_plan(spec)
    single = len(plan.pieces) == 1
    pieces = [_build_piece(plan, p, i, "track.stl" if single else f"piece_{i + 1:03d}.stl")
              for i, p in enumerate(plan.pieces)]
    manifest = _manifest(plan, pieces)
    return BuildResult(pieces=pieces, manifest=manifest, warnings=plan.warnings)

"""Measuring produced STL bytes: bodies, sleeper poses, sections. No Django."""

from __future__ import annotations

import io
import math
import zipfile

import numpy as np
import trimesh

from apps.generation.geometry import build, spec_from_dict
from apps.generation.geometry.stl import read_stl

BIG_BED = {"bed_x_mm": 2000.0, "bed_y_mm": 2000.0}


def make(preset: str, alignment: list, **over) -> dict:
    d = {"preset": preset, "alignment": alignment, "base": {"webs": False}, "print": dict(BIG_BED)}
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(d.get(key), dict):
            d[key] = {**d[key], **value}
        else:
            d[key] = value
    return d


def straight(length: float) -> list:
    return [{"type": "straight", "length_mm": length}]


def build_dict(d: dict):
    return build(spec_from_dict(d))


def stl_mesh(data: bytes) -> trimesh.Trimesh:
    """Parse binary STL bytes independently of the writer and merge vertices."""
    _, tris, _ = read_stl(bytes(data))
    return trimesh.Trimesh(**trimesh.triangles.to_kwargs(tris.astype(np.float64)))


def check_stl_format(data: bytes) -> int:
    data = bytes(data)
    assert not data[:5].lower().startswith(b"solid")
    n = int(np.frombuffer(data[80:84], dtype="<u4")[0])
    assert len(data) == 84 + 50 * n
    return n


def check_solid(mesh: trimesh.Trimesh) -> None:
    assert mesh.is_watertight
    assert mesh.is_winding_consistent
    assert mesh.is_volume
    assert mesh.volume > 0
    assert mesh.area_faces.min() > 1e-10  # no degenerate triangles


def check_file_normals(data: bytes) -> None:
    _, tris, normals = read_stl(bytes(data))
    t = tris.astype(np.float64)
    n = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    assert (np.einsum("ij,ij->i", n, normals) > 0.99).all()


def bodies(mesh: trimesh.Trimesh) -> list[trimesh.Trimesh]:
    return mesh.split(only_watertight=False)


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


class SleeperBody:
    """Pose and chair extents of one sleeper body, measured from its vertices."""

    def __init__(self, body: trimesh.Trimesh, depth: float):
        v = body.vertices
        bottom = v[np.abs(v[:, 2]) < 1e-5][:, :2]
        corners = np.unique(bottom.round(5), axis=0)
        assert len(corners) == 4, f"sleeper underside has {len(corners)} corners"
        self.centre = corners.mean(axis=0)
        d = corners - self.centre
        # The long (across-track) axis is the direction of the farthest corner pair.
        order = np.argsort(np.arctan2(d[:, 1], d[:, 0]))
        c = corners[order]
        edges = np.roll(c, -1, axis=0) - c
        lengths = np.linalg.norm(edges, axis=1)
        short = edges[np.argmin(lengths)]
        self.heading = math.atan2(short[1], short[0])
        self.width = float(lengths.min())
        self.length = float(lengths.max())
        self.depth = float(v[:, 2].max())
        ch, sh = math.cos(-self.heading), math.sin(-self.heading)
        rel = v[:, :2] - self.centre
        self.local = np.stack([ch * rel[:, 0] - sh * rel[:, 1], sh * rel[:, 0] + ch * rel[:, 1], v[:, 2]], axis=1)
        self.top = float(v[:, 2].max())
        above = self.local[v[:, 2] > depth + 1e-4]
        self.chairs = above

    def heading_mod_pi(self, reference: float) -> float:
        """Angle difference to ``reference`` modulo 180 degrees (a sleeper has no front)."""
        d = (self.heading - reference + math.pi / 2) % math.pi - math.pi / 2
        return math.degrees(d)

    def chair_extent(self, side: int) -> tuple[float, float, float]:
        """(nearest |y|, farthest |y|, along-track width) of the chair on one side."""
        pts = self.chairs[self.chairs[:, 1] * side > 0]
        y = np.abs(pts[:, 1])
        return float(y.min()), float(y.max()), float(pts[:, 0].max() - pts[:, 0].min())


def sleeper_bodies(mesh: trimesh.Trimesh, depth: float) -> list[SleeperBody]:
    out = [SleeperBody(b, depth) for b in bodies(mesh)]
    return sorted(out, key=lambda b: (b.centre[0], b.centre[1]))


def section_crossings(mesh: trimesh.Trimesh, z: float, x: float) -> np.ndarray:
    """Sorted y where the plane z = const cuts the mesh along the line x = const."""
    segs = trimesh.intersections.mesh_plane(mesh, plane_normal=[0, 0, 1], plane_origin=[0, 0, z])
    a, b = segs[:, 0, :], segs[:, 1, :]
    cross = (a[:, 0] - x) * (b[:, 0] - x) < 0
    a, b = a[cross], b[cross]
    t = (x - a[:, 0]) / (b[:, 0] - a[:, 0])
    return np.sort(a[:, 1] + t * (b[:, 1] - a[:, 1]))


def material_gaps(crossings: np.ndarray) -> np.ndarray:
    """Widths of the empty spans between consecutive material intervals."""
    assert crossings.size % 2 == 0
    return crossings[2::2] - crossings[1:-1:2]

"""Geometry engine benchmark: prints ratios measured in one run.

    .venv/bin/python bench/geometry.py [--repeat 5] [--naive-sleepers 120]

For each fixed case: triangles per second of ``build``; build time over the
memory floor (allocating and filling a fresh buffer of the same byte count);
speed-up over a naive one-part-at-a-time build (trimesh.creation.box /
cylinder per part + trimesh.util.concatenate + export); peak traced memory
against the STL size. Targets: >= 5 M tri/s on the 10 m cases, <= 10x the
floor, >= 50x the naive build, peak <= 3 x STL + 100 MB.
"""

from __future__ import annotations

import argparse
import math
import mmap
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.generation.geometry import GENERATOR_VERSION, build, spec_from_dict  # noqa: E402
from apps.generation.geometry.plan import make_plan  # noqa: E402

CASES = {
    "OO-BF 1 m straight, chairs": {
        "preset": "OO-BF", "alignment": [{"type": "straight", "length_mm": 1000}]},
    "OO-BF 10 m straight, chairs": {
        "preset": "OO-BF", "alignment": [{"type": "straight", "length_mm": 10000}]},
    "OO-BF 10 m, one piece (no bed)": {
        "preset": "OO-BF", "alignment": [{"type": "straight", "length_mm": 10000}], "output": {"pieces": "single"}},
    "EM 10 m curved, chairs": {
        "preset": "EM", "alignment": [
            {"type": "transition", "length_mm": 400, "radius_start_mm": None, "radius_end_mm": 1500},
            {"type": "arc", "radius_mm": 1500, "length_mm": 4100, "hand": "left"},
            {"type": "transition", "length_mm": 500, "radius_start_mm": 1500, "radius_end_mm": 900, "hand": "left"},
            {"type": "arc", "radius_mm": 900, "length_mm": 4600, "hand": "left"},
            {"type": "transition", "length_mm": 400, "radius_start_mm": 900, "radius_end_mm": None}]},
}


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def memory_floor(nbytes: int, repeat: int) -> tuple[float, float]:
    """(warm, fresh): np.empty + fill, which malloc serves from recycled pages in a
    loop, and a brand-new anonymous mapping + fill, which pays the page faults a
    first build in a fresh worker pays too."""
    def warm():
        buf = np.empty(nbytes, dtype=np.uint8)
        buf.fill(1)

    def fresh():
        m = mmap.mmap(-1, nbytes)
        a = np.frombuffer(m, dtype=np.uint8)
        a.fill(1)
        del a
        m.close()
    return best(warm, repeat), best(fresh, repeat)


def naive_build(spec, limit: int | None) -> tuple[float, int, int]:
    """One trimesh primitive per part, rigidly placed, concatenated, exported."""
    import trimesh

    plan = make_plan(spec)
    c = spec.chairs
    r = spec.rail
    t = spec.timber
    n = len(plan.stations) if limit is None else min(limit, len(plan.stations))
    t0 = time.perf_counter()
    parts = []
    g2 = spec.gauge_mm / 2
    for i in range(n):
        m = trimesh.transformations.rotation_matrix(plan.heading[i], [0, 0, 1])
        m[:2, 3] = plan.xy[i]
        w = plan.stations.width[i]
        pieces = [trimesh.creation.box(extents=[w, t.length_mm, t.depth_mm],
                                       transform=trimesh.transformations.translation_matrix([0, 0, t.depth_mm / 2]))]
        if c.include:
            for side in (1, -1):
                def box(u0, u1, z0, z1, along, side=side):
                    yc = side * (g2 + (u0 + u1) / 2)
                    return trimesh.creation.box(
                        extents=[along, u1 - u0, z1 - z0],
                        transform=trimesh.transformations.translation_matrix([0, yc, t.depth_mm + (z0 + z1) / 2]))
                pieces += [
                    box(-c.gauge_side_mm, c.field_side_mm, 0, c.seat_mm, c.width_mm),
                    box(-c.gauge_side_mm / 2, -r.web_thickness_mm / 2, c.seat_mm, c.inner_jaw_height_mm, c.width_mm),
                    box(c.jaw_face_mm, c.jaw_face_mm + c.jaw_top_width_mm, c.seat_mm, c.outer_jaw_height_mm,
                        c.width_mm),
                    box(r.head_width_mm, c.jaw_face_mm, c.seat_mm, c.outer_jaw_height_mm, c.key_length_mm),
                ]
                for u, x in ((-c.gauge_side_mm + 0.5, -c.width_mm / 4), (-c.gauge_side_mm + 0.5, c.width_mm / 4),
                             (c.field_side_mm - 0.3, 0.0)):
                    cyl = trimesh.creation.cylinder(radius=0.2, height=0.2, sections=8)
                    cyl.apply_translation([x, side * (g2 + u), t.depth_mm + c.seat_mm + 0.1])
                    pieces.append(cyl)
        for p in pieces:
            p.apply_transform(m)
        parts.extend(pieces)
    mesh = trimesh.util.concatenate(parts)
    data = mesh.export(file_type="stl")
    elapsed = time.perf_counter() - t0
    return elapsed, len(mesh.faces), len(data)


def union_per_piece_cost(spec) -> tuple[float, int]:
    """The alternative we do not use: manifold3d union of every part of one piece."""
    import manifold3d as m3d

    plan = make_plan(spec)
    piece = plan.pieces[0]
    tpl = plan.template(0)
    mesh = m3d.Mesh(vert_properties=tpl.vertices.astype(np.float32), tri_verts=tpl.faces.astype(np.uint32))
    base = m3d.Manifold(mesh)
    t0 = time.perf_counter()
    parts = []
    for i in range(piece.first, piece.last + 1):
        h = plan.heading[i]
        ch, sh = math.cos(h), math.sin(h)
        parts.append(base.transform(np.array([[ch, -sh, 0, plan.xy[i, 0]], [sh, ch, 0, plan.xy[i, 1]],
                                              [0, 0, 1, 0]])))
    out = m3d.Manifold.batch_boolean(parts, m3d.OpType.Add)
    n = out.num_tri()
    return time.perf_counter() - t0, n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--naive-sleepers", type=int, default=120,
                    help="sleepers built by the naive baseline on the 10 m cases (time is scaled up)")
    args = ap.parse_args()
    print(f"generator {GENERATOR_VERSION}; numpy {np.__version__}")
    print(f"{'case':30} {'tri':>8} {'pcs':>3} {'build ms':>8} {'Mtri/s':>6} {'floor ms warm/fresh':>19} "
          f"{'x floor w/f':>11} {'naive x':>7} {'zip ms':>6} {'peak MB':>7} {'limit MB':>8}")
    verdicts = []
    for name, d in CASES.items():
        spec = spec_from_dict(d)
        build(spec)  # warm the template cache, as a long-running worker would be
        result = build(spec)
        tri = result.manifest["triangle_count"]
        stl_bytes = sum(len(p.stl) for p in result.pieces)
        t_build = best(lambda spec=spec: build(spec), args.repeat)
        t_zip = best(lambda result=result: result.data, max(1, args.repeat // 2))
        t_warm, t_fresh = memory_floor(stl_bytes, args.repeat)
        n_sleepers = result.manifest["sleeper_count"]
        limit = None if n_sleepers <= args.naive_sleepers * 2 else args.naive_sleepers
        t_naive, naive_tri, _ = naive_build(spec, limit)
        scale = n_sleepers / (limit or n_sleepers)
        speedup = t_naive * scale / t_build
        tracemalloc.start()
        r2 = build(spec)
        _ = r2.data
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del r2
        limit_mb = (3 * stl_bytes + 100e6) / 1e6
        rate = tri / t_build / 1e6
        r_warm, r_fresh = t_build / t_warm, t_build / t_fresh
        print(f"{name:30} {tri:8,d} {len(result.pieces):3d} {t_build * 1e3:8.1f} {rate:6.1f} "
              f"{t_warm * 1e3:9.2f}/{t_fresh * 1e3:<9.2f} {r_warm:5.0f}/{r_fresh:<5.1f} {speedup:7.0f} "
              f"{t_zip * 1e3:6.0f} {peak / 1e6:7.1f} {limit_mb:8.1f}")
        naive_note = f"naive: {naive_tri * scale:,.0f} tri in {t_naive * scale:.2f} s"
        if limit:
            naive_note += f" (measured on {limit} sleepers, scaled x{scale:.1f})"
        print(f"{'':30} {naive_note}; naive rate {naive_tri / t_naive / 1e3:.0f} k tri/s")
        if "10 m" in name:
            checks = {">= 5 M tri/s": rate >= 5, "<= 10x fresh floor": r_fresh <= 10,
                      "<= 10x warm floor": r_warm <= 10, ">= 50x naive": speedup >= 50,
                      "peak <= 3 x STL + 100 MB": peak / 1e6 <= limit_mb}
            verdicts.append((name, checks))
    t_union, n_union = union_per_piece_cost(spec_from_dict(CASES["OO-BF 1 m straight, chairs"]))
    print("(not used) manifold3d batch union of the disjoint sleepers of one 250 mm piece, no webs: "
          f"{t_union * 1e3:.0f} ms for {n_union:,} tri "
          f"= {n_union / t_union / 1e6:.2f} M tri/s")
    for name, checks in verdicts:
        print(f"{name}: " + ", ".join(f"{k} {'ok' if v else 'MISSED'}" for k, v in checks.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Mesh invariants, and the outside tools (admesh, PrusaSlicer) on sample outputs."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from apps.generation.geometry import read_stl

from .helpers import (
    bodies,
    build_dict,
    check_file_normals,
    check_solid,
    check_stl_format,
    make,
    stl_mesh,
    straight,
    zip_members,
)

CURVE = [{"type": "straight", "length_mm": 40},
         {"type": "transition", "length_mm": 120, "radius_start_mm": None, "radius_end_mm": 650},
         {"type": "arc", "radius_mm": 650, "angle_deg": 12, "hand": "left"},
         {"type": "transition", "length_mm": 80, "radius_start_mm": 650, "radius_end_mm": None}]

VARIANTS = {
    "oo_webs": make("OO-BF", straight(240), base={"webs": True}),
    "oo_joint_s1j": make("OO-BF", straight(240), timber={"joint_width_mm": 4.0}),
    "em_curve_webs": make("EM", CURVE, base={"webs": True}),
    "p4_right_curve_inclined": make("P4", [{"type": "arc", "radius_mm": 1200, "angle_deg": 10, "hand": "right"}],
                                    rail={"inclination": "1in20"}, print={"process": "resin"}),
    "2fs_resin_no_keys": make("2FS", straight(120), chairs={"keys": False}, print={"process": "resin"}),
    "o_mf_rails": make("O-MF", straight(100), rail={"include_in_output": True}, base={"webs": True}),
    "ho_no_chairs": make("HO-NMRA", straight(150)),
    "ho_plain_ties": make("HO-NMRA", straight(150), tie_plates={"include": False}),
    "ho_tie_plates_webs": make("HO-NMRA", CURVE, base={"webs": True}),
    "oo_no_chairs_webs": make("OO-BF", CURVE, chairs={"include": False}, base={"webs": True}),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_is_a_clean_solid(name):
    result = build_dict(VARIANTS[name])
    for piece in result.pieces:
        n = check_stl_format(piece.stl)
        assert n == piece.triangles
        check_file_normals(piece.stl)
        mesh = stl_mesh(piece.stl)
        check_solid(mesh)
        assert len(mesh.faces) == n  # merging vertices lost no triangle
        for body in bodies(mesh):
            check_solid(body)


def test_webs_join_each_piece_into_one_body():
    result = build_dict(VARIANTS["em_curve_webs"])
    for piece in result.pieces:
        assert len(bodies(stl_mesh(piece.stl))) == 1
    no_webs = build_dict({**VARIANTS["em_curve_webs"], "base": {"webs": False}})
    assert len(bodies(stl_mesh(no_webs.data))) == no_webs.manifest["sleeper_count"]


def test_s1j_chairs_on_wider_joint_sleepers():
    result = build_dict(VARIANTS["oo_joint_s1j"])
    types = result.manifest["chairs"]["type"]
    joint = result.manifest["sleepers"]["joint"]
    assert types.count("S1J") == 2 * sum(joint) and sum(joint) > 0
    mesh = stl_mesh(result.data)
    widths = sorted({round(b.bounds[1][0] - b.bounds[0][0], 3) for b in bodies(mesh)})
    assert widths == [3.333, 4.0]


def test_flat_bottom_track_has_no_chairs():
    result = build_dict(VARIANTS["ho_no_chairs"])
    assert result.manifest["chairs"]["count"] == 0
    assert result.manifest["tie_plates"]["count"] == 2 * result.manifest["sleeper_count"]  # plates instead
    result = build_dict(VARIANTS["ho_plain_ties"])
    mesh = stl_mesh(result.data)
    assert result.manifest["chairs"]["count"] == 0 and result.manifest["tie_plates"]["count"] == 0
    assert abs(mesh.bounds[1][2] - 2.042) < 0.01  # nothing above the tie top
    assert all(len(b.faces) == 12 for b in bodies(mesh))


def test_stl_header_and_units():
    data = bytes(build_dict(VARIANTS["oo_webs"]).data)
    header, tris, _ = read_stl(data)
    assert header.startswith("Trackforge") and not data.startswith(b"solid")
    assert tris.dtype == np.float32 and np.abs(tris).max() < 300  # millimetres, not metres or inches


def _admesh(path):
    out = subprocess.run(["admesh", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    text = out.stdout

    def first(label):
        m = re.search(rf"{label}\s*:\s*(\d+)\s+(\d+)?", text)
        assert m, f"{label} missing from admesh output"
        return int(m.group(1))

    return {key: first(label) for key, label in [
        ("disconnected", "Total disconnected facets"), ("edges_fixed", "Edges fixed"),
        ("facets_removed", "Facets removed"), ("facets_added", "Facets added"),
        ("facets_reversed", "Facets reversed"), ("backwards", "Backwards edges"),
        ("normals_fixed", "Normals fixed"), ("degenerate", "Degenerate facets"), ("parts", "Number of parts"),
    ]}


@pytest.mark.skipif(shutil.which("admesh") is None, reason="admesh not installed")
@pytest.mark.parametrize("name", ["oo_webs", "em_curve_webs", "p4_right_curve_inclined", "o_mf_rails",
                                  "ho_tie_plates_webs"])
def test_admesh_reports_nothing_to_fix(name, tmp_path):
    result = build_dict(VARIANTS[name])
    for piece in result.pieces:
        path = tmp_path / piece.name
        path.write_bytes(piece.stl)
        report = _admesh(path)
        fixes = {k: v for k, v in report.items() if k != "parts"}
        assert set(fixes.values()) == {0}, report
        if VARIANTS[name]["base"]["webs"] and not VARIANTS[name].get("rail", {}).get("include_in_output"):
            assert report["parts"] == 1


@pytest.mark.skipif(shutil.which("prusa-slicer") is None, reason="prusa-slicer not installed")
def test_prusaslicer_slices_without_repair(tmp_path):
    d = make("OO-BF", straight(180), base={"webs": True}, print={"bed_x_mm": 250, "bed_y_mm": 210})
    result = build_dict(d)
    stl = tmp_path / "track.stl"
    stl.write_bytes(result.data)
    info = subprocess.run(["prusa-slicer", "--info", str(stl)], capture_output=True, text=True, timeout=120)
    assert info.returncode == 0
    assert "manifold = yes" in info.stdout
    assert "open_edges" not in info.stdout and "facets_reversed" not in info.stdout
    gcode = tmp_path / "track.gcode"
    run = subprocess.run(["prusa-slicer", "--export-gcode", str(stl), "--bed-shape", "0x0,250x0,250x210,0x210",
                          "--output", str(gcode)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "repair" not in (run.stdout + run.stderr).lower()
    assert gcode.stat().st_size > 1000


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("prusa-slicer") is None, reason="prusa-slicer not installed")
def test_prusaslicer_slices_every_piece_of_a_split_curve(tmp_path):
    d = make("EM", CURVE + [{"type": "straight", "length_mm": 200}], base={"webs": True},
             print={"bed_x_mm": 200, "bed_y_mm": 200})
    result = build_dict(d)
    assert result.is_zip
    for name, blob in zip_members(result.data).items():
        if not name.endswith(".stl"):
            continue
        path = tmp_path / name
        path.write_bytes(blob)
        run = subprocess.run(["prusa-slicer", "--export-gcode", str(path), "--bed-shape", "0x0,200x0,200x200,0x200",
                              "--output", str(tmp_path / (name + ".gcode"))], capture_output=True, text=True,
                             timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]


def test_ten_metres_in_world_coordinates_stays_closed():
    # One 10 m piece keeps world coordinates up to ~4.5 m: float32 rounding there
    # must not open the stitched webs or collapse triangles.
    d = make("EM", [{"type": "straight", "length_mm": 3000}, {"type": "arc", "radius_mm": 1500, "angle_deg": 200},
                    {"type": "transition", "length_mm": 400, "radius_start_mm": 1500}],
             base={"webs": True}, output={"pieces": "single"})
    result = build_dict(d)
    mesh = stl_mesh(result.data)
    check_solid(mesh)
    assert len(bodies(mesh)) == 1
    assert mesh.bounds[1][0] > 4000

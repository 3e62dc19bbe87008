"""Tie plates on flat-bottom track (DOMAIN 2.9), measured from the STL bytes."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import trimesh

from apps.generation.geometry import SpecError, build, spec_from_dict, spec_to_dict, summarize, validate
from apps.generation.geometry.spec import inches

from .helpers import (
    bodies,
    build_dict,
    check_file_normals,
    check_solid,
    check_stl_format,
    make,
    material_gaps,
    section_crossings,
    sleeper_bodies,
    stl_mesh,
    straight,
)
from .test_printability import CURVE, _admesh

K = 3.5  # HO mm per foot
DEPTH, TIE_W, TIE_L, GAUGE = 2.042, 2.625, 29.75, 16.5
HEAD, FOOT, CLEAR = 1.016, 2.032, 0.12  # NMRA83, FDM slot clearance
RAIL_C = GAUGE / 2 + HEAD / 2  # plates are centred under the rail head
PLATE_L, PLATE_W, PLATE_T = inches(14, K), inches(7.75, K), inches(0.75, K)
SH_H, SH_W = inches(0.5, K), inches(0.75, K)
TOL = 0.01


@pytest.fixture(scope="module")
def ho_straight():
    result = build_dict(make("HO-NMRA", straight(120)))
    return result, stl_mesh(result.data)


def _loops_per_tie(mesh: trimesh.Trimesh, z: float, ties: list) -> list[list[np.ndarray]]:
    """Closed section loops at height z, grouped by the nearest tie centre (plan view)."""
    section = mesh.section(plane_origin=[0, 0, z], plane_normal=[0, 0, 1])
    assert section is not None
    loops = section.discrete
    assert all(np.allclose(loop[0], loop[-1]) for loop in loops)  # closed
    centres = np.array([t.centre for t in ties])
    out: list[list[np.ndarray]] = [[] for _ in ties]
    for loop in loops:
        c = loop[:, :2].mean(axis=0)
        out[int(np.argmin(np.linalg.norm(centres - c, axis=1)))].append(loop)
    return out


def test_ho_nmra_defaults_resolve_to_prototype_plates():
    spec = spec_from_dict(make("HO-NMRA", straight(120)))
    tp = spec.tie_plates
    assert spec.prototype == "us_flatbottom" and tp.include is True and tp.shoulders is True
    assert tp.length_mm == pytest.approx(14 * 3.5 / 12) and tp.width_mm == pytest.approx(7.75 * 3.5 / 12)
    assert tp.thickness_mm == pytest.approx(0.75 * 3.5 / 12)
    assert tp.shoulder_height_mm == pytest.approx(0.5 * 3.5 / 12)
    assert tp.shoulder_width_mm == pytest.approx(0.75 * 3.5 / 12)
    assert spec.chairs.include is False


def test_two_plates_per_tie_with_exact_extents(ho_straight):
    result, mesh = ho_straight
    check_solid(mesh)
    ties = sleeper_bodies(mesh, DEPTH)
    n = result.manifest["sleeper_count"]
    assert len(ties) == n == 21  # uniform 5.6875 mm over 120 mm
    assert abs(mesh.bounds[1][2] - (DEPTH + PLATE_T + SH_H)) < 1e-4
    per_tie = _loops_per_tie(mesh, DEPTH + PLATE_T / 2, ties)
    for tie, loops in zip(ties, per_tie, strict=True):
        assert len(loops) == 2, "two plates per tie"
        ext = []
        for loop in loops:
            x = loop[:, 0] - tie.centre[0]
            y = loop[:, 1] - tie.centre[1]
            ext.append((y.min(), y.max(), x.min(), x.max()))
        ext.sort()
        (ry0, ry1, rx0, rx1), (ly0, ly1, lx0, lx1) = ext
        for x0, x1 in ((rx0, rx1), (lx0, lx1)):  # along the rail: the plate width, centred on the tie
            assert abs(x0 + PLATE_W / 2) < TOL and abs(x1 - PLATE_W / 2) < TOL
        assert abs(ly0 - (RAIL_C - PLATE_L / 2)) < TOL and abs(ly1 - (RAIL_C + PLATE_L / 2)) < TOL
        assert abs(ry0 + (RAIL_C + PLATE_L / 2)) < TOL and abs(ry1 + (RAIL_C - PLATE_L / 2)) < TOL
        # Wholly on the tie top.
        assert max(abs(ry0), ly1) < TIE_L / 2 and PLATE_W <= TIE_W


def test_shoulders_fit_the_rail_foot_plus_clearance(ho_straight):
    _, mesh = ho_straight
    ties = sleeper_bodies(mesh, DEPTH)
    z = DEPTH + PLATE_T + SH_H / 2
    per_tie = _loops_per_tie(mesh, z, ties)
    assert all(len(loops) == 4 for loops in per_tie)  # two shoulders per plate
    for tie in ties[::5]:
        cross = section_crossings(mesh, z, tie.centre[0]) - tie.centre[1]
        assert cross.size == 8
        widths = cross[1::2] - cross[::2]
        assert np.allclose(widths, SH_W, atol=TOL)
        gaps = material_gaps(cross)
        # Between the shoulders of one plate: rail foot + clearance each side.
        assert abs(gaps[0] - (FOOT + 2 * CLEAR)) < TOL and abs(gaps[2] - (FOOT + 2 * CLEAR)) < TOL
        # ...and centred under the rail centre line.
        assert abs((cross[1] + cross[2]) / 2 + RAIL_C) < TOL and abs((cross[5] + cross[6]) / 2 - RAIL_C) < TOL


def test_manifest_lists_plates(ho_straight):
    result, _ = ho_straight
    m = result.manifest
    n = m["sleeper_count"]
    plates = m["tie_plates"]
    assert plates["count"] == 2 * n and m["chairs"]["count"] == 0
    assert plates["rail"] == ["left", "right"] * n
    assert np.allclose(plates["y_mm"], [RAIL_C, -RAIL_C] * n, atol=1e-4)
    assert np.allclose(plates["x_mm"][::2], m["sleepers"]["x_mm"])
    assert m["generator_version"].endswith("1.1.0")


def test_each_tie_is_a_clean_solid_and_admesh_agrees(ho_straight, tmp_path):
    result, mesh = ho_straight
    data = result.data
    assert check_stl_format(data) == result.manifest["triangle_count"]
    check_file_normals(data)
    assert len(mesh.faces) == result.manifest["triangle_count"]
    parts = bodies(mesh)
    assert len(parts) == result.manifest["sleeper_count"]  # plates are fused to their tie
    for body in parts:
        check_solid(body)
        assert body.volume > DEPTH * TIE_W * TIE_L  # tie plus plates
    if shutil.which("admesh") is None:
        pytest.skip("admesh not installed")
    path = tmp_path / "ho.stl"
    path.write_bytes(bytes(data))
    report = _admesh(path)
    assert not any(v for k, v in report.items() if k != "parts"), report


def test_webs_and_curves_keep_one_clean_body_with_plates(tmp_path):
    result = build_dict(make("HO-NMRA", CURVE, base={"webs": True}))
    for piece in result.pieces:
        mesh = stl_mesh(piece.stl)
        check_solid(mesh)
        check_file_normals(piece.stl)
        assert len(bodies(mesh)) == 1
        if shutil.which("admesh"):
            path = tmp_path / piece.name
            path.write_bytes(bytes(piece.stl))
            report = _admesh(path)
            assert report["normals_fixed"] == report["degenerate"] == report["edges_fixed"] == 0, report
            assert report["parts"] == 1


def test_include_false_gives_plain_ties():
    result = build_dict(make("HO-NMRA", straight(120), tie_plates={"include": False}))
    mesh = stl_mesh(result.data)
    assert abs(mesh.bounds[1][2] - DEPTH) < 1e-4
    assert all(len(b.faces) == 12 for b in bodies(mesh))
    assert result.manifest["tie_plates"] == {"count": 0}


def test_no_shoulders_gives_flat_plates():
    result = build_dict(make("HO-NMRA", straight(60), tie_plates={"shoulders": False}))
    mesh = stl_mesh(result.data)
    check_solid(mesh)
    assert abs(mesh.bounds[1][2] - (DEPTH + PLATE_T)) < 1e-4


@pytest.mark.parametrize("chairs", [True, False])
def test_bullhead_never_gets_plates(chairs):
    d = make("OO-BF", straight(120), chairs={"include": chairs}, tie_plates={"include": True})
    spec = spec_from_dict(d)
    assert spec.tie_plates.include is False and spec_to_dict(spec)["tie_plates"]["include"] is False
    result = build(spec)
    assert result.manifest["tie_plates"] == {"count": 0}
    assert summarize(spec)["tie_plate_count"] == 0
    if not chairs:  # nothing at all above the sleeper top
        assert abs(stl_mesh(result.data).bounds[1][2] - 5 / 3) < 1e-4


def test_spec_round_trip_is_canonical():
    d = make("HO-NMRA", straight(120), tie_plates={"length_mm": 4.0, "shoulders": False})
    canon = spec_to_dict(spec_from_dict(d))
    tp = canon["tie_plates"]
    assert list(tp) == sorted(tp)
    assert tp["include"] is True and tp["length_mm"] == 4.0 and tp["shoulders"] is False
    assert tp["width_mm"] == pytest.approx(PLATE_W) and tp["thickness_mm"] == pytest.approx(PLATE_T)
    text = json.dumps(canon)
    assert spec_to_dict(spec_from_dict(json.loads(text))) == canon
    assert spec_to_dict(spec_from_dict(make("HO-NMRA", straight(120)))) != canon


@pytest.mark.parametrize("over, field", [
    ({"width_mm": 3.0}, "tie_plates.width_mm"),  # wider than the 2.625 mm tie
    ({"length_mm": 14.0}, "tie_plates.length_mm"),  # runs off the tie end
    ({"length_mm": 18.0}, "tie_plates.length_mm"),
    ({"thickness_mm": 0}, "tie_plates.thickness_mm"),
    ({"length_mm": 2.2}, "tie_plates.shoulder_width_mm"),  # shoulders do not fit round the rail foot
    ({"include": "yes"}, "tie_plates.include"),
    ({"colour": "rust"}, "tie_plates.colour"),
])
def test_bad_plates_name_the_field(over, field):
    with pytest.raises(SpecError) as exc:
        validate(spec_from_dict(make("HO-NMRA", straight(120), tie_plates=over)))
    assert field in [e["field"] for e in exc.value.errors]


def test_plate_fits_narrow_joint_ties_too():
    with pytest.raises(SpecError) as exc:
        validate(spec_from_dict(make("HO-NMRA", straight(120), timber={"joint_width_mm": 2.0})))
    assert exc.value.field == "tie_plates.width_mm"


def test_summarize_estimate_equals_build():
    for d in (make("HO-NMRA", straight(120)),
              make("HO-NMRA", CURVE, base={"webs": True}, rail={"include_in_output": True}),
              make("HO-NMRA", CURVE, base={"webs": True}, tie_plates={"shoulders": False})):
        info = summarize(spec_from_dict(d))
        result = build(spec_from_dict(d))
        assert info["estimated_triangles"] == result.manifest["triangle_count"]
        assert info["tie_plate_count"] == result.manifest["tie_plates"]["count"] == 2 * info["sleeper_count"]


def test_rails_sit_on_the_plates():
    result = build_dict(make("HO-NMRA", straight(60), rail={"include_in_output": True}))
    mesh = stl_mesh(result.data)
    assert abs(mesh.bounds[1][2] - (DEPTH + PLATE_T + 2.108)) < 1e-4
    check_solid(mesh)


def test_fdm_warns_about_the_shoulders():
    def codes(**over):
        return {(w["code"], w["field"]) for w in validate(spec_from_dict(make("HO-NMRA", straight(60), **over)))}

    assert ("feature_below_minimum", "tie_plates.shoulders") in codes()
    assert ("feature_below_minimum", "tie_plates.thickness_mm") in codes()
    assert ("feature_below_minimum", "tie_plates.shoulders") not in codes(tie_plates={"shoulders": False})
    assert not codes(tie_plates={"include": False})
    assert ("feature_below_minimum", "tie_plates.thickness_mm") not in codes(print={"process": "resin"})

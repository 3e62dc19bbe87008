"""DOMAIN.md section 8 reference cases, checked by measuring the produced STL."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import fresnel

from .helpers import (
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

TOL = 0.01


def panel_60_24(k: float) -> list[float]:
    """DOMAIN 8 lists: head, a constant 31" pitch, tail (mm at 4 mm/ft scaled by k/4)."""
    head = [4.000, 13.167, 22.500, 32.167]
    tail = [207.833, 217.500, 226.833, 236.000]
    middle = [32.1667 + 31 / 3 * i for i in range(1, 17)]
    return [v * k / 4 for v in head + middle + tail]


def measure(d: dict, sleepers: bool = True):
    result = build_dict(d)
    assert len(result.pieces) == 1
    data = result.data
    check_stl_format(data)
    check_file_normals(data)
    mesh = stl_mesh(data)
    check_solid(mesh)
    spec_depth = result.manifest["spec"]["timber"]["depth_mm"]
    return result, mesh, sleeper_bodies(mesh, spec_depth) if sleepers else None


def assert_close(actual, expected, tol=TOL):
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert np.abs(actual - expected).max() <= tol, np.abs(actual - expected).max()


def test_case1_oo_bf_one_panel():
    result, mesh, sl = measure(make("OO-BF", straight(240)))
    assert len(sl) == 24
    assert_close([b.centre[0] for b in sl], panel_60_24(4))
    assert_close([b.centre[1] for b in sl], np.zeros(24))
    for b in sl:
        assert abs(b.length - 32.0) <= TOL and abs(b.width - 10 / 3) <= TOL
        for side in (1, -1):
            near, far, along = b.chair_extent(side)
            assert abs(near - 6.5) <= TOL and abs(far - 11.3333) <= TOL
            assert abs(along - 8 / 3) <= TOL  # S1, not S1J: joint sleepers are plain width
    assert result.manifest["chairs"]["count"] == 48
    assert set(result.manifest["chairs"]["type"]) == {"S1"}
    (x0, y0, z0), (x1, y1, z1) = mesh.bounds
    assert_close([x0, x1, y0, y1, z0, z1], [2.3333, 237.6667, -16.0, 16.0, 0.0, 3.457])
    # Sleeper depth: the underside-to-top distance away from the chairs.
    assert abs(sl[0].local[np.abs(sl[0].local[:, 1]) > 12, 2].max() - 1.6667) <= TOL


def test_case1_with_rails():
    result, mesh, _ = measure(make("OO-BF", straight(240), rail={"include_in_output": True}), sleepers=False)
    (x0, _, z0), (x1, _, z1) = mesh.bounds
    assert_close([x0, x1, z0, z1], [0.0, 240.0, 0.0, 4.150])


def test_case2_oo_bf_300():
    _, mesh, sl = measure(make("OO-BF", straight(300)))
    expected = panel_60_24(4) + [244.000, 253.167, 262.500, 272.167, 282.500, 292.833]
    xs = [b.centre[0] for b in sl]
    assert_close(xs, expected)
    cc = np.diff(xs)
    assert abs(cc.min() - 8.0) <= TOL and abs(cc.max() - 10.3333) <= TOL
    assert_close([mesh.bounds[0][0], mesh.bounds[1][0]], [2.3333, 294.5])


def test_case3_uniform_flexi():
    _, _, sl = measure(make("OO-BF", straight(300), sleepering={"mode": "uniform", "spacing_mm": 10.0}))
    assert_close([b.centre[0] for b in sl], np.arange(5, 300, 10.0))


def test_case5_p4_45ft_panel():
    d = make("P4", straight(180), sleepering={"rail_length_ft": 45, "sleepers_per_length": 19},
             timber={"length_mm": 36.0})
    _, mesh, sl = measure(d)
    xs = [b.centre[0] for b in sl]
    assert len(xs) == 19
    assert_close(xs[:5], [4.000, 12.667, 21.667, 31.000, 40.833])
    assert_close(xs[-3:], [158.333, 167.333, 176.000])
    assert_close(np.diff(xs[4:-3]), np.full(11, 9.8333))
    assert abs(mesh.bounds[1][1] - mesh.bounds[0][1] - 36.0) <= TOL
    for b in sl:
        assert abs(b.chair_extent(1)[1] - 12.498) <= TOL and abs(b.chair_extent(-1)[1] - 12.498) <= TOL


def test_case7_o_mf():
    result, mesh, sl = measure(make("O-MF", straight(420)))
    xs = [b.centre[0] for b in sl]
    assert len(xs) == 24
    assert_close(xs[:5], [7.000, 23.042, 39.375, 56.292, 74.375])
    assert_close(xs[-3:], [380.625, 396.958, 413.000])
    for b in sl:
        assert abs(b.length - 59.5) <= TOL and abs(b.width - 5.8333) <= TOL
        near, far, along = b.chair_extent(1)
        assert abs(far - 21.146) <= TOL and abs(near - 12.688) <= TOL and abs(along - 4.6667) <= TOL
        assert abs((far - near) - 8.458) <= TOL
    # Jaw top 3.026 above the chair base (Templot rule for CL131).
    assert abs(mesh.bounds[1][2] - (2.9167 + 3.026)) <= TOL


def test_case8_2fs_and_fdm_warnings():
    result, mesh, sl = measure(make("2FS", straight(120)))
    xs = [b.centre[0] for b in sl]
    assert len(xs) == 24
    assert_close(xs[:5], [2.000, 6.583, 11.250, 16.083, 21.250])
    assert abs(xs[-1] - 118.0) <= TOL
    for b in sl:
        assert abs(b.length - 17.0) <= TOL and abs(b.width - 1.6667) <= TOL
    assert_close([mesh.bounds[0][0], mesh.bounds[1][0]], [1.1667, 118.8333])
    fields = {w["field"] for w in result.warnings}
    assert {"chairs.jaw_top_width_mm", "chairs.keys"} <= fields


def test_sleeper_depth_measured_2fs():
    _, _, sl = measure(make("2FS", straight(20), sleepering={"mode": "uniform", "spacing_mm": 5.0}))
    for b in sl:
        assert abs(b.local[np.abs(b.local[:, 1]) > 7.5, 2].max() - 0.8333) <= TOL


@pytest.mark.parametrize("process,clearance", [("fdm", 0.12), ("resin", 0.03)])
def test_rail_slot_matches_rail_plus_clearance(process, clearance):
    d = make("OO-BF", straight(20), sleepering={"mode": "uniform", "spacing_mm": 10.0},
             print={"process": process})
    result, mesh, sl = measure(d)
    x = sl[0].centre[0]
    depth, seat = 5 / 3, 0.5833
    # CL75: web 0.35, foot 0.90, foot depth 0.34, head depth 0.50, height 1.90.
    z_web = depth + seat + (0.34 + clearance + 1.90 - 0.50 - clearance) / 2
    gaps_web = material_gaps(section_crossings(mesh, z_web, x))
    assert np.isclose(gaps_web, 0.35 + 2 * clearance, atol=TOL).sum() == 2  # one slot per rail
    z_foot = depth + seat + 0.34 / 2
    gaps_foot = material_gaps(section_crossings(mesh, z_foot, x))
    assert np.isclose(gaps_foot, 0.90 + 2 * clearance, atol=TOL).sum() == 2
    # The gauge faces (slot edge minus clearance) sit at +-8.25 from the centre-line.
    cross = section_crossings(mesh, z_web, x)
    web_face_left = cross[(cross > 8) & (cross < 9)].min() + clearance
    assert abs(web_face_left - (8.25 + 0.45 - 0.175)) <= TOL


def test_inclined_rail_slot_leans_inwards():
    d = make("OO-BF", straight(20), sleepering={"mode": "uniform", "spacing_mm": 10.0},
             rail={"inclination": "1in20"})
    _, mesh, sl = measure(d)
    x = sl[0].centre[0]
    low, high = 5 / 3 + 0.5833 + 0.6, 5 / 3 + 0.5833 + 1.1
    mid_low = section_crossings(mesh, low, x)
    mid_high = section_crossings(mesh, high, x)
    left_low = mid_low[(mid_low > 8) & (mid_low < 9.5)]
    left_high = mid_high[(mid_high > 8) & (mid_high < 9.5)]
    # Slot centre moves towards the track centre as it rises: 1 in 20.
    shift = left_high[:2].mean() - left_low[:2].mean()
    assert abs(shift - (-(high - low) / 20)) < 0.01


def test_arc_sleepers_radial_and_on_centre_line():
    R, angle = 800.0, 20.0
    d = make("OO-BF", [{"type": "arc", "radius_mm": R, "angle_deg": angle, "hand": "left"}],
             sleepering={"mode": "uniform", "spacing_mm": 10.0})
    result, mesh, sl = measure(d)
    L = math.radians(angle) * R
    n = math.floor(L / 10.0)
    expected_s = (L - (n - 1) * 10.0) / 2 + 10.0 * np.arange(n)
    assert len(sl) == n
    # Closed form for a left arc from the origin: centre (0, R).
    s_meas, head_err = [], []
    for b in sl:
        phi = math.atan2(b.centre[0], R - b.centre[1])
        assert abs(math.hypot(b.centre[0], b.centre[1] - R) - R) <= TOL
        s_meas.append(R * phi)
        head_err.append(b.heading_mod_pi(phi))
    assert_close(sorted(s_meas), expected_s)
    assert max(abs(e) for e in head_err) <= 0.01


def test_right_hand_arc_turns_towards_minus_y():
    d = make("OO-BF", [{"type": "arc", "radius_mm": 1000, "angle_deg": 10, "hand": "right"}])
    result, mesh, sl = measure(d)
    assert all(b.centre[1] < 0.01 for b in sl) and sl[-1].centre[1] < -1.0


def test_transition_sleepers_follow_clothoid():
    R, L = 600.0, 264.0
    d = make("OO-BF", [{"type": "transition", "length_mm": L, "radius_start_mm": None, "radius_end_mm": R}],
             sleepering={"mode": "uniform", "spacing_mm": 10.0})
    result, mesh, sl = measure(d)
    n = math.floor(L / 10.0)
    s = (L - (n - 1) * 10.0) / 2 + 10.0 * np.arange(n)
    a = 1.0 / (2 * R * L)  # heading = a s^2
    scale = math.sqrt(math.pi / (2 * a))
    S, C = fresnel(s / scale)
    expected_xy = np.stack([scale * C, scale * S], axis=1)
    measured = np.array([b.centre for b in sl])
    assert len(sl) == n
    assert np.abs(measured - expected_xy).max() <= TOL
    errs = [b.heading_mod_pi(a * si * si) for b, si in zip(sl, s, strict=True)]
    assert max(abs(e) for e in errs) <= 0.01


def test_manifest_matches_mesh():
    result, mesh, sl = measure(make("OO-BF", straight(240)))
    m = result.manifest
    assert m["sleeper_count"] == len(sl)
    assert m["triangle_count"] == len(mesh.faces)
    assert_close(m["sleepers"]["x_mm"], [b.centre[0] for b in sl], 1e-3)
    assert_close(m["bbox"]["min"], mesh.bounds[0], 1e-3)
    assert_close(m["bbox"]["max"], mesh.bounds[1], 1e-3)
    assert m["generator_version"]

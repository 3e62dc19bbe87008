"""Spec parsing, SpecError fields, warnings, canonical dicts, cheap summaries."""

from __future__ import annotations

import json

import pytest

from apps.generation.geometry import (
    GENERATOR_VERSION,
    SpecError,
    build,
    chair_dims_mm,
    spec_from_dict,
    spec_to_dict,
    summarize,
    validate,
)
from apps.generation.geometry import plan as plan_module

from .helpers import make, straight


def error_of(d: dict) -> SpecError:
    with pytest.raises(SpecError) as info:
        validate(spec_from_dict(d))
    assert isinstance(info.value, ValueError)
    return info.value


@pytest.mark.parametrize("d,field", [
    (make("OO-BF", [{"type": "straight", "length_mm": 10}, {"type": "arc", "radius_mm": -5, "angle_deg": 10}]),
     "alignment.1.radius_mm"),
    (make("OO-BF", [{"type": "arc", "radius_mm": 500, "angle_deg": 400}]), "alignment.0.angle_deg"),
    (make("OO-BF", [{"type": "spiral", "length_mm": 10}]), "alignment.0.type"),
    (make("OO-BF", [{"type": "straight", "length_mm": "long"}]), "alignment.0.length_mm"),
    (make("OO-BF", [{"type": "straight"}]), "alignment.0.length_mm"),
    (make("OO-BF", []), "alignment"),
    (make("OO-BF", straight(100), timber={"lenght_mm": 30}), "timber.lenght_mm"),
    (make("OO-BF", straight(100), timber={"length_mm": 20}), "timber.length_mm"),
    (make("OO-BF", straight(100), timber={"width_mm": 2.0}), "timber.width_mm"),
    (make("OO-BF", straight(100), sleepering={"sleepers_per_length": 23}), "sleepering.sleepers_per_length"),
    (make("OO-BF", straight(100), sleepering={"mode": "custom", "rail_length_ft": 30, "sleepers_per_length": 13,
                                              "custom_spacings_in": [12] + [27] * 12}),
     "sleepering.custom_spacings_in"),
    (make("OO-BF", straight(100), sleepering={"mode": "uniform", "spacing_mm": 3.0}), "sleepering.spacing_mm"),
    (make("OO-BF", [{"type": "arc", "radius_mm": 20, "angle_deg": 90}],
          sleepering={"mode": "uniform", "spacing_mm": 10}), "alignment.0.radius_mm"),
    (make("OO-BF", straight(100), sleepering={"mode": "sideways"}), "sleepering.mode"),
    (make("OO-BF", straight(100), print={"slot_clearance_mm": 0.5}), "print.slot_clearance_mm"),
    (make("OO-BF", straight(100), print={"bed_x_mm": 20, "bed_y_mm": 20}), "print.bed_x_mm"),
    (make("HO-NMRA", straight(100), chairs={"include": True}), "chairs.include"),
    (make("OO-BF", straight(100), rail={"web_thickness_mm": 1.0}), "rail.web_thickness_mm"),
    (make("OO-BF", straight(100), rail={"section": "CL76"}), "rail.section"),
    (make("OO-BF", straight(100), chairs={"keys": "yes"}), "chairs.keys"),
    ({"preset": "OO-XX", "alignment": straight(100)}, "preset"),
])
def test_bad_specs_name_the_field(d, field):
    err = error_of(d)
    assert field in [e["field"] for e in err.errors]
    assert err.message and "Traceback" not in str(err)


def test_total_length_limit_names_the_limit():
    err = error_of(make("OO-BF", straight(10_001)))
    assert err.field == "alignment" and "10000 mm" in err.message


def test_triangle_limit_names_the_limit(monkeypatch):
    monkeypatch.setattr(plan_module, "MAX_TRIANGLES", 10_000)
    err = error_of(make("OO-BF", straight(300)))
    assert err.field == "alignment" and "10,000" in err.message


def test_several_errors_travel_together():
    err = error_of(make("OO-BF", straight(100), timber={"bogus": 1}, print={"process": "laser"}, gauge_mm="x"))
    fields = {e["field"] for e in err.errors}
    assert {"timber.bogus", "gauge_mm"} <= fields
    assert err.to_dict()["field"] == err.field


def test_custom_spacing_list_builds():
    sp = [12, 26.5, 27.5] + [28.5] * 8 + [27.5, 26.5]  # the 30 ft / 13 table typed in by hand
    d = make("OO-BF", straight(120), sleepering={"mode": "custom", "rail_length_ft": 30, "sleepers_per_length": 13,
                                               "custom_spacings_in": sp})
    s = build(spec_from_dict(d)).manifest["sleepers"]["s_mm"]
    assert len(s) == 13 and abs(s[0] - 4.0) < 1e-6 and abs(s[1] - (12 + 26.5) / 3) < 1e-3


def test_joint_sleeper_too_narrow_for_s1j():
    err = error_of(make("OO-BF", straight(100), timber={"joint_width_mm": 3.6}, chairs={"joint_width_mm": 4.0}))
    assert err.field == "timber.joint_width_mm"


def test_radius_below_warn_radius_is_a_warning_not_an_error():
    warnings = validate(spec_from_dict(make("OO-BF", [{"type": "arc", "radius_mm": 450, "angle_deg": 30}])))
    hits = [w for w in warnings if w["code"] == "radius_below_warn"]
    assert hits and hits[0]["field"] == "alignment.0.radius_mm"
    fine = validate(spec_from_dict(make("OO-BF", [{"type": "arc", "radius_mm": 900, "angle_deg": 30}])))
    assert not [w for w in fine if w["code"] == "radius_below_warn"]
    trans = validate(spec_from_dict(make("OO-BF", [{"type": "transition", "length_mm": 100,
                                                     "radius_end_mm": 400}])))
    assert [w["field"] for w in trans if w["code"] == "radius_below_warn"] == ["alignment.0.radius_end_mm"]


def test_fdm_feature_warnings_by_scale_and_process():
    def codes(preset, process):
        ws = validate(spec_from_dict(make(preset, straight(120), print={"process": process})))
        return {(w["code"], w["field"]) for w in ws}

    fdm_2fs = codes("2FS", "fdm")
    assert ("feature_below_minimum", "chairs.jaw_top_width_mm") in fdm_2fs
    assert ("feature_below_minimum", "chairs.keys") in fdm_2fs
    assert ("fdm_integral_chairs", "print.process") in fdm_2fs
    resin_2fs = codes("2FS", "resin")
    assert ("feature_below_minimum", "chairs.jaw_top_width_mm") not in resin_2fs  # 0.67 mm is fine in resin
    assert ("feature_below_minimum", "chairs.keys") in resin_2fs  # 0.36 mm key is not
    assert not codes("O-MF", "fdm")  # 7 mm/ft chairs are FDM-printable
    assert not codes("OO-BF", "resin")


def test_canonical_dict_round_trip_and_stable_hash():
    d = make("OO-BF", [{"type": "arc", "radius_mm": 800, "angle_deg": 15, "hand": "right"},
                       {"type": "transition", "length_mm": 100, "radius_start_mm": 800, "radius_end_mm": "inf",
                        "hand": "right"}])
    spec = spec_from_dict(d)
    canon = spec_to_dict(spec)
    text = json.dumps(canon, sort_keys=False)
    assert list(canon) == sorted(canon)
    again = spec_to_dict(spec_from_dict(json.loads(text)))
    assert json.dumps(again) == text
    assert canon["alignment"][1]["radius_end_mm"] is None
    assert abs(canon["timber"]["depth_mm"] - 5 / 3) < 1e-12  # resolved from the scale
    assert canon["print"]["slot_clearance_mm"] == 0.12
    # A preset and the same values spelled out hash the same.
    spelled = {k: v for k, v in canon.items()}
    assert spec_to_dict(spec_from_dict(spelled)) == canon


def test_chair_dims_from_scale():
    d4 = chair_dims_mm(4.0)
    assert abs(d4["field_side_mm"] + d4["gauge_side_mm"] - 4.833) < 1e-3
    assert abs(d4["width_mm"] - 2.667) < 1e-3 and abs(d4["seat_mm"] - 0.583) < 1e-3
    d7 = chair_dims_mm(7.0)
    assert abs(d7["field_side_mm"] + d7["gauge_side_mm"] - 8.458) < 1e-3


def test_summarize_matches_build_without_building():
    d = make("EM", [{"type": "transition", "length_mm": 150, "radius_end_mm": 900},
                    {"type": "arc", "radius_mm": 900, "angle_deg": 10}], base={"webs": True},
             rail={"include_in_output": True})
    info = summarize(spec_from_dict(d))
    result = build(spec_from_dict(d))
    assert info["sleeper_count"] == result.manifest["sleeper_count"]
    assert info["chair_count"] == result.manifest["chairs"]["count"] == 2 * info["sleeper_count"]
    assert info["estimated_triangles"] == result.manifest["triangle_count"]
    assert abs(info["total_length_mm"] - (150 + 900 * 0.17453292519943295)) < 1e-6
    for a, b in zip(info["bbox"]["min"] + info["bbox"]["max"],
                    result.manifest["bbox"]["min"] + result.manifest["bbox"]["max"], strict=True):
        assert abs(a - b) < 0.01


def test_generator_version_is_a_string():
    assert isinstance(GENERATOR_VERSION, str) and GENERATOR_VERSION


def test_package_does_not_import_django():
    import subprocess
    import sys

    code = ("import sys; import apps.generation.geometry as g; g.build(g.spec_from_dict("
            "{'preset': 'OO-BF', 'alignment': [{'type': 'straight', 'length_mm': 50}]}));"
            "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=str(__import__("pathlib").Path(__file__).resolve().parents[4]))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_dataclass_spec_without_dict_is_resolved():
    from apps.generation.geometry import Arc, Straight, Timber, TrackSpec

    spec = TrackSpec(alignment=[Straight(120.0), Arc(900.0, angle_deg=5.0)], timber=Timber(length_mm=32.0))
    info = summarize(spec)
    assert info["sleeper_count"] > 10
    assert build(spec).manifest["spec"]["timber"]["width_mm"] == pytest.approx(10 / 3)

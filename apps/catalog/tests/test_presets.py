"""The shipped presets match DOMAIN.md (sections 1.1, 2.2, 2.4, 2.7, 7.2)."""

import pytest

from apps.catalog import spec
from apps.catalog.models import ChairComponent, RailSection, Standard, TimberComponent

pytestmark = pytest.mark.django_db

REQUIRED_STANDARDS = {
    "OO-BF",
    "OO-DOGAF",
    "OO-SF",
    "EM",
    "P4",
    "HO-NMRA",
    "N-160",
    "2FS",
    "TT120",
    "S-NMRA",
    "O-GOGF",
    "O-MF",
    "S7",
    "G1-FINE",
}
REQUIRED_RAILS = {"CL75", "SMP75", "BS95R_4MM", "CL131", "PECO124BH", "NMRA100", "NMRA83", "NMRA70", "NMRA55", "ME83"}

# DOMAIN 1.1 / 7.2: code -> (mm/ft, ratio, gauge, flangeway, check gauge, warn R, prototype)
STANDARD_TABLE = {
    "OO-BF": (4, 76.2, 16.5, 1.3, 15.2, 600, "uk_bullhead"),
    "OO-DOGAF": (4, 76.2, 16.5, 1.0, 15.5, 750, "uk_bullhead"),
    "OO-SF": (4, 76.2, 16.2, 1.0, 15.2, 750, "uk_bullhead"),
    "EM": (4, 76.2, 18.2, 1.0, 17.2, 750, "uk_bullhead"),
    "P4": (4, 76.2, 18.83, 0.67, 18.16, 1000, "uk_bullhead"),
    "HO-NMRA": (3.5, 87.1, 16.5, 1.27, 15.4, 600, "us_flatbottom"),
    "N-160": (1.905, 160, 9.0, 0.85, 8.15, 300, "us_flatbottom"),
    "2FS": (2, 152.4, 9.42, 0.5, 8.92, 500, "uk_bullhead"),
    "TT120": (2.54, 120, 12.0, 1.0, 11.0, 375, "uk_bullhead"),
    "S-NMRA": (4.7625, 64, 22.42, 1.27, 21.32, 1200, "us_flatbottom"),
    "O-GOGF": (7, 43.54, 32.0, 1.75, 30.25, 1200, "uk_bullhead"),
    "O-MF": (7, 43.54, 31.5, 1.5, 30.0, 1750, "uk_bullhead"),
    "S7": (7, 43.54, 33.0, 1.05, 31.95, 1750, "uk_bullhead"),
    "G1-FINE": (10, 30.48, 45.0, 1.75, 43.25, 2500, "uk_bullhead"),
}

# DOMAIN 2.7: code -> (height, head, foot, web)
RAIL_TABLE = {
    "BS95R_4MM": (1.906, 0.917, 0.917, 0.25),
    "CL75": (1.90, 0.90, 0.90, 0.35),
    "SMP75": (1.92, 0.80, 0.80, 0.35),
    "PECO124BH": (3.154, 1.477, 1.777, 0.766),
    "CL131": (3.336, 1.604, 1.604, 0.44),
    "NMRA100": (2.540, 1.143, 2.286, None),
    "NMRA83": (2.108, 1.016, 2.032, None),
    "NMRA70": (1.778, 0.889, 1.778, None),
    "NMRA55": (1.397, 0.711, 1.397, None),
    "ME83": (2.108, 0.838, 1.727, None),
}

# DOMAIN 7.2: standard -> (sleeper L, W, D at its scale, default rail, spacing)
DEFAULTS_TABLE = {
    "OO-BF": (32, 3.333, 1.667, "CL75", ("panel", 60, 24)),
    "EM": (34, 3.333, 1.667, "CL75", ("panel", 60, 24)),
    "P4": (34, 3.333, 1.667, "CL75", ("panel", 60, 24)),
    "2FS": (17, 1.667, 0.833, "BS95R_2MM", ("panel", 60, 24)),
    "O-MF": (59.5, 5.833, 2.917, "CL131", ("panel", 60, 24)),
    "S7": (59.5, 5.833, 2.917, "CL131", ("panel", 60, 24)),
    "HO-NMRA": (29.75, 2.625, 2.042, "NMRA83", ("uniform", 5.6875)),
    "N-160": (16.19, 1.429, 1.111, "NMRA55", ("uniform", 3.096)),
    "S-NMRA": (40.48, 3.572, 2.778, "NMRA100", ("uniform", 7.739)),
    "G1-FINE": (85, 8.333, 4.167, "BS95R_10MM", ("panel", 60, 24)),
}


def test_required_presets_exist_and_are_presets():
    assert set(Standard.objects.filter(owner=None).values_list("code", flat=True)) >= REQUIRED_STANDARDS
    assert set(RailSection.objects.filter(owner=None).values_list("code", flat=True)) >= REQUIRED_RAILS
    assert {"BH-PLAIN", "BH-JOINT"} <= set(TimberComponent.objects.filter(owner=None).values_list("code", flat=True))
    assert {"S1", "S1J"} <= set(ChairComponent.objects.filter(owner=None).values_list("code", flat=True))


@pytest.mark.parametrize("code", sorted(STANDARD_TABLE))
def test_standard_values_match_domain_table(code):
    k, ratio, gauge, flangeway, check, warn, prototype = STANDARD_TABLE[code]
    s = Standard.objects.get(owner=None, code=code)
    assert s.scale_mm_per_ft == pytest.approx(k)
    assert s.scale_ratio == pytest.approx(ratio, abs=0.01)
    assert s.gauge_mm == pytest.approx(gauge)
    assert s.flangeway_mm == pytest.approx(flangeway)
    assert s.check_gauge_mm == pytest.approx(check, abs=0.005)
    assert s.warn_radius_mm == pytest.approx(warn)
    assert s.prototype == prototype


@pytest.mark.parametrize("code", sorted(RAIL_TABLE))
def test_rail_sections_match_domain_table(code):
    height, head, foot, web = RAIL_TABLE[code]
    r = RailSection.objects.get(owner=None, code=code)
    assert (r.height_mm, r.head_width_mm, r.foot_width_mm) == pytest.approx((height, head, foot))
    assert r.web_thickness_mm == (pytest.approx(web) if web is not None else None)


@pytest.mark.parametrize("code", sorted(DEFAULTS_TABLE))
def test_standard_defaults_resolve_to_domain_sleepers(code):
    length, width, depth, rail, spacing = DEFAULTS_TABLE[code]
    s = Standard.objects.select_related("default_timber", "default_rail").get(owner=None, code=code)
    timber = s.default_timber.resolve(mm_per_ft=s.scale_mm_per_ft)
    assert (s.sleeper_length_mm or timber["length_mm"]) == pytest.approx(length, abs=0.01)
    assert timber["width_mm"] == pytest.approx(width, abs=0.001)
    assert timber["depth_mm"] == pytest.approx(depth, abs=0.001)
    assert s.default_rail.code == rail
    if spacing[0] == "panel":
        assert (s.default_spacing_mode, s.default_rail_length_ft, s.default_sleepers_per_length) == spacing
    else:
        assert s.default_spacing_mode == "uniform"
        assert s.default_spacing_mm == pytest.approx(spacing[1], abs=0.001)


def test_exact_95r_rails_scale_from_prototype_inches():
    two = RailSection.objects.get(owner=None, code="BS95R_2MM")
    assert two.height_mm == pytest.approx(0.953, abs=0.001)  # DOMAIN 2.1 @2 mm/ft
    assert two.web_thickness_mm == pytest.approx(0.125)
    g1 = RailSection.objects.get(owner=None, code="BS95R_10MM")
    assert g1.height_mm == pytest.approx(4.77, abs=0.01)  # DOMAIN 7.2 "4.77 for 95R"


def test_s1_chair_resolves_to_domain_mm():
    s1 = ChairComponent.objects.get(owner=None, code="S1")
    assert (s1.field_side_in, s1.gauge_side_in, s1.width_in, s1.seat_in) == (9.25, 5.25, 8, 1.75)
    mm4 = s1.resolve(mm_per_ft=4)
    assert (mm4["length_mm"], mm4["field_side_mm"], mm4["gauge_side_mm"]) == pytest.approx(
        (4.833, 3.083, 1.75), abs=0.001
    )
    assert (mm4["width_mm"], mm4["seat_mm"]) == pytest.approx((2.667, 0.583), abs=0.001)
    mm7 = s1.resolve(mm_per_ft=7)
    assert (mm7["length_mm"], mm7["width_mm"], mm7["seat_mm"]) == pytest.approx((8.458, 4.667, 1.021), abs=0.001)
    assert ChairComponent.objects.get(owner=None, code="S1J").resolve(mm_per_ft=4)["width_mm"] == pytest.approx(
        3.333, abs=1e-3
    )


def test_british_and_american_oo_are_distinct():
    british = Standard.objects.get(owner=None, code="OO-BF")
    american = Standard.objects.get(owner=None, code="OO-US-NMRA")
    assert british.gauge_mm == 16.5 and american.gauge_mm == pytest.approx(19.1)
    assert american.prototype == "us_flatbottom"
    assert not Standard.objects.filter(owner=None, code="OO").exists()


def test_flat_bottom_standards_never_default_to_bullhead_chairs():
    for s in Standard.objects.filter(owner=None, prototype="us_flatbottom"):
        assert s.default_chair_id is None and s.default_joint_chair_id is None, s.code
        assert s.default_rail.profile == "flatbottom", s.code
    for s in Standard.objects.filter(owner=None, prototype="uk_bullhead"):
        assert s.default_chair.code == "S1" and s.default_rail.profile == "bullhead", s.code


def test_panel_tables_sum_to_rail_length_minus_joint_bay():
    assert set(spec.PANEL_TABLES) == {(30, 13), (45, 19), (60, 24), (60, 25), (60, 26)}
    for (feet, count), pattern in spec.PANEL_TABLES.items():
        assert len(pattern) == count
        assert sum(pattern) == feet * 12 - 12


def test_preset_rail_dimensions_agree_with_geometry_package():
    geometry = pytest.importorskip("apps.generation.geometry.spec")
    for code, dims in geometry.RAIL_SECTIONS.items():
        rail = RailSection.objects.get(owner=None, code=code)
        assert rail.height_mm == pytest.approx(dims["height_mm"]), code
        assert rail.head_width_mm == pytest.approx(dims["head_width_mm"]), code
        assert rail.foot_width_mm == pytest.approx(dims["foot_width_mm"]), code

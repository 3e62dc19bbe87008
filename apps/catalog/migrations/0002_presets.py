"""Preset standards, rail sections, timbers and chairs (DOMAIN.md 1.1, 2.1-2.4, 2.7, 2.9, 7.2).

Values are frozen here on purpose (a data migration must not change when code does). "(d)" marks
values derived from sourced inputs: check gauge = gauge - flangeway where no source states it;
exact BS 95R sections at 2, 2.54 and 10 mm/ft from the prototype inches (5 23/32" high, 2 3/4"
head and foot, 3/4" web); head/foot depths as the geometry package uses them for the Templot jaw
rule. Staff can edit these in the admin; users duplicate them to make their own.
"""
from django.db import migrations


def _bs95r(k):
    f = k / 12.0
    return dict(height_mm=round((5 + 23 / 32) * f, 4), head_width_mm=round(2.75 * f, 4),
                head_depth_mm=round(1.575 * f, 4), foot_width_mm=round(2.75 * f, 4),
                foot_depth_mm=round(1.0 * f, 4), web_thickness_mm=round(0.75 * f, 4))


BH, FB = "bullhead", "flatbottom"
RAILS = [
    # code, name, profile, dims, source
    ("CL75", "C&L / EMGS / S4Soc code 75 bullhead (4 mm)", BH,
     dict(height_mm=1.90, head_width_mm=0.90, head_depth_mm=0.50, foot_width_mm=0.90, foot_depth_mm=0.34,
          web_thickness_mm=0.35), "DOMAIN 2.7 [T5-dxf]"),
    ("SMP75", "SMP code 75 bullhead (4 mm)", BH,
     dict(height_mm=1.92, head_width_mm=0.80, head_depth_mm=0.50, foot_width_mm=0.80, foot_depth_mm=0.34,
          web_thickness_mm=0.35), "DOMAIN 2.7 [T5-dxf]"),
    ("BS95R_4MM", "BS 95R bullhead, exact at 4 mm/ft", BH,
     dict(height_mm=1.906, head_width_mm=0.917, head_depth_mm=0.525, foot_width_mm=0.917, foot_depth_mm=0.34,
          web_thickness_mm=0.25), "DOMAIN 2.1/2.7 [T5-dxf] (d)"),
    ("BS95R_2MM", "BS 95R bullhead, exact at 2 mm/ft", BH, _bs95r(2.0), "DOMAIN 2.1 [T5-dxf] (d)"),
    ("BS95R_TT120", "BS 95R bullhead, exact at 2.54 mm/ft (TT:120)", BH, _bs95r(2.54), "DOMAIN 2.1 [T5-dxf] (d)"),
    ("BS95R_10MM", "BS 95R bullhead, exact at 10 mm/ft (Gauge 1)", BH, _bs95r(10.0), "DOMAIN 2.1/7.2 (d)"),
    ("MM3_60", "3mm Society code 60 bullhead", BH,
     dict(height_mm=1.5, head_width_mm=0.89, head_depth_mm=0.40, foot_width_mm=0.66, foot_depth_mm=0.27,
          web_thickness_mm=0.35), "DOMAIN 2.7 [SWN3]"),
    ("PECO124BH", "Peco code 124 bullhead (7 mm, measured)", BH,
     dict(height_mm=3.154, head_width_mm=1.477, head_depth_mm=0.85, foot_width_mm=1.777, foot_depth_mm=0.57,
          web_thickness_mm=0.766), "DOMAIN 2.7 [T5-dxf] (d)"),
    ("CL125", "C&L 'code 125' bullhead (7 mm)", BH,
     dict(height_mm=3.181, head_width_mm=1.604, head_depth_mm=0.90, foot_width_mm=1.604, foot_depth_mm=0.57,
          web_thickness_mm=0.647), "DOMAIN 2.7 [T5-dxf] (d)"),
    ("CL131", "C&L code 131 bullhead (7 mm, dead-scale 95R)", BH,
     dict(height_mm=3.336, head_width_mm=1.604, head_depth_mm=0.925, foot_width_mm=1.604, foot_depth_mm=0.60,
          web_thickness_mm=0.44), "DOMAIN 2.7 [T5-dxf] [CL131] (d)"),
    ("NMRA100", "NMRA RP-15.1 code 100 flat-bottom", FB,
     dict(height_mm=2.540, head_width_mm=1.143, head_depth_mm=0.66, foot_width_mm=2.286, foot_depth_mm=0.30,
          web_thickness_mm=None), "DOMAIN 2.7 [NMRA-RP15]"),
    ("NMRA83", "NMRA RP-15.1 code 83 flat-bottom", FB,
     dict(height_mm=2.108, head_width_mm=1.016, head_depth_mm=0.55, foot_width_mm=2.032, foot_depth_mm=0.25,
          web_thickness_mm=None), "DOMAIN 2.7 [NMRA-RP15]"),
    ("NMRA70", "NMRA RP-15.1 code 70 flat-bottom", FB,
     dict(height_mm=1.778, head_width_mm=0.889, head_depth_mm=0.46, foot_width_mm=1.778, foot_depth_mm=0.21,
          web_thickness_mm=None), "DOMAIN 2.7 [NMRA-RP15]"),
    ("NMRA55", "NMRA RP-15.1 code 55 flat-bottom", FB,
     dict(height_mm=1.397, head_width_mm=0.711, head_depth_mm=0.36, foot_width_mm=1.397, foot_depth_mm=0.17,
          web_thickness_mm=None), "DOMAIN 2.7 [NMRA-RP15]"),
    ("ME83", "Micro Engineering code 83 (actual)", FB,
     dict(height_mm=2.108, head_width_mm=0.838, head_depth_mm=0.55, foot_width_mm=1.727, foot_depth_mm=0.25,
          web_thickness_mm=None), "DOMAIN 2.7 [TRN-ME] [GEOFFS]"),
]

TIMBERS = [
    # code, name, role, length_in, width_in, depth_in, source
    ("BH-PLAIN", "Plain sleeper 8'6\" x 10\" x 5\" (post-WW1)", "plain", 102, 10, 5, "DOMAIN 2.2 [KIL] [RMW-SLEEPERS]"),
    ("BH-PLAIN-9FT", "Plain sleeper 9'0\" x 10\" x 5\" (pre-grouping)", "plain", 108, 10, 5,
     "DOMAIN 2.2 [RMW-SLEEPERS] [T5-math]"),
    ("BH-JOINT", "Joint sleeper 8'6\" x 10\" x 5\" (Templot default)", "joint", 102, 10, 5, "DOMAIN 2.2 [T5-math]"),
    ("BH-JOINT-12", "Joint sleeper 8'6\" x 12\" x 5\"", "joint", 102, 12, 5, "DOMAIN 2.2 [RMW-SLEEPERS]"),
    ("US-TIE-7X9", "US main-line tie 8'6\" x 9\" x 7\"", "plain", 102, 9, 7, "DOMAIN 2.9 [TRN-TIES] [TPUB]"),
    ("US-TIE-6X8", "US siding tie 8'6\" x 8\" x 6\"", "plain", 102, 8, 6, "DOMAIN 2.9 [TPUB]"),
]

CHAIRS = [
    # code, name, role, width_in, source
    ("S1", "REA S1 plain chair (14 1/2\" x 8\")", "plain", 8.0, "DOMAIN 2.4 [T5-chairs]"),
    ("S1J", "REA S1J joint chair (14 1/2\" x 10\")", "joint", 10.0, "DOMAIN 2.4 [T5-chairs]"),
]

UK, US = "uk_bullhead", "us_flatbottom"
# code, name, mm/ft, ratio, gauge, gauge_max, flangeway, check, check_derived, warn R, prototype,
# sleeper length convention, rail, timber, (mode, rail ft, per length, uniform spacing), source
STANDARDS = [
    ("OO-BF", "British OO, RTR/BRMSB standard (00-BF)", 4, 76.2, 16.5, None, 1.3, 15.2, True, 600, UK, 32.0,
     "CL75", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge], 7.2"),
    ("OO-DOGAF", "British OO, DOGA Fine", 4, 76.2, 16.5, None, 1.0, 15.5, True, 750, UK, 32.0,
     "CL75", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge]"),
    ("OO-DOGAI", "British OO, DOGA Intermediate", 4, 76.2, 16.5, None, 1.2, 15.3, True, 650, UK, 32.0,
     "CL75", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge]"),
    ("OO-3D", "British OO, Templot 3D-printed UK (16.35)", 4, 76.2, 16.35, None, 1.15, 15.2, True, 700, UK, 32.0,
     "CL75", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge]"),
    ("OO-SF", "British OO-SF (EM minus 2, 16.2)", 4, 76.2, 16.2, None, 1.0, 15.2, True, 750, UK, 32.0,
     "CL75", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge] [BLOG-SF] [TNS], 7.2"),
    ("EM", "EM (EMGS, 18.2)", 4, 76.2, 18.2, None, 1.0, 17.2, False, 750, UK, None,
     "CL75", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge] [RMW-EM], 7.2"),
    ("P4", "P4 (Scalefour Society, 18.83)", 4, 76.2, 18.83, None, 0.67, 18.16, True, 1000, UK, None,
     "CL75", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge] [S4] [P4-WIKI], 7.2"),
    ("HO-NMRA", "HO (NMRA S-3.2), US flat-bottom", 3.5, 87.1, 16.5, 17.1, 1.27, 15.4, False, 600, US, None,
     "NMRA83", "US-TIE-7X9", ("uniform", None, None, 5.6875), "DOMAIN 1.1 [NMRA-S32] [T5-gauge], 2.9, 7.2"),
    ("N-160", "N 1:160 (NMRA/Europe), US flat-bottom", 1.905, 160, 9.0, None, 0.85, 8.15, True, 300, US, None,
     "NMRA55", "US-TIE-7X9", ("uniform", None, None, 3.0956), "DOMAIN 1.1 [T5-gauge], 7.2"),
    ("2FS", "2mm finescale (2mm SA, 9.42)", 2, 152.4, 9.42, None, 0.5, 8.92, True, 500, UK, None,
     "BS95R_2MM", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge] [2MM], 7.2"),
    ("TT120", "TT:120 (NEM gauge 12.0), bullhead", 2.54, 120, 12.0, None, 1.0, 11.0, True, 375, UK, None,
     "BS95R_TT120", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge]; defaults (d)"),
    ("S-NMRA", "S (NMRA S-3.2, 1:64), US flat-bottom", 4.7625, 64, 22.42, 22.99, 1.27, 21.32, False, 1200, US,
     None, "NMRA100", "US-TIE-7X9", ("uniform", None, None, 7.7391), "DOMAIN 1.1 [NMRA-S32], 7.2"),
    ("O-GOGF", "O (UK), Gauge O Guild Fine", 7, 43.54, 32.0, None, 1.75, 30.25, True, 1200, UK, None,
     "PECO124BH", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge] [RMW-7MM], 7.2"),
    ("O-MF", "O (UK), modified fine", 7, 43.54, 31.5, None, 1.5, 30.0, True, 1750, UK, None,
     "CL131", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge] [RMW-7MM] [TNS], 7.2"),
    ("O-SF", "O (UK), special fine", 7, 43.54, 31.2, None, 1.2, 30.0, True, 1750, UK, None,
     "CL131", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge] [RMW-7MM]"),
    ("S7", "ScaleSeven (S7)", 7, 43.54, 33.0, None, 1.05, 31.95, True, 1750, UK, None,
     "CL131", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge] [TNS], 7.2"),
    ("G1-FINE", "Gauge 1 fine (G1MRA, 10 mm/ft)", 10, 30.48, 45.0, None, 1.75, 43.25, True, 2500, UK, None,
     "BS95R_10MM", "BH-PLAIN", ("panel", 60, 24, None), "DOMAIN 1.1 [T5-gauge], 7.2"),
    ("OO-US-NMRA", "American OO (NMRA, 19.1 mm) - not British OO", 4, 76.2, 19.1, None, 1.27, 17.9, False, None,
     US, None, "NMRA100", "US-TIE-7X9", ("uniform", None, None, 6.5), "DOMAIN 1.1 [NMRA-S32] [AOO]; ties (d)"),
]


def load(apps, schema_editor):
    Rail = apps.get_model("catalog", "RailSection")
    Timber = apps.get_model("catalog", "TimberComponent")
    Chair = apps.get_model("catalog", "ChairComponent")
    Standard = apps.get_model("catalog", "Standard")

    rails = {}
    for code, name, profile, dims, source in RAILS:
        rails[code], _ = Rail.objects.update_or_create(
            owner=None, code=code, defaults=dict(name=name, profile=profile, source=source, **dims)
        )
    timbers = {}
    for code, name, role, length, width, depth, source in TIMBERS:
        timbers[code], _ = Timber.objects.update_or_create(
            owner=None, code=code,
            defaults=dict(name=name, role=role, length_in=length, width_in=width, depth_in=depth, source=source),
        )
    chairs = {}
    for code, name, role, width, source in CHAIRS:
        chairs[code], _ = Chair.objects.update_or_create(
            owner=None, code=code,
            defaults=dict(name=name, role=role, prototype="uk_bullhead", field_side_in=9.25, gauge_side_in=5.25,
                          width_in=width, seat_in=1.75, outer_jaw_offset_in=3.9375, jaw_top_width_in=4.0,
                          key_length_in=6.0, source=source),
        )
    for (code, name, k, ratio, gauge, gauge_max, flangeway, check, derived, warn, prototype, sleeper_len,
         rail, timber, (mode, rail_ft, per_length, spacing), source) in STANDARDS:
        uk = prototype == "uk_bullhead"
        Standard.objects.update_or_create(
            owner=None, code=code,
            defaults=dict(
                name=name, scale_mm_per_ft=k, scale_ratio=ratio, gauge_mm=gauge, gauge_max_mm=gauge_max,
                flangeway_mm=flangeway, check_gauge_mm=check, check_gauge_derived=derived, warn_radius_mm=warn,
                prototype=prototype, sleeper_length_mm=sleeper_len, default_rail=rails[rail],
                default_timber=timbers[timber], default_joint_timber=timbers["BH-JOINT"] if uk else None,
                default_chair=chairs["S1"] if uk else None, default_joint_chair=chairs["S1J"] if uk else None,
                default_spacing_mode=mode, default_rail_length_ft=rail_ft, default_sleepers_per_length=per_length,
                default_spacing_mm=spacing, source=source,
            ),
        )


def unload(apps, schema_editor):
    for model in ("Standard", "ChairComponent", "TimberComponent", "RailSection"):
        apps.get_model("catalog", model).objects.filter(owner=None).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]

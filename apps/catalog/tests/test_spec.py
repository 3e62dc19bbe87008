"""track_to_spec: one mapping for saved tracks and inline payloads; field mapping."""

import pytest

from apps.catalog import services, spec
from apps.catalog.tests.factories import TrackFactory

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "name": "Inline",
    "alignment": [
        {"type": "straight", "length_mm": 120},
        {"type": "transition", "length_mm": 100, "radius_start_mm": None, "radius_end_mm": 900},
        {"type": "arc", "radius_mm": 900, "angle_deg": 15, "hand": "left"},
    ],
    "sleepering": {"sleepers_per_length": 25},
    "print_options": {"print_process": "resin", "bed_x_mm": 180, "bed_y_mm": 180},
}


def test_track_to_spec_builds_resolved_geometry_spec(user, oo_bf):
    geometry = pytest.importorskip("apps.generation.geometry")
    track = TrackFactory(owner=user, standard=oo_bf)
    built = spec.track_to_spec(track)
    assert isinstance(built, geometry.TrackSpec)
    assert built.gauge_mm == 16.5 and built.timber.length_mm == 32.0
    assert built.rail.section == "CL75" and built.chairs.include is True
    assert built.chairs.field_side_mm == pytest.approx(3.0833, abs=1e-4)
    # Bit-identical to the geometry package's own scaling of prototype inches.
    assert built.chairs.width_mm == geometry.chair_dims_mm(4.0)["width_mm"]
    assert geometry.summarize(built)["sleeper_count"] == track.sleeper_count == 24


def test_inline_payload_and_saved_track_give_identical_specs(auth_client, user, oo_bf):
    payload = {**PAYLOAD, "standard": str(oo_bf.pk)}
    validated = services.track_validate_payload(user=user, data=payload)
    response = auth_client.post("/api/tracks/", payload, format="json")
    assert response.status_code == 201, response.content
    track = services.selectors.track_get_for_user(user=user, track_id=response.json()["id"])
    assert validated.spec == spec.track_to_spec_dict(track)
    assert validated.summary["sleeper_count"] == track.sleeper_count
    assert [w["field"] for w in validated.warnings] == [w["field"] for w in track.warnings]


def test_inline_payload_errors_use_api_field_paths(user, oo_bf):
    bad = {
        **PAYLOAD,
        "standard": str(oo_bf.pk),
        "alignment": [{"type": "arc", "radius_mm": 20, "angle_deg": 90}],
        "sleepering": {"sleeper_width_mm": 2},
    }
    with pytest.raises(services.TrackPayloadInvalid) as exc:
        services.track_validate_payload(user=user, data=bad)
    assert exc.value.errors and all(not k.startswith(("timber.", "chairs.")) for k in exc.value.errors)
    with pytest.raises(services.TrackPayloadInvalid) as exc:
        services.track_validate_payload(user=user, data={"alignment": []})
    assert {"standard", "alignment"} <= set(exc.value.errors)
    assert "name" not in exc.value.errors  # inline definitions may omit the name


@pytest.mark.parametrize(
    "spec_field,sent,expected",
    [
        ("alignment.2.radius_mm", {}, "alignment.2.radius_mm"),
        ("sleepering.custom_spacings_in", {}, "sleepering.custom_spacings_in"),
        ("timber.width_mm", {"sleeper_width_mm": 2.0}, "sleepering.sleeper_width_mm"),
        ("timber.width_mm", {}, "timber"),
        ("timber.joint_width_mm", {}, "joint_timber"),
        ("chairs.joint_width_mm", {}, "joint_chair"),
        ("chairs.jaw_face_mm", {}, "chair"),
        ("chairs.keys", {}, "print_options.chair_keys"),
        ("rail.web_thickness_mm", {}, "rail"),
        ("print.bed_x_mm", {}, "print_options.bed_x_mm"),
        ("print.process", {}, "print_options.print_process"),
        ("base.webs", {}, "print_options.base_webs"),
        ("gauge_mm", {}, "standard"),
        ("", {}, "non_field_errors"),
    ],
)
def test_api_field_mapping(spec_field, sent, expected):
    assert spec.api_field(spec_field, sent=sent) == expected

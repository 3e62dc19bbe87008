"""/api/standards/, /api/rails/, /api/timbers/, /api/chairs/: presets + own, presets read-only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import ChairComponent, RailSection, Standard, TimberComponent
from apps.catalog.tests.factories import (
    ChairFactory,
    RailSectionFactory,
    StandardFactory,
    TimberFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "standards": (Standard, StandardFactory),
    "rails": (RailSection, RailSectionFactory),
    "timbers": (TimberComponent, TimberFactory),
    "chairs": (ChairComponent, ChairFactory),
}


def new_body(route, presets) -> dict:
    if route == "rails":
        return {
            "code": "MY-C75",
            "name": "My code 75",
            "profile": "bullhead",
            "height_mm": 1.9,
            "head_width_mm": 0.9,
            "foot_width_mm": 0.9,
            "web_thickness_mm": 0.35,
            "head_depth_mm": 0.5,
            "foot_depth_mm": 0.34,
        }
    if route == "timbers":
        return {"code": "MY-SLEEPER", "name": "Wide sleeper", "length_in": 102, "width_in": 12, "depth_in": 5}
    if route == "chairs":
        return {
            "code": "MY-S1",
            "name": "Fat S1",
            "field_side_in": 9.5,
            "gauge_side_in": 5.25,
            "width_in": 8.5,
            "seat_in": 1.75,
        }
    return {
        "code": "MY-P4",
        "name": "P4 with 9 ft sleepers",
        "scale_mm_per_ft": 4,
        "gauge_mm": 18.83,
        "flangeway_mm": 0.67,
        "warn_radius_mm": 900,
        "default_rail": str(presets.rail("CL75").pk),
        "default_timber": str(presets.timber("BH-PLAIN-9FT").pk),
        "default_chair": str(presets.chair("S1").pk),
    }


def a_preset(model):
    return model.objects.filter(owner__isnull=True).order_by("code").first()


@pytest.mark.parametrize("route", ENDPOINTS)
class TestEachComponentEndpoint:
    def test_list_has_presets_and_own_but_not_others(self, route, auth_client, user, other_user):
        model, factory = ENDPOINTS[route]
        mine, theirs = factory(owner=user), factory(owner=other_user)
        response = auth_client.get(f"/api/{route}/", {"page_size": 100})
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        assert str(mine.pk) in ids and str(theirs.pk) not in ids
        assert {str(pk) for pk in model.objects.filter(owner=None).values_list("pk", flat=True)} <= ids
        flags = {row["id"]: row["is_preset"] for row in response.json()["results"]}
        assert flags[str(mine.pk)] is False

    def test_create_own(self, route, auth_client, user, presets):
        model, _ = ENDPOINTS[route]
        response = auth_client.post(f"/api/{route}/", new_body(route, presets), format="json")
        assert response.status_code == 201, response.content
        obj = model.objects.get(pk=response.json()["id"])
        assert obj.owner == user and response.json()["is_preset"] is False

    def test_retrieve_preset_and_own(self, route, auth_client, user):
        model, factory = ENDPOINTS[route]
        for obj in (a_preset(model), factory(owner=user)):
            response = auth_client.get(f"/api/{route}/{obj.pk}/")
            assert response.status_code == 200
            assert response.json()["code"] == obj.code

    def test_update_and_delete_own(self, route, auth_client, user):
        model, factory = ENDPOINTS[route]
        obj = factory(owner=user)
        response = auth_client.patch(f"/api/{route}/{obj.pk}/", {"name": "Renamed"}, format="json")
        assert response.status_code == 200, response.content
        obj.refresh_from_db()
        assert obj.name == "Renamed"
        assert auth_client.delete(f"/api/{route}/{obj.pk}/").status_code == 204
        assert not model.objects.filter(pk=obj.pk).exists()

    @pytest.mark.parametrize("method", ["put", "patch", "delete"])
    def test_presets_are_read_only(self, route, auth_client, method):
        model, _ = ENDPOINTS[route]
        preset = a_preset(model)
        response = getattr(auth_client, method)(f"/api/{route}/{preset.pk}/", {"name": "Hacked"}, format="json")
        assert response.status_code == 403
        assert "Presets are read-only" in response.json()["detail"]
        assert f"/api/{route}/{preset.pk}/duplicate/" in response.json()["detail"]
        preset.refresh_from_db()
        assert preset.name != "Hacked"

    @pytest.mark.parametrize(
        "method,suffix", [("get", ""), ("put", ""), ("patch", ""), ("delete", ""), ("post", "duplicate/")]
    )
    def test_other_users_component_is_404(self, route, auth_client, other_user, method, suffix):
        _, factory = ENDPOINTS[route]
        theirs = factory(owner=other_user)
        response = getattr(auth_client, method)(f"/api/{route}/{theirs.pk}/{suffix}", {"name": "x"}, format="json")
        assert response.status_code == 404

    @pytest.mark.parametrize(
        "method,suffix",
        [
            ("get", ""),
            ("post", ""),
            ("get", "{id}/"),
            ("patch", "{id}/"),
            ("delete", "{id}/"),
            ("post", "{id}/duplicate/"),
        ],
    )
    def test_anonymous_is_401(self, route, api_client, method, suffix):
        model, _ = ENDPOINTS[route]
        url = f"/api/{route}/" + suffix.format(id=a_preset(model).pk)
        assert getattr(api_client, method)(url, {}, format="json").status_code == 401

    def test_duplicate_preset_gives_editable_copy(self, route, auth_client, user):
        model, _ = ENDPOINTS[route]
        preset = a_preset(model)
        response = auth_client.post(f"/api/{route}/{preset.pk}/duplicate/")
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["is_preset"] is False and data["code"] == f"{preset.code}-COPY"
        copy = model.objects.get(pk=data["id"])
        assert copy.owner == user
        again = auth_client.post(f"/api/{route}/{preset.pk}/duplicate/").json()
        assert again["code"] == f"{preset.code}-COPY2"
        edit = auth_client.patch(f"/api/{route}/{copy.pk}/", {"description": "mine now"}, format="json")
        assert edit.status_code == 200, edit.content

    def test_code_clashing_with_preset_or_own_is_422(self, route, auth_client, user, presets):
        model, factory = ENDPOINTS[route]
        body = new_body(route, presets)
        body["code"] = a_preset(model).code
        response = auth_client.post(f"/api/{route}/", body, format="json")
        assert response.status_code == 422 and list(response.json()["errors"]) == ["code"]
        body["code"] = factory(owner=user).code
        assert list(auth_client.post(f"/api/{route}/", body, format="json").json()["errors"]) == ["code"]

    def test_filter_owner_code_name_and_ordering(self, route, auth_client, user):
        model, factory = ENDPOINTS[route]
        factory(owner=user, code="ZZ-MINE", name="zz mine")
        factory(owner=user, code="AA-MINE", name="aa mine")
        mine = auth_client.get(f"/api/{route}/", {"owner": "mine", "ordering": "-code"}).json()
        assert [r["code"] for r in mine["results"]] == ["ZZ-MINE", "AA-MINE"]
        presets_only = auth_client.get(f"/api/{route}/", {"owner": "preset", "page_size": 100}).json()
        assert presets_only["count"] == model.objects.filter(owner=None).count()
        assert all(r["is_preset"] for r in presets_only["results"])
        assert [r["code"] for r in auth_client.get(f"/api/{route}/", {"code": "zz-mine"}).json()["results"]] == [
            "ZZ-MINE"
        ]
        assert [r["code"] for r in auth_client.get(f"/api/{route}/", {"name": "AA M"}).json()["results"]] == ["AA-MINE"]
        assert auth_client.get(f"/api/{route}/", {"ordering": "owner"}).status_code == 422

    def test_list_query_count_is_flat(self, route, auth_client, user):
        _, factory = ENDPOINTS[route]

        def run() -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert auth_client.get(f"/api/{route}/", {"owner": "mine", "page_size": 50}).status_code == 200
            return len(ctx.captured_queries)

        factory.create_batch(2, owner=user)
        two = run()
        factory.create_batch(18, owner=user)
        assert run() == two


class TestSpecifics:
    def test_scale_resolves_chairs_and_timbers(self, auth_client, presets):
        s1 = auth_client.get(f"/api/chairs/{presets.chair('S1').pk}/", {"scale": 4}).json()
        assert s1["resolved"]["length_mm"] == pytest.approx(4.8333, abs=1e-4)
        assert s1["resolved"]["width_mm"] == pytest.approx(2.6667, abs=1e-4)
        assert s1["length_in"] == 14.5
        plain = auth_client.get(f"/api/timbers/{presets.timber('BH-PLAIN').pk}/", {"scale": 7}).json()
        assert (plain["resolved"]["length_mm"], plain["resolved"]["width_mm"]) == pytest.approx(
            (59.5, 5.8333), abs=1e-4
        )
        assert auth_client.get("/api/timbers/").json()["results"][0]["resolved"] is None

    @pytest.mark.parametrize("scale", ["abc", "0.1", "100"])
    def test_bad_scale_is_422(self, auth_client, scale):
        response = auth_client.get("/api/chairs/", {"scale": scale})
        assert response.status_code == 422 and list(response.json()["errors"]) == ["scale"]

    def test_filter_standards_by_prototype(self, auth_client):
        data = auth_client.get("/api/standards/", {"prototype": "us_flatbottom", "page_size": 100}).json()
        assert {r["code"] for r in data["results"]} >= {"HO-NMRA", "N-160", "S-NMRA", "OO-US-NMRA"}
        assert all(r["prototype"] == "us_flatbottom" for r in data["results"])

    def test_component_in_use_cannot_be_deleted(self, auth_client, user):
        rail = RailSectionFactory(owner=user)
        TrackFactory(owner=user, rail=rail)
        response = auth_client.delete(f"/api/rails/{rail.pk}/")
        assert response.status_code == 409 and response.json()["code"] == "in_use"
        assert RailSection.objects.filter(pk=rail.pk).exists()

    def test_rail_rules(self, auth_client, presets):
        body = new_body("rails", presets)
        body.update(web_thickness_mm=None, head_depth_mm=1.5, foot_depth_mm=0.6)
        errors = auth_client.post("/api/rails/", body, format="json").json()["errors"]
        assert {"web_thickness_mm", "head_depth_mm"} <= set(errors)
        body.update(web_thickness_mm=-1, height_mm=50)
        errors = auth_client.post("/api/rails/", body, format="json").json()["errors"]
        assert {"web_thickness_mm", "height_mm"} <= set(errors)

    def test_standard_rules(self, auth_client, presets):
        body = new_body("standards", presets)
        body.update(prototype="us_flatbottom", check_gauge_mm=19, default_sleepers_per_length=23)
        errors = auth_client.post("/api/standards/", body, format="json").json()["errors"]
        assert {"check_gauge_mm", "default_chair", "default_rail", "default_sleepers_per_length"} <= set(errors)

    def test_standard_uniform_needs_spacing_and_ratio_defaults(self, auth_client, presets):
        body = new_body("standards", presets)
        body["default_spacing_mode"] = "uniform"
        assert list(auth_client.post("/api/standards/", body, format="json").json()["errors"]) == ["default_spacing_mm"]
        body["default_spacing_mm"] = 9.5
        response = auth_client.post("/api/standards/", body, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["scale_ratio"] == 76.2

    def test_own_standard_drives_track_defaults(self, auth_client, presets):
        std = auth_client.post("/api/standards/", new_body("standards", presets), format="json").json()
        track = auth_client.post(
            "/api/tracks/",
            {"name": "9 ft", "standard": std["id"], "alignment": [{"type": "straight", "length_mm": 180}]},
            format="json",
        )
        assert track.status_code == 201, track.content
        resolved = track.json()["resolved"]
        assert resolved["timber"]["length_mm"] == pytest.approx(36.0)  # DOMAIN 8 case 5: 9 ft sleepers
        assert resolved["gauge_mm"] == 18.83 and resolved["warn_radius_mm"] == 900

    def test_chair_rules(self, auth_client, presets):
        body = new_body("chairs", presets)
        body.update(prototype="us_flatbottom", rail_section=str(presets.rail("NMRA83").pk))
        errors = auth_client.post("/api/chairs/", body, format="json").json()["errors"]
        assert "prototype" in errors
        body["prototype"] = "uk_bullhead"
        assert "rail_section" in auth_client.post("/api/chairs/", body, format="json").json()["errors"]

    def test_editing_a_component_refreshes_tracks_using_it(self, auth_client, user):
        timber = TimberFactory(owner=user, width_in=10)
        track = TrackFactory(owner=user, timber=timber, alignment=[{"type": "straight", "length_mm": 240}])
        assert track.warnings == [] or all(w["code"] != "invalid" for w in track.warnings)
        response = auth_client.patch(f"/api/timbers/{timber.pk}/", {"width_in": 6}, format="json")
        assert response.status_code == 200
        track.refresh_from_db()
        assert any(w["code"] == "invalid" and w["field"] == "timber" for w in track.warnings)

"""/api/tracks/: ownership, validation (DOMAIN 7.1), derived values, filters, ordering, pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.catalog.models import Track
from apps.catalog.tests.factories import ChairFactory, RailSectionFactory, TrackFactory

pytestmark = pytest.mark.django_db

TRACKS = "/api/tracks/"


def detail(track) -> str:
    return f"{TRACKS}{track.pk}/"


def body(standard, **over):
    data = {"name": "Up main", "standard": str(standard.pk), "alignment": [{"type": "straight", "length_mm": 240}]}
    data.update(over)
    return data


def errors_of(response) -> dict:
    assert response.status_code == 422, response.content
    payload = response.json()
    assert payload["detail"] == "Validation failed."
    return payload["errors"]


# ----------------------------------------------------------------------------------- CRUD


class TestOwnerCrud:
    def test_create_with_standard_defaults_and_derived_values(self, auth_client, oo_bf):
        response = auth_client.post(TRACKS, body(oo_bf), format="json")
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["standard_code"] == "OO-BF" and data["rail_code"] == "CL75"
        assert data["sleepering"]["mode"] == "panel"
        assert (data["sleepering"]["rail_length_ft"], data["sleepering"]["sleepers_per_length"]) == (60, 24)
        # DOMAIN 8 case 1: 240 mm, 60 ft / 24 -> 24 sleepers, 48 chairs.
        assert data["total_length_mm"] == pytest.approx(240)
        assert data["sleeper_count"] == 24 and data["chair_count"] == 48
        assert data["estimated_triangles"] > 0
        assert data["has_curves"] is False
        assert data["print_options"]["print_process"] == auth_client.user.print_process
        assert data["resolved"]["timber"]["length_mm"] == 32.0
        assert data["resolved"]["gauge_mm"] == 16.5
        track = Track.objects.get(pk=data["id"])
        assert track.owner == auth_client.user
        assert len(data["id"]) == 36  # UUID

    def test_300mm_panel_and_uniform_counts(self, auth_client, oo_bf):
        panel = auth_client.post(TRACKS, body(oo_bf, alignment=[{"type": "straight", "length_mm": 300}]), format="json")
        assert panel.json()["sleeper_count"] == 30  # DOMAIN 8 case 2
        uniform = auth_client.post(
            TRACKS,
            body(
                oo_bf,
                alignment=[{"type": "straight", "length_mm": 300}],
                sleepering={"mode": "uniform", "spacing_mm": 10},
            ),
            format="json",
        )
        assert uniform.status_code == 201, uniform.content
        assert uniform.json()["sleeper_count"] == 30  # DOMAIN 8 case 3

    def test_list_shows_only_own_tracks(self, auth_client, user, other_user):
        mine = TrackFactory(owner=user)
        TrackFactory(owner=other_user)
        response = auth_client.get(TRACKS)
        assert response.status_code == 200
        assert [t["id"] for t in response.json()["results"]] == [str(mine.pk)]
        assert response.json()["count"] == 1

    def test_retrieve(self, auth_client, user):
        track = TrackFactory(owner=user)
        response = auth_client.get(detail(track))
        assert response.status_code == 200
        assert response.json()["name"] == track.name

    def test_put_replaces(self, auth_client, user, presets):
        track = TrackFactory(owner=user)
        p4 = presets.standard("P4")
        response = auth_client.put(
            detail(track),
            body(p4, name="Renamed", alignment=[{"type": "arc", "radius_mm": 1500, "angle_deg": 10}]),
            format="json",
        )
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["name"] == "Renamed" and data["standard_code"] == "P4"
        assert data["has_curves"] is True
        assert data["resolved"]["timber"]["length_mm"] == pytest.approx(34.0)
        track.refresh_from_db()
        assert track.total_length_mm == pytest.approx(1500 * 3.14159265 / 18, rel=1e-6)

    def test_patch_merges_nested_options_and_keeps_the_rest(self, auth_client, user):
        track = TrackFactory(owner=user, print_options={"bed_x_mm": 300})
        response = auth_client.patch(
            detail(track),
            {"sleepering": {"sleepers_per_length": 25}, "print_options": {"print_process": "resin"}},
            format="json",
        )
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["sleepering"]["sleepers_per_length"] == 25 and data["sleepering"]["rail_length_ft"] == 60
        assert data["print_options"]["print_process"] == "resin"
        assert data["print_options"]["bed_x_mm"] == 300
        assert data["resolved"]["print"]["slot_clearance_mm"] == 0.03  # resin default
        assert data["alignment"] == track.alignment

    def test_patch_changing_standard_re_defaults_components(self, auth_client, user, ho):
        track = TrackFactory(owner=user)
        response = auth_client.patch(detail(track), {"standard": str(ho.pk)}, format="json")
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["rail_code"] == "NMRA83" and data["chair"] is None

    def test_delete(self, auth_client, user):
        track = TrackFactory(owner=user)
        assert auth_client.delete(detail(track)).status_code == 204
        assert not Track.objects.filter(pk=track.pk).exists()

    def test_duplicate_makes_editable_copy(self, auth_client, user):
        track = TrackFactory(owner=user, name="Branch")
        response = auth_client.post(f"{detail(track)}duplicate/")
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["id"] != str(track.pk) and data["name"] == "Branch (copy)"
        assert data["alignment"] == track.alignment and data["sleeper_count"] == track.sleeper_count
        copy = Track.objects.get(pk=data["id"])
        assert copy.owner == user
        assert auth_client.patch(f"{TRACKS}{copy.pk}/", {"name": "Edited"}, format="json").status_code == 200
        track.refresh_from_db()
        assert track.name == "Branch"


# ------------------------------------------------------------------------------ permissions


class TestBoundaries:
    @pytest.mark.parametrize(
        "method,suffix",
        [
            ("get", ""),
            ("post", ""),
            ("get", "{id}/"),
            ("put", "{id}/"),
            ("patch", "{id}/"),
            ("delete", "{id}/"),
            ("post", "{id}/duplicate/"),
        ],
    )
    def test_anonymous_is_401(self, api_client, user, method, suffix):
        track = TrackFactory(owner=user)
        response = getattr(api_client, method)(TRACKS + suffix.format(id=track.pk), {}, format="json")
        assert response.status_code == 401
        assert "detail" in response.json()

    @pytest.mark.parametrize(
        "method,suffix",
        [("get", ""), ("put", ""), ("patch", ""), ("delete", ""), ("post", "duplicate/")],
    )
    def test_other_users_track_is_404(self, other_client, user, oo_bf, method, suffix):
        track = TrackFactory(owner=user)
        response = getattr(other_client, method)(detail(track) + suffix, body(oo_bf), format="json")
        assert response.status_code == 404
        assert response.json()["detail"]
        track.refresh_from_db()
        assert track.name != "Up main"

    def test_non_uuid_id_is_404(self, auth_client):
        assert auth_client.get(f"{TRACKS}12345/").status_code == 404

    def test_another_users_component_cannot_be_used(self, auth_client, other_user, oo_bf):
        theirs = RailSectionFactory(owner=other_user)
        errors = errors_of(auth_client.post(TRACKS, body(oo_bf, rail=str(theirs.pk)), format="json"))
        assert list(errors) == ["rail"]

    def test_own_component_can_be_used(self, auth_client, user, oo_bf):
        mine = RailSectionFactory(owner=user)
        response = auth_client.post(TRACKS, body(oo_bf, rail=str(mine.pk)), format="json")
        assert response.status_code == 201, response.content
        assert response.json()["resolved"]["rail"]["section"] == "custom"


# ------------------------------------------------------------------------------- validation


class TestValidation:
    def test_sleepers_overlapping_inside_curve(self, auth_client, oo_bf):
        data = body(
            oo_bf, alignment=[{"type": "straight", "length_mm": 50}, {"type": "arc", "radius_mm": 22, "angle_deg": 90}]
        )
        errors = errors_of(auth_client.post(TRACKS, data, format="json"))
        assert "alignment.1.radius_mm" in errors
        assert "inside of the curve" in errors["alignment.1.radius_mm"][0]

    def test_uniform_spacing_overlapping_on_curve(self, auth_client, oo_bf):
        data = body(
            oo_bf,
            sleepering={"mode": "uniform", "spacing_mm": 4},
            alignment=[{"type": "arc", "radius_mm": 100, "angle_deg": 45, "hand": "right"}],
        )
        errors = errors_of(auth_client.post(TRACKS, data, format="json"))
        assert list(errors) == ["alignment.0.radius_mm"]

    def test_sleepers_overlapping_on_straight(self, auth_client, oo_bf):
        data = body(oo_bf, sleepering={"mode": "uniform", "spacing_mm": 3})
        assert list(errors_of(auth_client.post(TRACKS, data, format="json"))) == ["sleepering.spacing_mm"]

    def test_chairs_wider_than_sleeper_names_the_override(self, auth_client, oo_bf):
        data = body(oo_bf, sleepering={"sleeper_width_mm": 2.0})
        errors = errors_of(auth_client.post(TRACKS, data, format="json"))
        assert "sleepering.sleeper_width_mm" in errors
        assert "chair width" in errors["sleepering.sleeper_width_mm"][0]

    def test_chairs_wider_than_sleeper_names_the_component(self, auth_client, user, oo_bf):
        wide = ChairFactory(owner=user, width_in=12)
        errors = errors_of(auth_client.post(TRACKS, body(oo_bf, chair=str(wide.pk)), format="json"))
        assert "timber" in errors

    def test_sleeper_too_short_for_chairs(self, auth_client, oo_bf):
        errors = errors_of(auth_client.post(TRACKS, body(oo_bf, sleepering={"sleeper_length_mm": 20}), format="json"))
        assert "sleepering.sleeper_length_mm" in errors

    def test_custom_spacing_list_must_sum_to_rail_length(self, auth_client, oo_bf):
        spacings = [12, 27.5, 28, 29, *([31.0] * 17), 29, 28, 27.5]
        ok = auth_client.post(
            TRACKS,
            body(oo_bf, sleepering={"mode": "custom", "rail_length_ft": 60, "custom_spacings_in": spacings}),
            format="json",
        )
        assert ok.status_code == 201, ok.content
        assert ok.json()["sleeper_count"] == 24
        bad = spacings[:-1] + [30]
        errors = errors_of(
            auth_client.post(
                TRACKS,
                body(oo_bf, sleepering={"mode": "custom", "rail_length_ft": 60, "custom_spacings_in": bad}),
                format="json",
            )
        )
        assert list(errors) == ["sleepering.custom_spacings_in"]
        assert "must sum to 708" in errors["sleepering.custom_spacings_in"][0]

    def test_panel_without_table_is_rejected(self, auth_client, oo_bf):
        data = body(oo_bf, sleepering={"rail_length_ft": 45, "sleepers_per_length": 24})
        errors = errors_of(auth_client.post(TRACKS, data, format="json"))
        assert list(errors) == ["sleepering.sleepers_per_length"]
        assert "[19]" in errors["sleepering.sleepers_per_length"][0]

    def test_panel_rail_length_without_count_uses_its_table(self, auth_client, oo_bf):
        response = auth_client.post(
            TRACKS,
            body(oo_bf, sleepering={"rail_length_ft": 45}, alignment=[{"type": "straight", "length_mm": 180}]),
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["sleeper_count"] == 19

    @pytest.mark.parametrize(
        "segment,field",
        [
            ({"type": "straight", "length_mm": 2500}, "alignment.0.length_mm"),
            ({"type": "straight", "length_mm": 0.5}, "alignment.0.length_mm"),
            ({"type": "straight"}, "alignment.0.length_mm"),
            ({"type": "straight", "length_mm": 100, "radius_mm": 500}, "alignment.0.radius_mm"),
            ({"type": "arc", "angle_deg": 10}, "alignment.0.radius_mm"),
            ({"type": "arc", "radius_mm": 900, "angle_deg": 10, "length_mm": 100}, "alignment.0.angle_deg"),
            ({"type": "arc", "radius_mm": 900, "angle_deg": 400}, "alignment.0.angle_deg"),
            ({"type": "arc", "radius_mm": 900, "angle_deg": 10, "hand": "up"}, "alignment.0.hand"),
            ({"type": "transition", "length_mm": 200}, "alignment.0.radius_end_mm"),
            (
                {"type": "transition", "length_mm": 200, "radius_start_mm": 900, "radius_end_mm": 900},
                "alignment.0.radius_end_mm",
            ),
            ({"type": "spiral", "length_mm": 200}, "alignment.0.type"),
        ],
    )
    def test_segment_rules(self, auth_client, oo_bf, segment, field):
        errors = errors_of(auth_client.post(TRACKS, body(oo_bf, alignment=[segment]), format="json"))
        assert field in errors, errors

    def test_empty_alignment(self, auth_client, oo_bf):
        assert "alignment" in errors_of(auth_client.post(TRACKS, body(oo_bf, alignment=[]), format="json"))

    def test_total_length_limit(self, auth_client, oo_bf):
        segments = [{"type": "straight", "length_mm": 2000}] * 5 + [{"type": "straight", "length_mm": 10}]
        errors = errors_of(auth_client.post(TRACKS, body(oo_bf, alignment=segments), format="json"))
        assert list(errors) == ["alignment"]
        assert "10000" in errors["alignment"][0]

    def test_triangle_limit(self, auth_client, oo_bf, settings):
        settings.TRACK_MAX_TRIANGLES = 1000
        errors = errors_of(auth_client.post(TRACKS, body(oo_bf), format="json"))
        assert list(errors) == ["alignment"] and "triangles" in errors["alignment"][0]

    def test_slot_clearance_and_bed_ranges(self, auth_client, oo_bf):
        data = body(oo_bf, print_options={"slot_clearance_mm": 0.5, "bed_x_mm": 5, "print_process": "laser"})
        errors = errors_of(auth_client.post(TRACKS, data, format="json"))
        assert {"print_options.slot_clearance_mm", "print_options.bed_x_mm", "print_options.print_process"} <= set(
            errors
        )

    def test_flat_bottom_standard_rejects_bullhead_chairs(self, auth_client, ho, presets):
        errors = errors_of(auth_client.post(TRACKS, body(ho, chair=str(presets.chair("S1").pk)), format="json"))
        assert list(errors) == ["chair"]
        assert "us_flatbottom" in errors["chair"][0]

    def test_bullhead_standard_rejects_flat_bottom_rail(self, auth_client, oo_bf, presets):
        errors = errors_of(auth_client.post(TRACKS, body(oo_bf, rail=str(presets.rail("NMRA83").pk)), format="json"))
        assert list(errors) == ["rail"]

    def test_chair_restricted_to_another_rail(self, auth_client, user, oo_bf, presets):
        chair = ChairFactory(owner=user, rail_section=presets.rail("SMP75"))
        errors = errors_of(auth_client.post(TRACKS, body(oo_bf, chair=str(chair.pk)), format="json"))
        assert list(errors) == ["chair"]

    def test_missing_name_and_standard(self, auth_client):
        errors = errors_of(
            auth_client.post(TRACKS, {"alignment": [{"type": "straight", "length_mm": 10}]}, format="json")
        )
        assert {"name", "standard"} <= set(errors)

    def test_radius_under_warning_radius_is_accepted_with_warning(self, auth_client, oo_bf):
        data = body(
            oo_bf,
            alignment=[
                {"type": "transition", "length_mm": 100, "radius_start_mm": None, "radius_end_mm": 450},
                {"type": "arc", "radius_mm": 450, "angle_deg": 20, "hand": "left"},
            ],
            print_options={"print_process": "resin"},
        )
        response = auth_client.post(TRACKS, data, format="json")
        assert response.status_code == 201, response.content
        warnings = response.json()["warnings"]
        assert {w["field"] for w in warnings if "warning radius" in w["message"]} >= {
            "alignment.0.radius_end_mm",
            "alignment.1.radius_mm",
        }
        assert Track.objects.get(pk=response.json()["id"]).warnings == warnings

    def test_fdm_chair_feature_warning(self, auth_client, oo_bf):
        response = auth_client.post(TRACKS, body(oo_bf, print_options={"print_process": "fdm"}), format="json")
        assert response.status_code == 201
        assert any(w["field"] == "print_options.print_process" for w in response.json()["warnings"])

    def test_invalid_patch_leaves_track_unchanged(self, auth_client, user):
        track = TrackFactory(owner=user)
        response = auth_client.patch(
            detail(track), {"alignment": [{"type": "arc", "radius_mm": 20, "angle_deg": 90}]}, format="json"
        )
        assert response.status_code == 422
        track.refresh_from_db()
        assert track.alignment == [{"type": "straight", "length_mm": 240.0}]


# ----------------------------------------------------------------------- filters and ordering


@pytest.fixture
def catalogue(user, other_user, presets):
    """Five tracks of the user's (and one of another user's) with distinct properties."""
    p4 = presets.standard("P4")
    now = timezone.now()
    tracks = {
        "alpha": TrackFactory(owner=user, name="alpha yard", alignment=[{"type": "straight", "length_mm": 100}]),
        "bravo": TrackFactory(
            owner=user, name="bravo curve", standard=p4, alignment=[{"type": "arc", "radius_mm": 1200, "angle_deg": 10}]
        ),
        "charlie": TrackFactory(owner=user, name="charlie main", alignment=[{"type": "straight", "length_mm": 900}]),
        "delta": TrackFactory(
            owner=user,
            name="delta easement",
            alignment=[{"type": "transition", "length_mm": 300, "radius_start_mm": None, "radius_end_mm": 2000}],
        ),
        "echo": TrackFactory(
            owner=user, name="echo yard", rail=presets.rail("SMP75"), alignment=[{"type": "straight", "length_mm": 500}]
        ),
    }
    TrackFactory(owner=other_user, name="alpha of someone else")
    for i, key in enumerate(["alpha", "bravo", "charlie", "delta", "echo"]):
        stamp = now - timedelta(days=10 - i)
        Track.objects.filter(pk=tracks[key].pk).update(created=stamp, updated=stamp + timedelta(hours=1))
    return tracks


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [t["name"] for t in response.json()["results"]]


class TestFiltersAndOrdering:
    def test_default_ordering_is_most_recently_updated_first(self, auth_client, catalogue):
        assert names(auth_client.get(TRACKS)) == [
            "echo yard",
            "delta easement",
            "charlie main",
            "bravo curve",
            "alpha yard",
        ]

    def test_filter_by_standard_id_and_code(self, auth_client, catalogue, presets):
        p4 = presets.standard("P4")
        assert names(auth_client.get(TRACKS, {"standard": str(p4.pk)})) == ["bravo curve"]
        assert names(auth_client.get(TRACKS, {"standard_code": "p4"})) == ["bravo curve"]

    def test_filter_by_rail(self, auth_client, catalogue, presets):
        assert names(auth_client.get(TRACKS, {"rail": str(presets.rail("SMP75").pk)})) == ["echo yard"]
        assert names(auth_client.get(TRACKS, {"rail_code": "SMP75"})) == ["echo yard"]

    def test_filter_by_curves_and_segment_type(self, auth_client, catalogue):
        assert set(names(auth_client.get(TRACKS, {"has_curves": "true"}))) == {"bravo curve", "delta easement"}
        assert set(names(auth_client.get(TRACKS, {"has_curves": "false"}))) == {
            "alpha yard",
            "charlie main",
            "echo yard",
        }
        assert names(auth_client.get(TRACKS, {"segment_type": "transition"})) == ["delta easement"]
        assert names(auth_client.get(TRACKS, {"segment_type": "arc"})) == ["bravo curve"]

    def test_filter_by_name_contains(self, auth_client, catalogue):
        assert names(auth_client.get(TRACKS, {"name": "YARD", "ordering": "name"})) == ["alpha yard", "echo yard"]

    def test_filter_by_created_and_updated_ranges(self, auth_client, catalogue):
        now = timezone.now()
        after = (now - timedelta(days=8, hours=12)).isoformat()
        before = (now - timedelta(days=6, hours=12)).isoformat()
        got = names(auth_client.get(TRACKS, {"created_after": after, "created_before": before, "ordering": "name"}))
        assert got == ["charlie main", "delta easement"]
        got = names(auth_client.get(TRACKS, {"updated_after": (now - timedelta(days=6, hours=12)).isoformat()}))
        assert got == ["echo yard"]
        got = names(auth_client.get(TRACKS, {"updated_before": (now - timedelta(days=8, hours=12)).isoformat()}))
        assert set(got) == {"alpha yard", "bravo curve"}

    def test_filter_by_length_range(self, auth_client, catalogue):
        got = names(auth_client.get(TRACKS, {"min_length": 250, "max_length": 600, "ordering": "length"}))
        assert got == ["delta easement", "echo yard"]

    @pytest.mark.parametrize(
        "ordering,expected",
        [
            ("name", ["alpha yard", "bravo curve", "charlie main", "delta easement", "echo yard"]),
            ("-name", ["echo yard", "delta easement", "charlie main", "bravo curve", "alpha yard"]),
            ("length", ["alpha yard", "bravo curve", "delta easement", "echo yard", "charlie main"]),
            ("-length", ["charlie main", "echo yard", "delta easement", "bravo curve", "alpha yard"]),
            ("created", ["alpha yard", "bravo curve", "charlie main", "delta easement", "echo yard"]),
            ("-updated", ["echo yard", "delta easement", "charlie main", "bravo curve", "alpha yard"]),
        ],
    )
    def test_ordering_whitelist(self, auth_client, catalogue, ordering, expected):
        assert names(auth_client.get(TRACKS, {"ordering": ordering})) == expected

    @pytest.mark.parametrize(
        "params",
        [
            {"ordering": "owner"},
            {"ordering": "total_length_mm"},
            {"standard": "not-a-uuid"},
            {"segment_type": "helix"},
            {"created_after": "yesterday"},
        ],
    )
    def test_bad_filter_or_ordering_is_422(self, auth_client, catalogue, params):
        response = auth_client.get(TRACKS, params)
        assert response.status_code == 422
        assert set(response.json()["errors"]) <= {*params, "created"}


class TestPagination:
    def test_page_size_and_boundaries(self, auth_client, catalogue):
        first = auth_client.get(TRACKS, {"page_size": 2, "ordering": "name"}).json()
        assert first["count"] == 5 and first["previous"] is None and first["next"]
        assert [t["name"] for t in first["results"]] == ["alpha yard", "bravo curve"]
        last = auth_client.get(TRACKS, {"page_size": 2, "page": 3, "ordering": "name"}).json()
        assert [t["name"] for t in last["results"]] == ["echo yard"] and last["next"] is None
        assert auth_client.get(TRACKS, {"page_size": 2, "page": 4}).status_code == 404
        assert auth_client.get(TRACKS, {"page": "last", "page_size": 2}).json()["results"][0]["name"]

    def test_page_size_is_capped(self, auth_client, catalogue, settings):
        settings.API_MAX_PAGE_SIZE = 3
        data = auth_client.get(TRACKS, {"page_size": 1000}).json()
        assert len(data["results"]) == 3 and data["count"] == 5


def test_list_query_count_is_flat(auth_client, user, presets):
    def count_queries(n_total: int) -> int:
        while Track.objects.filter(owner=user).count() < n_total:
            TrackFactory(owner=user, rail=presets.rail("SMP75"), chair=presets.chair("S1"))
        with CaptureQueriesContext(connection) as ctx:
            response = auth_client.get(TRACKS, {"page_size": 50})
        assert response.status_code == 200 and response.json()["count"] == n_total
        return len(ctx.captured_queries)

    two = count_queries(2)
    twenty = count_queries(20)
    assert twenty == two, f"{two} queries for 2 tracks, {twenty} for 20"
    assert two <= 4


def test_detail_query_count(auth_client, user, django_assert_max_num_queries):
    track = TrackFactory(owner=user)
    with django_assert_max_num_queries(3):
        assert auth_client.get(detail(track)).status_code == 200

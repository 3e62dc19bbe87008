"""Bad input and abuse (issue 7): every write route gets hostile bodies and must answer a clear 4xx
in the error envelope, with nothing stored.

Targets: /api/register/, /api/tracks/ (POST, PUT, PATCH), /api/stl/generate/ (inline track and
track_id) and component creation (/api/rails/, /api/timbers/, /api/chairs/, /api/standards/).
Each target has a valid body that is accepted (the control: the same harness does see a write),
and a "field" to corrupt: a number for the numeric cases, a name for the text cases.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from apps.catalog.models import ChairComponent, RailSection, Standard, TimberComponent, Track
from apps.catalog.tests.factories import TrackFactory, preset
from apps.generation.models import GenerationJob, StlFile
from conftest import bearer_for

pytestmark = pytest.mark.django_db

User = get_user_model()
MODELS = (User, Track, RailSection, TimberComponent, ChairComponent, Standard, GenerationJob, StlFile)


@pytest.fixture(autouse=True)
def _no_limits_no_broker(settings, monkeypatch):
    from apps.generation import services

    settings.RATELIMIT_ENABLED = False
    monkeypatch.setattr(services, "job_enqueue", lambda *, job_id: None)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def track_body(**over) -> dict[str, Any]:
    body = {
        "name": "Up main",
        "standard": str(preset(Standard, "OO-BF").pk),
        "alignment": [{"type": "straight", "length_mm": 120}],
    }
    body.update(over)
    return body


@dataclass
class Target:
    """One write route. ``number`` and ``name`` are paths into the body for the corrupted field."""

    id: str
    method: str
    path: Callable[[Any], str]
    body: Callable[[], dict[str, Any]]
    number: tuple | None
    name: tuple | None
    ok: int
    anonymous: bool = False


def _put(body: dict, path: tuple, value: Any) -> dict:
    body = json.loads(json.dumps(body))
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


TARGETS = [
    Target(
        "register",
        "post",
        lambda t: "/api/register/",
        lambda: {"username": "newbie", "email": "newbie@example.com", "password": "Correct-Horse-42-battery"},
        ("bed_x_mm",),
        ("username",),
        201,
        anonymous=True,
    ),
    Target("track-create", "post", lambda t: "/api/tracks/", track_body, ("alignment", 0, "length_mm"), ("name",), 201),
    Target(
        "track-put", "put", lambda t: f"/api/tracks/{t.pk}/", track_body, ("alignment", 0, "length_mm"), ("name",), 200
    ),
    Target(
        "track-patch",
        "patch",
        lambda t: f"/api/tracks/{t.pk}/",
        lambda: {"name": "Renamed", "alignment": [{"type": "straight", "length_mm": 80}]},
        ("alignment", 0, "length_mm"),
        ("name",),
        200,
    ),
    Target(
        "generate-inline",
        "post",
        lambda t: "/api/stl/generate/",
        lambda: {"track": track_body()},
        ("track", "alignment", 0, "length_mm"),
        ("track", "name"),
        202,
    ),
    Target(
        "generate-track-id",
        "post",
        lambda t: "/api/stl/generate/",
        None,  # filled per test: needs the saved track's id
        ("track_id",),
        ("track_id",),
        202,
    ),
    Target(
        "rail-create",
        "post",
        lambda t: "/api/rails/",
        lambda: {
            "code": "MYRAIL",
            "name": "My rail",
            "height_mm": 1.9,
            "head_width_mm": 0.9,
            "head_depth_mm": 0.5,
            "foot_width_mm": 0.9,
            "foot_depth_mm": 0.34,
            "web_thickness_mm": 0.35,
        },
        ("height_mm",),
        ("name",),
        201,
    ),
    Target(
        "timber-create",
        "post",
        lambda t: "/api/timbers/",
        lambda: {"code": "MYTIMBER", "name": "My timber", "length_in": 102, "width_in": 10, "depth_in": 5},
        ("length_in",),
        ("name",),
        201,
    ),
    Target(
        "chair-create",
        "post",
        lambda t: "/api/chairs/",
        lambda: {
            "code": "MYCHAIR",
            "name": "My chair",
            "field_side_in": 9.25,
            "gauge_side_in": 5.25,
            "width_in": 8,
            "seat_in": 1.75,
        },
        ("width_in",),
        ("name",),
        201,
    ),
    Target(
        "standard-create",
        "post",
        lambda t: "/api/standards/",
        lambda: {
            "code": "MYSTD",
            "name": "My standard",
            "scale_mm_per_ft": 4.0,
            "gauge_mm": 18.83,
            "flangeway_mm": 0.67,
            "check_gauge_mm": 18.16,
            "default_rail": str(preset(RailSection, "CL75").pk),
            "default_timber": str(preset(TimberComponent, "BH-PLAIN").pk),
        },
        ("gauge_mm",),
        ("name",),
        201,
    ),
]


@pytest.fixture
def track(user):
    return TrackFactory(owner=user, name="Original")


def track_state(track: Track) -> tuple:
    track.refresh_from_db()
    return track.name, track.alignment, track.sleepering, track.print_options, track.updated


def send(client, user, target: Target, track: Track, raw: bytes | str, content_type: str = "application/json"):
    headers = {} if target.anonymous else {"HTTP_AUTHORIZATION": bearer_for(user)}
    method = getattr(client, target.method)
    return method(target.path(track), data=raw, content_type=content_type, **headers)


def body_for(target: Target, track: Track) -> dict[str, Any]:
    if target.id == "generate-track-id":
        return {"track_id": str(track.pk)}
    return target.body()


def assert_refused(response, status: int, before: dict, after: dict, track_before: tuple, track_after: tuple):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert after == before, "a refused request stored something"
    assert track_after == track_before, "a refused request changed the track"


def run_refused(client, user, target, track, raw, status, content_type="application/json") -> dict:
    before, track_before = counts(), track_state(track)
    response = send(client, user, target, track, raw, content_type)
    assert_refused(response, status, before, counts(), track_before, track_state(track))
    return response.json()


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_valid_body_is_accepted_and_stored(client, user, track, target):
    """The control: the same harness sees a write when the body is good."""
    before, track_before = counts(), track_state(track)
    response = send(client, user, target, track, json.dumps(body_for(target, track)))
    assert response.status_code == target.ok, response.content[:500]
    if target.method == "post":
        assert counts() != before
    else:
        assert track_state(track) != track_before


# --- numbers ------------------------------------------------------------------------------------

# Raw JSON literals: Python's json reads 1e400 as inf and 1e309-digit integers as huge ints.
BAD_NUMBERS = {
    "huge-float": "1e308",
    "huge-negative": "-1e308",
    "overflow-float": "1e400",
    "huge-integer": "1" + "0" * 400,
    "int64-overflow": str(2**63),
    "negative": "-1",
    "zero": "0",
    "tiny-negative": "-1e-9",
    "nan": "NaN",
    "infinity": "Infinity",
    "minus-infinity": "-Infinity",
    "string": '"12abc"',
    "object": '{"$gt": 0}',
    "list": "[1, 2]",
}


@pytest.mark.parametrize("literal", BAD_NUMBERS.values(), ids=BAD_NUMBERS.keys())
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_bad_numbers_are_422(client, user, track, target, literal):
    marker = "__NUMBER__"
    raw = json.dumps(_put(body_for(target, track), target.number, marker)).replace(f'"{marker}"', literal)
    body = run_refused(client, user, target, track, raw, 422)
    assert body.get("errors"), body


# --- text -----------------------------------------------------------------------------------------

BAD_NAMES = {
    "nul": "Up\x00main",
    "bell": "Up\x07main",
    "escape-sequence": "\x1b[2J\x1b[31mred",
    "newline": "Up\nmain",
    "c1-control": "Up\x85main",
    "lone-surrogate": "Up\ud800main",
    "too-long": "x" * 5000,
    "empty": "",
    "not-a-string": {"$gt": ""},
}


@pytest.mark.parametrize("value", BAD_NAMES.values(), ids=BAD_NAMES.keys())
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_bad_names_are_422(client, user, track, target, value):
    if target.id == "generate-inline" and value == "":
        pytest.skip("an inline track may leave its name out or empty: it is called 'Untitled track'")
    raw = json.dumps(_put(body_for(target, track), target.name, value))
    body = run_refused(client, user, target, track, raw, 422)
    assert body.get("errors"), body


GOOD_NAMES = ["Gare de l'Est — quai n°2", "東京駅 🚂", "Øresund ↔ Malmö", "שלום"]


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_unicode_names_are_stored_exactly(auth_client, name):
    response = auth_client.post("/api/tracks/", track_body(name=name), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == name
    assert Track.objects.get(pk=response.json()["id"]).name == name


# --- whole bodies ---------------------------------------------------------------------------------


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BAD_BODIES = {
    "10-MB": (lambda: '{"name": "' + "x" * (10 * 1024 * 1024) + '"}', "application/json", 413),
    "nested-64": (lambda: '{"name": "a", "alignment": ' + _nested(64) + "}", "application/json", 422),
    "nested-100k": (lambda: _nested(100_000), "application/json", 422),
    "malformed": (lambda: '{"name": ', "application/json", 422),
    "not-utf8": (lambda: b'{"name": "\xff\xfe"}', "application/json", 422),
    "top-level-array": (lambda: "[]", "application/json", 422),
    "top-level-null": (lambda: "null", "application/json", 422),
    "top-level-string": (lambda: '"hello"', "application/json", 422),
    "empty": (lambda: "", "application/json", 422),
    "text-plain": (None, "text/plain", 415),
    "xml": (lambda: "<track><name>x</name></track>", "application/xml", 415),
    "json-labelled-octet-stream": (None, "application/octet-stream", 415),
}


@pytest.mark.parametrize("case", BAD_BODIES.keys())
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_bad_bodies_are_refused(client, user, track, target, case):
    make, content_type, status = BAD_BODIES[case]
    raw = make() if make else json.dumps(body_for(target, track))  # None: a valid body, wrong type
    if case == "empty" and target.method == "patch":
        status = 200  # an empty PATCH is a valid no-op; it must still store nothing new
        before = counts()
        response = send(client, user, target, track, raw, content_type)
        assert response.status_code == status and counts() == before
        return
    body = run_refused(client, user, target, track, raw, status, content_type)
    if status == 413:
        assert body["code"] == "request_too_large"
    if case.startswith("nested"):
        assert body["code"] == "json_too_deep" or body.get("errors"), body


# --- query strings --------------------------------------------------------------------------------

QUERY_CASES = [
    # PostgreSQL refuses UTC offsets beyond +-15:59 (Python allows +-23:59): a 500 before the fix.
    ("/api/tracks/?created_after=2020-01-01T00:00:00-23:55", 200),
    ("/api/rails/?updated_before=2020-01-01T00:00:00%2B23:59", 200),
    ("/api/downloads/?since=2020-01-01T00:00:00-23:55", 200),
    # Representable as written, not in UTC.
    ("/api/tracks/?created_before=9999-12-31T23:59:59-23:59", 422),
    ("/api/chairs/?created_after=0001-01-01T00:00:00%2B23:59", 422),
    ("/api/downloads/?until=9999-12-31T23:59:59-23:59", 422),
    ("/api/tracks/?created_after=not-a-date", 422),
    ("/api/tracks/?min_length=1e400", 422),
    ("/api/tracks/?max_length=-1e400", 200),  # no lower bound on this filter: simply no match
    ("/api/tracks/?min_length=NaN", 422),
    ("/api/standards/?gauge_mm=" + "9" * 400, 422),
    ("/api/tracks/?page=" + "9" * 40, 404),
    ("/api/tracks/?page_size=" + "9" * 40, 200),
    ("/api/downloads/?page=" + "9" * 40, 200),  # an OFFSET beyond bigint: a 500 before the fix
    ("/api/downloads/?page_size=-5", 200),
    ("/api/downloads/?page=-" + "9" * 40, 200),
    ("/api/timbers/?scale=1e400", 422),
    ("/api/timbers/?scale=NaN", 422),
    ("/api/tracks/?ordering=password", 422),
    ("/api/tracks/?ordering=owner__password", 422),
    ("/api/tracks/?name=%00", 422),
]


@pytest.mark.parametrize("url,status", QUERY_CASES, ids=[u for u, _ in QUERY_CASES])
def test_hostile_query_strings_get_a_clear_answer(client, user, url, status):
    TrackFactory(owner=user)
    response = client.get(url, HTTP_AUTHORIZATION=bearer_for(user))
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if status >= 400:
        assert isinstance(body["detail"], str) and body["detail"]

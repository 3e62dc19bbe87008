"""Authorization matrix (issue 7): every route that takes an object id, every method it has, as
anonymous (401), another user (404), the owner (2xx) and a staff user (404 for another's object).

Staff via JWT is an ordinary user for API ownership: the API scopes every object to its owner,
staff or not, so another user's object is 404 for staff too. Staff see everything in the Django
admin (session login), which is where support work happens; the public API has no "act as" path.

Then the JWT cases (expired, tampered, alg=none, foreign key, wrong algorithm, refresh-as-access,
deactivated user, after logout) on DRF and Ninja routes alike, and signed download links altered
field by field while keeping the signature.
"""

import base64
import json
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.audit.models import DownloadLog
from apps.catalog.models import ChairComponent, RailSection, Standard, TimberComponent, Track
from apps.catalog.tests.factories import (
    ChairFactory,
    RailSectionFactory,
    StandardFactory,
    TimberFactory,
    TrackFactory,
    preset,
)
from apps.common.signing import download_token_make
from apps.generation import services
from apps.generation.models import GenerationJob
from apps.generation.tests.conftest import small_spec
from apps.users.tests.factories import UserFactory
from conftest import bearer_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits_no_broker(settings, monkeypatch):
    settings.RATELIMIT_ENABLED = False
    monkeypatch.setattr(services, "job_enqueue", lambda *, job_id: None)


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


# --- the owner's objects --------------------------------------------------------------------------


def _rail_body(code):
    return {
        "code": code, "name": "Rail", "height_mm": 1.9, "head_width_mm": 0.9, "head_depth_mm": 0.5,
        "foot_width_mm": 0.9, "foot_depth_mm": 0.34, "web_thickness_mm": 0.35,
    }


def _timber_body(code):
    return {"code": code, "name": "Timber", "length_in": 102, "width_in": 10, "depth_in": 5}


def _chair_body(code):
    return {"code": code, "name": "Chair", "field_side_in": 9.25, "gauge_side_in": 5.25, "width_in": 8, "seat_in": 1.75}


def _standard_body(code):
    return {
        "code": code, "name": "Standard", "scale_mm_per_ft": 4.0, "gauge_mm": 18.83, "flangeway_mm": 0.67,
        "check_gauge_mm": 18.16, "default_rail": str(preset(RailSection, "CL75").pk),
        "default_timber": str(preset(TimberComponent, "BH-PLAIN").pk),
    }


def _track_body(code):
    return {
        "name": f"Track {code}", "standard": str(preset(Standard, "OO-BF").pk),
        "alignment": [{"type": "straight", "length_mm": 100}],
    }


@dataclass
class Resource:
    route: str
    model: type
    factory: Any
    put_body: Any  # code -> full body


RESOURCES = {
    "tracks": Resource("tracks", Track, TrackFactory, _track_body),
    "rails": Resource("rails", RailSection, RailSectionFactory, _rail_body),
    "timbers": Resource("timbers", TimberComponent, TimberFactory, _timber_body),
    "chairs": Resource("chairs", ChairComponent, ChairFactory, _chair_body),
    "standards": Resource("standards", Standard, StandardFactory, _standard_body),
}

# (operation, method, path suffix, body, owner status)
DRF_OPERATIONS = [
    ("retrieve", "get", "", None, 200),
    ("update", "put", "", "full", 200),
    ("partial_update", "patch", "", {"name": "Changed by the caller"}, 200),
    ("destroy", "delete", "", None, 204),
    ("duplicate", "post", "duplicate/", None, 201),
]
ACTORS = ["anonymous", "other", "staff", "owner"]


def _client_headers(actor: str, owner, other_user, staff) -> dict[str, str]:
    who = {"anonymous": None, "other": other_user, "staff": staff, "owner": owner}[actor]
    return {} if who is None else {"HTTP_AUTHORIZATION": bearer_for(who)}


def _snapshot(model, pk) -> dict | None:
    row = model.objects.filter(pk=pk).values().first()
    return row


def _assert_refused(response, status: int, bearer: bool = True):
    """``bearer``: the credential was (or should have been) an Authorization header, so a 401 must
    name the scheme; refresh tokens and download links travel in the body or the query."""
    assert response.status_code == status, response.content[:400]
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) <= {"detail", "code", "errors"}
    if status == 401 and bearer:
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", DRF_OPERATIONS, ids=lambda op: op[0])
@pytest.mark.parametrize("resource", RESOURCES.values(), ids=lambda r: r.route)
def test_drf_object_routes(client, user, other_user, staff, resource, operation, actor):
    name, method, suffix, body, owner_status = operation
    obj = resource.factory(owner=user)
    url = f"/api/{resource.route}/{obj.pk}/{suffix}"
    if body == "full":
        body = resource.put_body(getattr(obj, "code", "x"))
    before_rows = resource.model.objects.count()
    before = _snapshot(resource.model, obj.pk)
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(url, **kwargs, **_client_headers(actor, user, other_user, staff))

    if actor == "owner":
        assert response.status_code == owner_status, response.content[:400]
        if method == "delete":
            assert not resource.model.objects.filter(pk=obj.pk).exists()
        elif method == "get":
            assert response.json()["id"] == str(obj.pk)
        elif name == "duplicate":
            copy = resource.model.objects.get(pk=response.json()["id"])
            assert copy.pk != obj.pk and copy.owner == user
        else:
            assert response.json()["id"] == str(obj.pk)
            assert _snapshot(resource.model, obj.pk) != before
        return
    _assert_refused(response, 401 if actor == "anonymous" else 404)
    if actor != "anonymous":
        # Exactly what a missing id answers: no existence oracle for other users' objects.
        missing = getattr(client, method)(
            f"/api/{resource.route}/00000000-0000-4000-8000-000000000000/{suffix}",
            **kwargs, **_client_headers(actor, user, other_user, staff),
        )
        assert (missing.status_code, missing.json()) == (404, response.json())
    assert _snapshot(resource.model, obj.pk) == before, "a refused request changed the object"
    assert resource.model.objects.count() == before_rows, "a refused request created or deleted rows"


@pytest.mark.parametrize("route", [*RESOURCES, "tracks/not-a-uuid/duplicate"])
def test_ids_that_are_not_uuids_are_a_json_404_not_an_html_page(client, user, route):
    path = f"/api/{route}/" if "/" in route else f"/api/{route}/12345/"
    response = client.get(path, HTTP_AUTHORIZATION=bearer_for(user))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_ninja_ids_that_are_not_uuids_are_422(client, user):
    for path in ("/api/stl/status/12345/", "/api/stl/download/12345/", "/api/downloads/12345/"):
        method = client.delete if path.startswith("/api/downloads/") else client.get
        response = method(path, HTTP_AUTHORIZATION=bearer_for(user))
        assert response.status_code == 422, path
        assert response.json()["detail"] == "Validation failed." and response.json()["errors"]


@pytest.mark.parametrize("route,model", [("rails", RailSection), ("timbers", TimberComponent),
                                         ("chairs", ChairComponent), ("standards", Standard)])
def test_presets_are_readable_and_duplicable_but_read_only_for_everyone_including_staff(
    client, user, staff, route, model
):
    obj = model.objects.filter(owner__isnull=True).first()
    url = f"/api/{route}/{obj.pk}/"
    before = _snapshot(model, obj.pk)
    assert client.get(url).status_code == 401
    for who in (user, staff):
        auth = {"HTTP_AUTHORIZATION": bearer_for(who)}
        assert client.get(url, **auth).status_code == 200
        response = client.patch(url, data='{"name": "Mine now"}', content_type="application/json", **auth)
        _assert_refused(response, 403)
        assert "duplicate" in response.json()["detail"]
        _assert_refused(client.delete(url, **auth), 403)
        copy = client.post(f"{url}duplicate/", **auth)
        assert copy.status_code == 201 and copy.json()["is_preset"] is False
    assert _snapshot(model, obj.pk) == before


# --- Ninja routes: status, download, download history ---------------------------------------------


@pytest.fixture
def finished(user, django_capture_on_commit_callbacks, client):
    """A completed job of ``user`` with its file, downloaded once (one history entry)."""
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_submit(user=user, spec=small_spec(), track_name="Matrix")
    services.job_run(job_id=job.pk, worker_id="w1")
    job.refresh_from_db()
    assert job.file_id is not None
    response = client.get(f"/api/stl/download/{job.file_id}/", HTTP_AUTHORIZATION=bearer_for(user))
    assert response.status_code == 200
    return job, DownloadLog.objects.get(user=user)


NINJA_OPERATIONS = {
    "status": ("get", lambda job, log: f"/api/stl/status/{job.pk}/", 200),
    "download": ("get", lambda job, log: f"/api/stl/download/{job.file_id}/", 200),
    "history-delete": ("delete", lambda job, log: f"/api/downloads/{log.pk}/", 204),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", NINJA_OPERATIONS, ids=str)
def test_ninja_object_routes(client, user, other_user, staff, finished, operation, actor):
    job, log = finished
    method, make_url, owner_status = NINJA_OPERATIONS[operation]
    response = getattr(client, method)(make_url(job, log), **_client_headers(actor, user, other_user, staff))
    downloads_before = DownloadLog.objects.count()
    if actor == "owner":
        assert response.status_code == owner_status, response.content[:400]
        if operation == "status":
            assert response.json()["task_id"] == str(job.pk) and response.json()["status"] == "completed"
        elif operation == "download":
            assert response["Content-Type"] == job.file.content_type
            assert len(b"".join(response)) == job.file.size_bytes
        else:
            history = client.get("/api/downloads/", HTTP_AUTHORIZATION=bearer_for(user)).json()
            assert history["count"] == 0
        return
    _assert_refused(response, 401 if actor == "anonymous" else 404)
    if actor != "anonymous":
        assert response.json() == {"detail": "Not found."}
    # Nothing leaked or changed: the owner's history entry is still there, no download was logged.
    log.refresh_from_db()
    assert log.hidden_at is None
    assert DownloadLog.objects.count() == downloads_before
    assert client.get("/api/downloads/", HTTP_AUTHORIZATION=bearer_for(user)).json()["count"] == 1


def test_history_lists_only_the_callers_downloads_staff_included(client, user, staff, finished):
    assert client.get("/api/downloads/", HTTP_AUTHORIZATION=bearer_for(user)).json()["count"] == 1
    assert client.get("/api/downloads/", HTTP_AUTHORIZATION=bearer_for(staff)).json()["count"] == 0


def test_generate_from_another_users_track_is_404_and_creates_no_job(client, user, other_user, staff):
    track = TrackFactory(owner=user)
    for who in (other_user, staff):
        response = client.post(
            "/api/stl/generate/", data=json.dumps({"track_id": str(track.pk)}), content_type="application/json",
            HTTP_AUTHORIZATION=bearer_for(who),
        )
        _assert_refused(response, 404)
    assert not GenerationJob.objects.exists()
    response = client.post(
        "/api/stl/generate/", data=json.dumps({"track_id": str(track.pk)}), content_type="application/json",
        HTTP_AUTHORIZATION=bearer_for(user),
    )
    assert response.status_code == 202 and GenerationJob.objects.get().owner == user


def test_tracks_may_not_use_another_users_components(client, user, other_user):
    """References inside a body are scoped too: another user's rail is "does not exist" (422)."""
    theirs = RailSectionFactory(owner=other_user)
    body = {**_track_body("x"), "rail": str(theirs.pk)}
    response = client.post("/api/tracks/", data=json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=bearer_for(user))
    assert response.status_code == 422
    assert "rail" in response.json()["errors"]
    assert not Track.objects.exists()


# --- JWTs -------------------------------------------------------------------------------------------


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    decode = lambda s: json.loads(base64.urlsafe_b64decode(pad(s)))  # noqa: E731
    return decode(header), decode(payload), signature


def _claims(user) -> dict:
    return dict(AccessToken.for_user(user).payload)


def expired(user, other_user):
    token = AccessToken.for_user(user)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=15))
    return str(token)


def tampered_signature(user, other_user):
    token = str(AccessToken.for_user(user))
    return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


def other_user_id_same_signature(user, other_user):
    header, payload, signature = _parts(str(AccessToken.for_user(user)))
    payload["user_id"] = str(other_user.pk) if isinstance(payload["user_id"], str) else other_user.pk
    return f"{_b64(header)}.{_b64(payload)}.{signature}"


def alg_none(user, other_user):
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(user))}."


def alg_none_with_signature(user, other_user):
    signature = str(AccessToken.for_user(user)).split(".")[2]
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(user))}.{signature}"


def foreign_key(user, other_user):
    return jwt.encode(_claims(user), "someone-elses-signing-key-0123456789abcdef", algorithm="HS256")


def right_key_wrong_algorithm(user, other_user):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns that the test key is short for HS512
        return jwt.encode(_claims(user), django_settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS512")


def refresh_as_access(user, other_user):
    return str(RefreshToken.for_user(user))


def no_token_type(user, other_user):
    claims = _claims(user)
    claims.pop("token_type")
    return jwt.encode(claims, django_settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")


def garbage(user, other_user):
    return "not.a.jwt"


def deactivated_user(user, other_user):
    token = str(AccessToken.for_user(user))
    user.is_active = False
    user.save(update_fields=["is_active"])
    return token


def deleted_user(user, other_user):
    token = str(AccessToken.for_user(user))
    Track.objects.filter(owner=user).delete()
    GenerationJob.objects.filter(owner=user).delete()
    user.delete()
    return token


BAD_TOKENS = [
    expired, tampered_signature, other_user_id_same_signature, alg_none, alg_none_with_signature, foreign_key,
    right_key_wrong_algorithm, refresh_as_access, no_token_type, garbage, deactivated_user, deleted_user,
]


@pytest.fixture
def someones_job(other_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.job_submit(user=other_user, spec=small_spec(), track_name="x")


PROTECTED = {
    "drf-profile": ("get", lambda job: "/api/profile/", None),
    "drf-tracks": ("get", lambda job: "/api/tracks/", None),
    "drf-track-create": ("post", lambda job: "/api/tracks/", "track"),
    "ninja-status": ("get", lambda job: f"/api/stl/status/{job.pk}/", None),
    "ninja-downloads": ("get", lambda job: "/api/downloads/", None),
    "ninja-generate": ("post", lambda job: "/api/stl/generate/", "generate"),
    "ninja-download-by-jwt": ("get", lambda job: f"/api/stl/download/{job.pk}/", None),
}


@pytest.mark.parametrize("route", PROTECTED)
@pytest.mark.parametrize("make_token", BAD_TOKENS, ids=lambda f: f.__name__)
def test_bad_tokens_are_401_on_drf_and_ninja(client, user, other_user, someones_job, route, make_token):
    method, make_url, body = PROTECTED[route]
    token = make_token(user, other_user)
    data = {"track": _track_body("x")} if body == "generate" else _track_body("x") if body else None
    kwargs = {"data": json.dumps(data), "content_type": "application/json"} if data else {}
    jobs, tracks = GenerationJob.objects.count(), Track.objects.count()
    response = getattr(client, method)(make_url(someones_job), HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)
    _assert_refused(response, 401)
    assert (GenerationJob.objects.count(), Track.objects.count()) == (jobs, tracks)


@pytest.mark.parametrize("route", PROTECTED)
def test_the_same_routes_accept_a_good_token(client, user, other_user, someones_job, route):
    """The control for the case above: the harness gets past authentication with a valid token."""
    method, make_url, body = PROTECTED[route]
    data = {"track": _track_body("x")} if body == "generate" else _track_body("x") if body else None
    kwargs = {"data": json.dumps(data), "content_type": "application/json"} if data else {}
    response = getattr(client, method)(make_url(someones_job), HTTP_AUTHORIZATION=bearer_for(user), **kwargs)
    # someones_job is another user's: 404 there proves the token was accepted and scoping applied.
    expected = {"ninja-status": 404, "ninja-download-by-jwt": 404, "drf-track-create": 201, "ninja-generate": 202}
    assert response.status_code == expected.get(route, 200), response.content[:300]


def _login(client, user, password) -> dict:
    response = client.post("/api/login/", data=json.dumps({"username": user.username, "password": password}),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def test_refresh_after_logout_is_401_and_logout_is_not_replayable(client, user, password):
    tokens = _login(client, user, password)
    assert client.post("/api/logout/", data=json.dumps({"refresh": tokens["refresh"]}),
                       content_type="application/json").status_code == 204
    response = client.post("/api/token/refresh/", data=json.dumps({"refresh": tokens["refresh"]}),
                           content_type="application/json")
    _assert_refused(response, 401, bearer=False)
    assert "access" not in response.json()
    again = client.post("/api/logout/", data=json.dumps({"refresh": tokens["refresh"]}),
                        content_type="application/json")
    _assert_refused(again, 401, bearer=False)


def test_rotated_refresh_token_cannot_be_reused(client, user, password):
    tokens = _login(client, user, password)
    first = client.post("/api/token/refresh/", data=json.dumps({"refresh": tokens["refresh"]}),
                        content_type="application/json")
    assert first.status_code == 200 and first.json()["refresh"] != tokens["refresh"]
    replay = client.post("/api/token/refresh/", data=json.dumps({"refresh": tokens["refresh"]}),
                         content_type="application/json")
    _assert_refused(replay, 401, bearer=False)


def test_access_token_cannot_refresh_or_log_out(client, user, password):
    tokens = _login(client, user, password)
    for path in ("/api/token/refresh/", "/api/logout/"):
        response = client.post(path, data=json.dumps({"refresh": tokens["access"]}), content_type="application/json")
        _assert_refused(response, 401, bearer=False)


@pytest.mark.parametrize("path", ["/api/profile/", "/api/downloads/"])
def test_access_token_after_logout_is_401(client, user, password, path):
    tokens = _login(client, user, password)
    assert client.post("/api/logout/", data=json.dumps({"refresh": tokens["refresh"]}),
                       content_type="application/json").status_code == 204
    response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert response.status_code == 401


def test_a_staff_session_is_not_api_ownership(client, staff, user):
    """Staff logged in to the admin (session) still see only their own tracks through the API."""
    TrackFactory(owner=user)
    client.force_login(staff)
    response = client.get("/api/tracks/")
    assert response.status_code == 200 and response.json()["count"] == 0


# --- signed download links: altered fields, signature kept -------------------------------------------

_SALT = "trackforge.stl-download.v1"


def _payload_of(token: str) -> tuple[dict, str]:
    """Splits a django.core.signing token ("payload:timestamp:signature") into the payload and the
    untouched "timestamp:signature" tail."""
    _, timestamp, signature = token.rsplit(":", 2)
    return signing.loads(token, salt=_SALT), f"{timestamp}:{signature}"


def _forge(payload: dict, signature: str) -> str:
    """Re-encodes a payload exactly as signing.dumps does (compressed), keeping the old tail."""
    import zlib

    data = json.dumps(payload, separators=(",", ":")).encode()
    compressed = zlib.compress(data)
    encoded = signing.b64_encode(compressed if len(compressed) < len(data) - 1 else data).decode()
    prefix = "." if len(compressed) < len(data) - 1 else ""
    return f"{prefix}{encoded}:{signature}"


@pytest.fixture
def two_files(user, other_user, django_capture_on_commit_callbacks):
    jobs = []
    for owner, length in ((user, 40.0), (other_user, 60.0)):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.job_submit(user=owner, spec=small_spec(length), track_name="Link")
        services.job_run(job_id=job.pk, worker_id="w1")
        job.refresh_from_db()
        jobs.append(job)
    return jobs


def _fetch(client, file_id, token):
    return client.get(f"/api/stl/download/{file_id}/", {"token": token})


def test_forged_links_control_an_untouched_re_encoded_link_is_accepted(client, user, two_files):
    mine, _ = two_files
    token = download_token_make(file_id=str(mine.file_id), user_id=user.pk, ttl_seconds=60)
    payload, signature = _payload_of(token)
    assert _forge(payload, signature) == token  # the forging helper reproduces real tokens exactly
    assert _fetch(client, mine.file_id, token).status_code == 200


@pytest.mark.parametrize("field", ["u", "f", "e"])
def test_links_altered_in_any_field_are_refused(client, user, other_user, two_files, field):
    mine, theirs = two_files
    token = download_token_make(file_id=str(mine.file_id), user_id=user.pk, ttl_seconds=60)
    payload, signature = _payload_of(token)
    target_file = mine.file_id
    if field == "u":  # claim the other user's identity for their own file
        payload["u"] = other_user.pk
        payload["f"] = str(theirs.file_id)
        target_file = theirs.file_id
    elif field == "f":  # point my link at their file
        payload["f"] = str(theirs.file_id)
        target_file = theirs.file_id
    else:  # extend the expiry by a year
        payload["e"] = int(time.time()) + 365 * 86400
    response = _fetch(client, target_file, _forge(payload, signature))
    _assert_refused(response, 401, bearer=False)
    assert "altered" in response.json()["detail"]
    assert not DownloadLog.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["", "garbage", ":", "e30:AAAA", signing.dumps({"f": "x", "u": 1, "e": 9999999999}, salt="another.purpose")],
    ids=["empty", "garbage", "colon", "no-signature", "other-salt"],
)
def test_malformed_or_foreign_links_are_refused(client, user, two_files, token):
    mine, _ = two_files
    response = _fetch(client, mine.file_id, token)
    # An empty token is no token: anonymous, so 401 with the bearer challenge.
    _assert_refused(response, 401, bearer=token == "")
    assert not DownloadLog.objects.exists()


def test_a_valid_link_cannot_be_replayed_for_another_users_file_even_by_its_path(client, user, two_files):
    mine, theirs = two_files
    token = download_token_make(file_id=str(mine.file_id), user_id=user.pk, ttl_seconds=60)
    _assert_refused(_fetch(client, theirs.file_id, token), 403)
    assert not DownloadLog.objects.exists()

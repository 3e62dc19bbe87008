import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from apps.users.models import User

pytestmark = pytest.mark.django_db

REGISTER = "/api/register/"
LOGIN = "/api/login/"
REFRESH = "/api/token/refresh/"
LOGOUT = "/api/logout/"
PROFILE = "/api/profile/"


def _register(client, **overrides):
    body = {"username": "brunel", "email": "Isambard@GWR.example", "password": "Broad-Gauge-1838!"}
    body.update(overrides)
    return client.post(REGISTER, body, format="json")


class TestRegister:
    def test_creates_account_and_returns_profile_without_password(self, api_client):
        response = _register(api_client)
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["username"] == "brunel"
        assert body["email"] == "Isambard@GWR.example"
        assert body["print_process"] == "fdm"
        assert "password" not in body and "Broad-Gauge" not in response.content.decode()
        user = User.objects.get(username="brunel")
        assert user.check_password("Broad-Gauge-1838!")

    def test_duplicate_username_is_422_on_username(self, api_client, user):
        response = _register(api_client, username=user.username.upper())
        assert response.status_code == 422
        assert "username" in response.json()["errors"]
        assert User.objects.count() == 1

    def test_duplicate_email_in_another_case_is_422_on_email(self, api_client, user):
        response = _register(api_client, email=user.email.upper())
        assert response.status_code == 422
        assert list(response.json()["errors"]) == ["email"]

    @pytest.mark.parametrize("weak", ["short1", "password123", "12345678901"])
    def test_weak_password_is_422_on_password(self, api_client, weak):
        response = _register(api_client, password=weak)
        assert response.status_code == 422
        body = response.json()
        assert body["detail"] == "Validation failed."
        assert body["errors"]["password"]
        assert not User.objects.exists()

    def test_missing_fields_get_one_message_each(self, api_client):
        response = api_client.post(REGISTER, {}, format="json")
        assert response.status_code == 422
        assert set(response.json()["errors"]) == {"username", "email", "password"}

    def test_bad_profile_values_are_422(self, api_client):
        response = _register(api_client, print_process="laser", bed_x_mm=5)
        assert response.status_code == 422
        assert set(response.json()["errors"]) == {"print_process", "bed_x_mm"}


class TestLogin:
    def test_username_or_email_returns_token_pair(self, api_client, user, password):
        for login in (user.username, user.email.upper()):
            response = api_client.post(LOGIN, {"username": login, "password": password}, format="json")
            assert response.status_code == 200, response.content
            tokens = response.json()
            assert set(tokens) == {"access", "refresh"}
            profile = api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
            assert profile.status_code == 200
            assert profile.json()["username"] == user.username

    @pytest.mark.parametrize("case", ["wrong_password", "unknown_user", "inactive"])
    def test_failures_are_401_with_the_same_message(self, api_client, user, password, case):
        login, pw = user.username, password
        if case == "wrong_password":
            pw = "not-the-password"
        elif case == "unknown_user":
            login = "nobody-here"
        else:
            user.is_active = False
            user.save()
        response = api_client.post(LOGIN, {"username": login, "password": pw}, format="json")
        assert response.status_code == 401
        assert response.json()["detail"] == "Invalid username/email or password."

    def test_missing_fields_are_422(self, api_client):
        response = api_client.post(LOGIN, {"username": "x"}, format="json")
        assert response.status_code == 422
        assert list(response.json()["errors"]) == ["password"]


class TestRefreshAndLogout:
    def _tokens(self, api_client, user, password):
        return api_client.post(LOGIN, {"username": user.username, "password": password}, format="json").json()

    def test_refresh_rotates_and_old_token_is_refused(self, api_client, user, password):
        tokens = self._tokens(api_client, user, password)
        first = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
        assert first.status_code == 200
        new = first.json()
        assert new["refresh"] != tokens["refresh"] and new["access"]
        again = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
        assert again.status_code == 401
        assert api_client.post(REFRESH, {"refresh": new["refresh"]}, format="json").status_code == 200

    def test_logout_blacklists_refresh_token(self, api_client, user, password):
        tokens = self._tokens(api_client, user, password)
        assert api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 204
        assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
        assert api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 401

    def test_refresh_token_is_not_an_access_token(self, api_client, user):
        refresh = RefreshToken.for_user(user)
        response = api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {refresh}")
        assert response.status_code == 401


class TestProfile:
    def test_read(self, auth_client):
        response = auth_client.get(PROFILE)
        assert response.status_code == 200
        body = response.json()
        assert body["username"] == auth_client.user.username
        assert {"bed_x_mm", "bed_y_mm", "print_process", "preferred_standard", "date_joined"} <= set(body)

    def test_patch_and_put_update_but_username_is_read_only(self, auth_client):
        response = auth_client.patch(
            PROFILE, {"print_process": "resin", "bed_x_mm": 192, "username": "hacker"}, format="json"
        )
        assert response.status_code == 200, response.content
        auth_client.user.refresh_from_db()
        assert auth_client.user.print_process == "resin"
        assert auth_client.user.bed_x_mm == 192
        assert auth_client.user.username != "hacker"
        put = auth_client.put(
            PROFILE,
            {"email": "new@example.org", "first_name": "I.K.", "last_name": "Brunel", "bed_x_mm": 250, "bed_y_mm": 210},
            format="json",
        )
        assert put.status_code == 200, put.content
        assert put.json()["email"] == "new@example.org" and put.json()["bed_y_mm"] == 210

    def test_email_taken_by_another_user_is_422(self, auth_client, other_user):
        response = auth_client.patch(PROFILE, {"email": other_user.email.title()}, format="json")
        assert response.status_code == 422
        assert "email" in response.json()["errors"]

    def test_anonymous_is_401_with_envelope(self, api_client):
        response = api_client.get(PROFILE)
        assert response.status_code == 401
        assert "detail" in response.json()
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    def test_browsable_api_renders_for_session_login(self, client, user):
        client.force_login(user)
        response = client.get(PROFILE, HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert user.username in response.content.decode()


class TestLoginAudit:
    def test_success_and_failure_are_in_the_audit_trail_with_the_request_id(self, api_client, user, password):
        from apps.audit.models import AuditEvent, AuditKind

        api_client.post(LOGIN, {"username": user.username, "password": password}, format="json",
                        HTTP_X_REQUEST_ID="req-ok-1")
        api_client.post(LOGIN, {"username": "mallory", "password": "guess"}, format="json",
                        HTTP_X_REQUEST_ID="req-bad-1", HTTP_USER_AGENT="curl/8")
        ok = AuditEvent.objects.get(kind=AuditKind.LOGIN)
        assert ok.user == user and ok.request_id == "req-ok-1" and ok.ip == "127.0.0.1"
        bad = AuditEvent.objects.get(kind=AuditKind.LOGIN_FAILED)
        assert bad.user is None and bad.subject == "mallory" and bad.request_id == "req-bad-1"
        assert bad.user_agent == "curl/8"


def test_control_characters_in_profile_names_are_422(auth_client):
    response = auth_client.patch(PROFILE, {"first_name": "Ada\nLovelace", "last_name": "B\x07"}, format="json")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"first_name", "last_name"}
    assert auth_client.patch(PROFILE, {"first_name": "Zoë"}, format="json").json()["first_name"] == "Zoë"


def test_logout_ends_every_access_token_of_the_session_even_after_rotation(api_client, user, password):
    first = api_client.post(LOGIN, {"username": user.username, "password": password}, format="json").json()
    rotated = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json").json()
    other_session = api_client.post(LOGIN, {"username": user.username, "password": password}, format="json").json()
    for access in (first["access"], rotated["access"]):
        assert api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200
    assert api_client.post(LOGOUT, {"refresh": rotated["refresh"]}, format="json").status_code == 204
    for access in (first["access"], rotated["access"]):
        response = api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {access}")
        assert response.status_code == 401
        response = api_client.get("/api/downloads/", HTTP_AUTHORIZATION=f"Bearer {access}")
        assert response.status_code == 401
    # Another sign-in of the same user is a separate session and stays valid.
    assert api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {other_session['access']}").status_code == 200

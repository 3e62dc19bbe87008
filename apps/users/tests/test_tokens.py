"""Access tokens that must be refused: expired, tampered, alg=none, foreign key, inactive user."""
import base64
import json
from datetime import timedelta

import jwt
import pytest
from rest_framework_simplejwt.tokens import AccessToken

pytestmark = pytest.mark.django_db

PROFILE = "/api/profile/"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _bad_tokens(user) -> dict[str, str]:
    good = AccessToken.for_user(user)
    expired = AccessToken.for_user(user)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    head, payload, sig = str(good).split(".")
    tampered_payload = dict(good.payload, user_id=str(int(good.payload["user_id"]) + 1000))
    return {
        "expired": str(expired),
        "tampered_signature": f"{head}.{payload}.{sig[:-3]}{'AAA' if sig[-3:] != 'AAA' else 'BBB'}",
        "tampered_payload": f"{head}.{_b64(tampered_payload)}.{sig}",
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "other_key": jwt.encode(dict(good.payload), "some-other-signing-key-of-sufficient-length!", algorithm="HS256"),
        "garbage": "not-a-jwt",
    }


@pytest.mark.parametrize(
    "kind", ["expired", "tampered_signature", "tampered_payload", "alg_none", "other_key", "garbage"]
)
def test_bad_access_tokens_are_401(api_client, user, kind):
    token = _bad_tokens(user)[kind]
    response = api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_valid_token_of_deactivated_user_is_401(api_client, user):
    token = AccessToken.for_user(user)
    assert api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    user.is_active = False
    user.save()
    assert api_client.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401

"""JWT authentication shared by DRF and Ninja: simplejwt's checks plus logged-out sessions."""
import uuid

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.users.models import RevokedSession

SESSION_CLAIM = "sid"


def token_pair_for(user) -> dict[str, str]:
    """A new sign-in session: a refresh token and its access token, both carrying the session id."""
    refresh = RefreshToken.for_user(user)
    refresh[SESSION_CLAIM] = uuid.uuid4().hex
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class SessionJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        sid = validated_token.get(SESSION_CLAIM)
        if sid and RevokedSession.objects.filter(sid=sid).exists():
            raise InvalidToken("This session has been logged out.")
        return super().get_user(validated_token)


class SessionJWTScheme(SimpleJWTScheme):
    """The same bearer scheme in the OpenAPI document as plain simplejwt."""

    target_class = "apps.users.authentication.SessionJWTAuthentication"

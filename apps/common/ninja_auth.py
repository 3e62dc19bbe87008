"""JWT for Ninja routes, reusing simplejwt so both frameworks share one key and one blacklist."""
from asgiref.sync import sync_to_async
from ninja.security import HttpBearer
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from apps.users.authentication import SessionJWTAuthentication

_jwt = SessionJWTAuthentication()


def user_from_token(raw: str):
    """Returns the active user a valid access token names, or None (never raises)."""
    try:
        validated = _jwt.get_validated_token(raw.encode())
        return _jwt.get_user(validated)
    except (InvalidToken, TokenError, AuthenticationFailed):
        # Ninja would turn these into 500s; an invalid token is simply unauthenticated.
        return None


class JWTBearer(HttpBearer):
    async def authenticate(self, request, token: str):
        user = await sync_to_async(user_from_token)(token)
        if user is None:
            return None
        request.user = user
        return user

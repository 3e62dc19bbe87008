from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

User = get_user_model()


@transaction.atomic
def user_register(*, username: str, email: str, password: str, **profile: Any) -> User:
    user = User(username=username, email=email.strip(), **profile)
    user.set_password(password)
    user.save()
    return user


def user_login(*, request, login: str, password: str) -> dict[str, str] | None:
    """Returns a fresh token pair for valid credentials, else None (without saying which part failed)."""
    user = authenticate(request, username=login, password=password)
    if user is None:
        return None
    refresh = RefreshToken.for_user(user)
    from django.contrib.auth.models import update_last_login

    update_last_login(None, user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def user_logout(*, refresh: str) -> bool:
    """Blacklists a refresh token; False when it was already invalid."""
    try:
        RefreshToken(refresh).blacklist()
    except TokenError:
        return False
    return True


@transaction.atomic
def user_update_profile(*, user: User, **fields: Any) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(fields) or None)
    return user

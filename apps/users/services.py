from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import update_last_login
from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from apps.audit.models import AuditKind
from apps.audit.services import audit_record

User = get_user_model()


@transaction.atomic
def user_register(*, username: str, email: str, password: str, **profile: Any) -> User:
    user = User(username=username, email=email.strip(), **profile)
    user.set_password(password)
    user.save()
    return user


def user_login(*, request, login: str, password: str) -> dict[str, str] | None:
    """Returns a fresh token pair for valid credentials, else None (without saying which part failed).

    Both outcomes go to the audit trail, the failure with the name that was tried.
    """
    user = authenticate(request, username=login, password=password)
    if user is None:
        audit_record(kind=AuditKind.LOGIN_FAILED, request=request, subject=login)
        return None
    refresh = RefreshToken.for_user(user)
    update_last_login(None, user)
    audit_record(kind=AuditKind.LOGIN, user=user, request=request, subject=user.get_username())
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

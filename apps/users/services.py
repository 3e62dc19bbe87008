from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import update_last_login
from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from apps.audit.models import AuditKind
from apps.audit.services import audit_record
from apps.users.authentication import SESSION_CLAIM, token_pair_for
from apps.users.models import RevokedSession

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
    tokens = token_pair_for(user)
    update_last_login(None, user)
    audit_record(kind=AuditKind.LOGIN, user=user, request=request, subject=user.get_username())
    return tokens


@transaction.atomic
def user_logout(*, refresh: str) -> bool:
    """Ends the sign-in session: blacklists the refresh token and revokes the session id that its
    access tokens carry. False when the refresh token was already invalid."""
    try:
        token = RefreshToken(refresh)
        token.blacklist()
    except TokenError:
        return False
    sid = token.get(SESSION_CLAIM)
    if sid:
        RevokedSession.objects.get_or_create(sid=sid, defaults={"user_id": token[api_settings.USER_ID_CLAIM]})
    return True


@transaction.atomic
def user_update_profile(*, user: User, **fields: Any) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(fields) or None)
    return user

"""Signed download links: a token that binds file, user and expiry.

Local S3 servers accept tampered or expired presigned URLs, so our own link is the security
boundary and is checked before any byte or redirect is served.
"""
import time
from dataclasses import dataclass

from django.core import signing

_SALT = "trackforge.stl-download.v1"


class LinkError(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class DownloadGrant:
    file_id: str
    user_id: int
    expires_at: int


def download_token_make(*, file_id: str, user_id: int, ttl_seconds: int, now: float | None = None) -> str:
    expires_at = int((now if now is not None else time.time()) + ttl_seconds)
    return signing.dumps({"f": str(file_id), "u": int(user_id), "e": expires_at}, salt=_SALT, compress=True)


def download_token_check(*, token: str, file_id: str, now: float | None = None) -> DownloadGrant:
    """Returns the grant, or raises LinkError (401 tampered/expired, 403 for another file)."""
    try:
        data = signing.loads(token, salt=_SALT)
        grant = DownloadGrant(file_id=str(data["f"]), user_id=int(data["u"]), expires_at=int(data["e"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkError("The download link is invalid or has been altered.", 401) from None
    if grant.expires_at < (now if now is not None else time.time()):
        raise LinkError("The download link has expired; request a new one from the status endpoint.", 401)
    if grant.file_id != str(file_id):
        raise LinkError("The download link was issued for another file.", 403)
    return grant

"""Project-wide fixtures: users, JWT-authenticated clients, isolated storage per test."""
import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    # Local file storage per test, so no test sees another's files.
    settings.MEDIA_ROOT = tmp_path / "media"
    if settings.STORAGES["stl"]["BACKEND"].endswith("FileSystemStorage"):
        settings.STORAGES = {
            **settings.STORAGES,
            "stl": {**settings.STORAGES["stl"], "OPTIONS": {"location": str(tmp_path / "media" / "stl")}},
        }


@pytest.fixture(autouse=True)
def cache_prefix(settings) -> str:
    """A private cache namespace per test. Never cache.clear(): on Redis that flushes the broker's queues."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}
    return prefix


@pytest.fixture
def password() -> str:
    return "Correct-Horse-42-battery"


@pytest.fixture
def user(db, password):
    from apps.users.tests.factories import UserFactory

    return UserFactory(password=password)


@pytest.fixture
def other_user(db, password):
    from apps.users.tests.factories import UserFactory

    return UserFactory(password=password)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def bearer_for(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


@pytest.fixture
def auth_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer_for(user))
    client.user = user
    return client


@pytest.fixture
def other_client(other_user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer_for(other_user))
    client.user = other_user
    return client

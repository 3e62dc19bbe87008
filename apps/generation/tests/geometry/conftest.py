"""Geometry tests are pure: neutralise the project's Django autouse fixtures here.

The root conftest isolates media storage and the cache through pytest-django's
``settings`` fixture; these tests touch neither, and must also run with
``-p no:django``, so the same-named fixtures are overridden as no-ops.
"""

import pytest


@pytest.fixture(autouse=True)
def _isolated_media():
    return None


@pytest.fixture(autouse=True)
def cache_prefix():
    return ""

import pytest
from django.test import Client

from apps.catalog.tests.factories import TrackFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("route", ["tracks", "standards", "rails", "timbers", "chairs"])
def test_browsable_api_renders_for_a_session_user(user, route):
    track = TrackFactory(owner=user)
    client = Client()
    client.force_login(user)
    page = client.get(f"/api/{route}/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"<html" in page.content
    if route == "tracks":
        assert client.get(f"/api/tracks/{track.pk}/", HTTP_ACCEPT="text/html").status_code == 200

import pytest
from django.test import Client

from apps.catalog.models import Standard
from apps.catalog.tests.factories import TrackFactory
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def test_track_changelist_search_and_filters(staff_client, user, other_user, oo_bf):
    TrackFactory(owner=user, name="Up relief")
    TrackFactory(owner=other_user, name="Down main")
    page = staff_client.get("/admin/catalog/track/", {"q": user.username})
    assert page.status_code == 200
    assert b"Up relief" in page.content and b"Down main" not in page.content
    page = staff_client.get("/admin/catalog/track/", {"standard__id__exact": str(oo_bf.pk)})
    assert page.status_code == 200 and b"Down main" in page.content


def test_track_change_page_shows_computed_summary(staff_client, user):
    track = TrackFactory(owner=user)
    page = staff_client.get(f"/admin/catalog/track/{track.pk}/change/")
    assert page.status_code == 200
    assert b"24 sleepers" in page.content and b"48 chairs" in page.content


def test_staff_can_edit_presets(staff_client, oo_bf):
    assert staff_client.get("/admin/catalog/standard/", {"kind": "preset"}).status_code == 200
    assert staff_client.get(f"/admin/catalog/standard/{oo_bf.pk}/change/").status_code == 200
    for model in ("railsection", "timbercomponent", "chaircomponent"):
        assert staff_client.get(f"/admin/catalog/{model}/").status_code == 200
    assert Standard.objects.filter(owner=None).count() >= 14

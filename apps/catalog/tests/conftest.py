import pytest

from apps.catalog.models import ChairComponent, RailSection, Standard, TimberComponent


@pytest.fixture
def oo_bf(db) -> Standard:
    return Standard.objects.get(owner__isnull=True, code="OO-BF")


@pytest.fixture
def ho(db) -> Standard:
    return Standard.objects.get(owner__isnull=True, code="HO-NMRA")


@pytest.fixture
def presets(db):
    """Lookup of preset components by model and code: presets.rail("CL75")."""

    class _P:
        standard = staticmethod(lambda code: Standard.objects.get(owner__isnull=True, code=code))
        rail = staticmethod(lambda code: RailSection.objects.get(owner__isnull=True, code=code))
        timber = staticmethod(lambda code: TimberComponent.objects.get(owner__isnull=True, code=code))
        chair = staticmethod(lambda code: ChairComponent.objects.get(owner__isnull=True, code=code))

    return _P()

"""factory-boy factories for the catalog. Components default to user-owned copies; tracks are
created through ``services.track_create`` so their denormalised summary is real."""

import factory

from apps.catalog import services
from apps.catalog.models import ChairComponent, RailSection, Standard, TimberComponent, Track
from apps.catalog.serializers import normalise_print_options, normalise_sleepering
from apps.users.tests.factories import UserFactory


def preset(model, code: str):
    return model.objects.get(owner__isnull=True, code=code)


class RailSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RailSection

    owner = factory.SubFactory(UserFactory)
    code = factory.Sequence(lambda n: f"MYRAIL{n}")
    name = factory.LazyAttribute(lambda o: f"Rail {o.code}")
    profile = "bullhead"
    height_mm = 1.9
    head_width_mm = 0.9
    head_depth_mm = 0.5
    foot_width_mm = 0.9
    foot_depth_mm = 0.34
    web_thickness_mm = 0.35


class TimberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimberComponent

    owner = factory.SubFactory(UserFactory)
    code = factory.Sequence(lambda n: f"MYTIMBER{n}")
    name = factory.LazyAttribute(lambda o: f"Timber {o.code}")
    role = "plain"
    length_in = 102
    width_in = 10
    depth_in = 5


class ChairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChairComponent

    owner = factory.SubFactory(UserFactory)
    code = factory.Sequence(lambda n: f"MYCHAIR{n}")
    name = factory.LazyAttribute(lambda o: f"Chair {o.code}")
    role = "plain"
    prototype = "uk_bullhead"
    field_side_in = 9.25
    gauge_side_in = 5.25
    width_in = 8
    seat_in = 1.75


class StandardFactory(factory.django.DjangoModelFactory):
    """A user's own standard, P4-like, pointing at preset components."""

    class Meta:
        model = Standard

    owner = factory.SubFactory(UserFactory)
    code = factory.Sequence(lambda n: f"MYSTD{n}")
    name = factory.LazyAttribute(lambda o: f"Standard {o.code}")
    scale_mm_per_ft = 4.0
    scale_ratio = 76.2
    gauge_mm = 18.83
    flangeway_mm = 0.67
    check_gauge_mm = 18.16
    warn_radius_mm = 1000
    prototype = "uk_bullhead"
    default_rail = factory.LazyFunction(lambda: preset(RailSection, "CL75"))
    default_timber = factory.LazyFunction(lambda: preset(TimberComponent, "BH-PLAIN"))
    default_joint_timber = factory.LazyFunction(lambda: preset(TimberComponent, "BH-JOINT"))
    default_chair = factory.LazyFunction(lambda: preset(ChairComponent, "S1"))
    default_joint_chair = factory.LazyFunction(lambda: preset(ChairComponent, "S1J"))


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"track {n:03d}")
    standard = factory.LazyFunction(lambda: preset(Standard, "OO-BF"))
    alignment = factory.LazyFunction(lambda: [{"type": "straight", "length_mm": 240.0}])
    sleepering = factory.LazyFunction(dict)
    print_options = factory.LazyFunction(dict)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        owner = kwargs.pop("owner")
        std = kwargs["standard"]
        for name, attr in (
            ("rail", "default_rail"),
            ("timber", "default_timber"),
            ("joint_timber", "default_joint_timber"),
            ("chair", "default_chair"),
            ("joint_chair", "default_joint_chair"),
        ):
            kwargs.setdefault(name, getattr(std, attr))
        kwargs["sleepering"] = normalise_sleepering(kwargs["sleepering"], std)
        kwargs["print_options"] = normalise_print_options(kwargs["print_options"], owner)
        return services.track_create(owner=owner, data=kwargs)

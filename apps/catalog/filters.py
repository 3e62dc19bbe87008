"""FilterSets with an ordering whitelist; every ordering ends with the primary key so pages are stable."""

from datetime import UTC

from django import forms
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField, IsoDateTimeRangeField, RangeField

from apps.catalog.models import (
    ChairComponent,
    Prototype,
    RailProfile,
    RailSection,
    Role,
    Standard,
    TimberComponent,
    Track,
)


class UTCIsoDateTimeField(IsoDateTimeField):
    """Python accepts UTC offsets up to +-23:59, PostgreSQL only up to +-15:59 (a DataError, so a
    500): query in UTC. A date that leaves the representable range in UTC is invalid (422)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Date and time out of range.", code="invalid") from None


class UTCIsoDateTimeRangeField(IsoDateTimeRangeField):
    def __init__(self, *args, **kwargs):
        # IsoDateTimeRangeField's own __init__ hard-codes its two sub-fields; keep its widget
        # (the _after/_before names) and swap the sub-fields.
        RangeField.__init__(self, (UTCIsoDateTimeField(), UTCIsoDateTimeField()), *args, **kwargs)


class IsoDateTimeRangeFilter(filters.IsoDateTimeFromToRangeFilter):
    field_class = UTCIsoDateTimeRangeField


class StableOrderingFilter(filters.OrderingFilter):
    """django-filter's OrderingFilter plus a primary-key tie-breaker (stable pagination)."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "id")
        return qs


class TrackFilter(filters.FilterSet):
    standard = filters.UUIDFilter(field_name="standard_id", help_text="Standard id")
    standard_code = filters.CharFilter(field_name="standard__code", lookup_expr="iexact")
    rail = filters.UUIDFilter(field_name="rail_id", help_text="Rail section id")
    rail_code = filters.CharFilter(field_name="rail__code", lookup_expr="iexact")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Name contains (any case)")
    has_curves = filters.BooleanFilter(field_name="has_curves")
    segment_type = filters.ChoiceFilter(
        choices=(("straight", "straight"), ("arc", "arc"), ("transition", "transition")),
        method="filter_segment_type",
        help_text="Tracks with at least one segment of this type",
    )
    min_length = filters.NumberFilter(field_name="total_length_mm", lookup_expr="gte")
    max_length = filters.NumberFilter(field_name="total_length_mm", lookup_expr="lte")
    created = IsoDateTimeRangeFilter(field_name="created", help_text="created_after / created_before")
    updated = IsoDateTimeRangeFilter(field_name="updated", help_text="updated_after / updated_before")
    ordering = StableOrderingFilter(
        fields=(("name", "name"), ("created", "created"), ("updated", "updated"), ("total_length_mm", "length")),
        help_text="name, created, updated, length (prefix - for descending). Default: -updated",
    )

    class Meta:
        model = Track
        fields: list[str] = []

    def filter_segment_type(self, queryset, name, value):
        return queryset.filter(segment_types__contains=f",{value},")


class ComponentFilter(filters.FilterSet):
    code = filters.CharFilter(field_name="code", lookup_expr="iexact")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains")
    owner = filters.ChoiceFilter(
        choices=(("preset", "preset"), ("mine", "mine")), method="filter_owner", help_text="preset or mine"
    )
    created = IsoDateTimeRangeFilter(field_name="created")
    updated = IsoDateTimeRangeFilter(field_name="updated")
    ordering = StableOrderingFilter(
        fields=(("code", "code"), ("name", "name"), ("created", "created"), ("updated", "updated")),
        help_text="code, name, created, updated (prefix - for descending). Default: code",
    )

    def filter_owner(self, queryset, name, value):
        if value == "preset":
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner=self.request.user)


class StandardFilter(ComponentFilter):
    prototype = filters.ChoiceFilter(choices=Prototype.choices)
    scale_mm_per_ft = filters.NumberFilter()
    gauge_mm = filters.NumberFilter()

    class Meta:
        model = Standard
        fields: list[str] = []


class RailSectionFilter(ComponentFilter):
    profile = filters.ChoiceFilter(choices=RailProfile.choices)

    class Meta:
        model = RailSection
        fields: list[str] = []


class TimberFilter(ComponentFilter):
    role = filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = TimberComponent
        fields: list[str] = []


class ChairFilter(ComponentFilter):
    role = filters.ChoiceFilter(choices=Role.choices)
    prototype = filters.ChoiceFilter(choices=Prototype.choices)
    rail_section = filters.UUIDFilter(field_name="rail_section_id")

    class Meta:
        model = ChairComponent
        fields: list[str] = []

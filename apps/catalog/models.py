"""Catalog: modelling standards, rail sections, timber and chair components, and users' tracks.

Components (standards, rails, timbers, chairs) are either *presets* (``owner`` is NULL; shipped as
data migrations, editable by staff in the admin, read-only through the API) or owned by one user.
Prototype dimensions of timbers and chairs are stored in prototype inches and resolved to model
millimetres for a scale (``inches * mm_per_ft / 12``); standards and rail sections are model mm.
Numbers and sources: /work/shared/DOMAIN.md sections 1.1, 2.2, 2.4, 2.7, 7.2.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.generation.geometry.spec import inches


class Prototype(models.TextChoices):
    UK_BULLHEAD = "uk_bullhead", "UK bullhead (chaired)"
    US_FLATBOTTOM = "us_flatbottom", "US flat-bottom (tie plates and spikes)"


class SpacingMode(models.TextChoices):
    PANEL = "panel", "Panel (prototype rail-length tables)"
    UNIFORM = "uniform", "Uniform pitch"
    CUSTOM = "custom", "Custom list (prototype inches per rail length)"


class Role(models.TextChoices):
    PLAIN = "plain", "Plain"
    JOINT = "joint", "Joint"


class RailProfile(models.TextChoices):
    BULLHEAD = "bullhead", "Bullhead"
    FLATBOTTOM = "flatbottom", "Flat-bottom"


class Process(models.TextChoices):
    FDM = "fdm", "FDM (filament)"
    RESIN = "resin", "Resin (SLA/MSLA)"


def _range(lo: float, hi: float) -> list:
    return [MinValueValidator(lo), MaxValueValidator(hi)]


class Component(models.Model):
    """Common columns of every catalog component. ``owner`` NULL = preset."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty for presets (read-only through the API).",
    )
    code = models.CharField(max_length=32, help_text="Short unambiguous code, e.g. OO-BF, CL75, S1.")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")
    source = models.CharField(max_length=200, blank=True, default="", help_text="Where the numbers come from.")
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ("code", "id")

    def __str__(self) -> str:
        return f"{self.code} ({'preset' if self.owner_id is None else 'custom'})"

    @property
    def is_preset(self) -> bool:
        return self.owner_id is None

    @classmethod
    def code_constraints(cls, prefix: str) -> list:
        return [
            models.UniqueConstraint(fields=["code"], condition=Q(owner__isnull=True), name=f"{prefix}_preset_code_uq"),
            models.UniqueConstraint(fields=["owner", "code"], name=f"{prefix}_owner_code_uq"),
        ]


class RailSection(Component):
    """A model rail section in model millimetres (DOMAIN 2.7). Chair slots take their sizes from it."""

    profile = models.CharField(max_length=12, choices=RailProfile.choices, default=RailProfile.BULLHEAD)
    height_mm = models.FloatField(validators=_range(0.3, 20))
    head_width_mm = models.FloatField(validators=_range(0.1, 10))
    head_depth_mm = models.FloatField(null=True, blank=True, validators=_range(0.05, 10))
    foot_width_mm = models.FloatField(validators=_range(0.1, 15))
    foot_depth_mm = models.FloatField(null=True, blank=True, validators=_range(0.05, 10))
    web_thickness_mm = models.FloatField(
        null=True, blank=True, validators=_range(0.05, 5), help_text="NMRA RP-15.1 gives none for flat-bottom."
    )

    class Meta(Component.Meta):
        constraints = Component.code_constraints("catalog_rail")


class TimberComponent(Component):
    """A sleeper (timber) in prototype inches; resolved to mm for a scale."""

    role = models.CharField(max_length=8, choices=Role.choices, default=Role.PLAIN)
    length_in = models.FloatField(validators=_range(12, 240))
    width_in = models.FloatField(validators=_range(2, 30))
    depth_in = models.FloatField(validators=_range(1, 20))

    class Meta(Component.Meta):
        constraints = Component.code_constraints("catalog_timber")

    def resolve(self, *, mm_per_ft: float) -> dict:
        return {
            "length_mm": inches(self.length_in, mm_per_ft),
            "width_mm": inches(self.width_in, mm_per_ft),
            "depth_mm": inches(self.depth_in, mm_per_ft),
        }


class ChairComponent(Component):
    """A bullhead chair (REA S1 family) in prototype inches, measured from the rail's gauge face.

    "Length" runs across the rail (along the sleeper), "width" along the rail (DOMAIN 2.4). The rail
    slot is sized from the track's rail section; ``rail_section`` optionally restricts the chair to
    one section.
    """

    role = models.CharField(max_length=8, choices=Role.choices, default=Role.PLAIN)
    prototype = models.CharField(max_length=16, choices=Prototype.choices, default=Prototype.UK_BULLHEAD)
    rail_section = models.ForeignKey(
        RailSection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: fits any rail of the chair's prototype (slot sized from the chosen rail).",
    )
    field_side_in = models.FloatField(validators=_range(0.5, 30))
    gauge_side_in = models.FloatField(validators=_range(0.5, 30))
    width_in = models.FloatField(validators=_range(1, 30))
    seat_in = models.FloatField(validators=_range(0.1, 10))
    outer_jaw_offset_in = models.FloatField(
        default=3.9375, validators=_range(0.5, 10), help_text='Outer jaw face from gauge face (3 15/16").'
    )
    jaw_top_width_in = models.FloatField(default=4.0, validators=_range(0.2, 10))
    key_length_in = models.FloatField(default=6.0, validators=_range(0, 20))

    class Meta(Component.Meta):
        constraints = Component.code_constraints("catalog_chair")

    @property
    def length_in(self) -> float:
        return self.field_side_in + self.gauge_side_in

    def resolve(self, *, mm_per_ft: float) -> dict:
        return {
            "length_mm": inches(self.length_in, mm_per_ft),
            "field_side_mm": inches(self.field_side_in, mm_per_ft),
            "gauge_side_mm": inches(self.gauge_side_in, mm_per_ft),
            "width_mm": inches(self.width_in, mm_per_ft),
            "seat_mm": inches(self.seat_in, mm_per_ft),
            "outer_jaw_offset_mm": inches(self.outer_jaw_offset_in, mm_per_ft),
            "jaw_top_width_mm": inches(self.jaw_top_width_in, mm_per_ft),
            "key_length_mm": inches(self.key_length_in, mm_per_ft),
        }


class Standard(Component):
    """A modelling standard (scale + gauge + defaults), DOMAIN 1.1 and 7.2."""

    scale_mm_per_ft = models.FloatField(validators=_range(1.0, 25.4))
    scale_ratio = models.FloatField(validators=_range(1.0, 400), help_text="Denominator of 1:N, e.g. 76.2.")
    gauge_mm = models.FloatField(validators=_range(4.0, 130))
    gauge_max_mm = models.FloatField(null=True, blank=True, help_text="Upper tolerance where the standard has one.")
    flangeway_mm = models.FloatField(validators=_range(0.3, 6))
    check_gauge_mm = models.FloatField(null=True, blank=True, validators=_range(2, 130))
    check_gauge_derived = models.BooleanField(default=False, help_text="True when gauge - flangeway, not stated.")
    warn_radius_mm = models.FloatField(null=True, blank=True, validators=_range(10, 100_000))
    prototype = models.CharField(max_length=16, choices=Prototype.choices, default=Prototype.UK_BULLHEAD)
    sleeper_length_mm = models.FloatField(
        null=True,
        blank=True,
        validators=_range(2, 500),
        help_text="Modelling convention overriding the timber's scale length (OO uses 32 mm, DOMAIN 2.6).",
    )
    default_rail = models.ForeignKey(RailSection, on_delete=models.PROTECT, related_name="+")
    default_timber = models.ForeignKey(TimberComponent, on_delete=models.PROTECT, related_name="+")
    default_joint_timber = models.ForeignKey(
        TimberComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    default_chair = models.ForeignKey(ChairComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    default_joint_chair = models.ForeignKey(
        ChairComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    default_spacing_mode = models.CharField(max_length=8, choices=SpacingMode.choices, default=SpacingMode.PANEL)
    default_rail_length_ft = models.PositiveSmallIntegerField(null=True, blank=True, default=60)
    default_sleepers_per_length = models.PositiveSmallIntegerField(null=True, blank=True, default=24)
    default_spacing_mm = models.FloatField(null=True, blank=True, validators=_range(0.5, 60))

    class Meta(Component.Meta):
        constraints = Component.code_constraints("catalog_standard")


SUMMARY_FIELDS = (
    "total_length_mm",
    "has_curves",
    "segment_types",
    "sleeper_count",
    "chair_count",
    "estimated_triangles",
    "warnings",
    "summary",
)


class Track(models.Model):
    """A user's track design. Geometry-bearing parts are JSON validated by the API serializers;
    ``total_length_mm``, ``has_curves``, ``segment_types`` and the summary columns are denormalised
    by the services on every save so lists can filter and order by them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracks")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="tracks")
    rail = models.ForeignKey(RailSection, on_delete=models.PROTECT, related_name="tracks")
    timber = models.ForeignKey(TimberComponent, on_delete=models.PROTECT, related_name="+")
    joint_timber = models.ForeignKey(TimberComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    chair = models.ForeignKey(ChairComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    joint_chair = models.ForeignKey(ChairComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sleepering = models.JSONField(default=dict)
    alignment = models.JSONField(default=list)
    print_options = models.JSONField(default=dict)

    # Denormalised on save (services.track_create / track_update / track_refresh_summary).
    total_length_mm = models.FloatField(default=0, db_index=True)
    has_curves = models.BooleanField(default=False)
    segment_types = models.CharField(max_length=40, blank=True, default="", help_text="e.g. ',straight,arc,'")
    sleeper_count = models.PositiveIntegerField(default=0)
    chair_count = models.PositiveIntegerField(default=0)
    estimated_triangles = models.PositiveBigIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ("-updated", "id")
        indexes = [models.Index(fields=["owner", "-updated"], name="catalog_track_owner_upd_idx")]

    def __str__(self) -> str:
        return self.name

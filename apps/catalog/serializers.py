"""API shapes for the catalog. Validation lives here (field ranges, cross-field rules) and in
``apps.catalog.spec.check_spec`` (geometry); writes go through ``apps.catalog.services``."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.catalog import spec as spec_mod
from apps.catalog.models import (
    ChairComponent,
    Process,
    Prototype,
    RailProfile,
    RailSection,
    SpacingMode,
    Standard,
    TimberComponent,
    Track,
)
from apps.catalog.selectors import component_visible_to
from apps.common.validators import single_line_name

MAX_SEGMENTS = 200
MAX_SEGMENT_LENGTH_MM = 2000.0
CODE_REGEX = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


def _user(context: dict):
    if context.get("user") is not None:
        return context["user"]
    request = context.get("request")
    return getattr(request, "user", None)


class ErrorEnvelopeSerializer(serializers.Serializer):
    """The error body of every non-2xx response."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    code = serializers.CharField(required=False)


class VisibleComponentField(serializers.PrimaryKeyRelatedField):
    """A UUID reference to a preset or to one of the requesting user's own components.

    Another user's component is reported exactly like a missing one.
    """

    def __init__(self, *, model, **kwargs):
        self.model = model
        kwargs.setdefault("pk_field", serializers.UUIDField(format="hex_verbose"))
        super().__init__(queryset=model.objects.all(), **kwargs)

    def get_queryset(self):
        return component_visible_to(model=self.model, user=_user(self.context))


# ---------------------------------------------------------------------------------- components


class ComponentSerializer(serializers.ModelSerializer):
    code = serializers.RegexField(CODE_REGEX, max_length=32, help_text="Unique among presets and your own.")
    is_preset = serializers.BooleanField(read_only=True, help_text="Presets are read-only; duplicate to edit.")

    COMMON = ("id", "code", "name", "description", "source", "is_preset", "created", "updated")

    def validate_name(self, value: str) -> str:
        return single_line_name(value)

    def validate_code(self, value: str) -> str:
        model = self.Meta.model
        qs = model.objects.filter(Q(owner__isnull=True) | Q(owner=_user(self.context)), code=value)
        if self.instance is not None:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise serializers.ValidationError("A preset or one of your own components already uses this code.")
        return value

    def _effective(self, attrs: dict, name: str, default: Any = None) -> Any:
        if name in attrs:
            return attrs[name]
        if self.instance is not None:
            return getattr(self.instance, name)
        if default is None:
            try:
                return self.Meta.model._meta.get_field(name).get_default()
            except FieldDoesNotExist:
                return None
        return default


class RailSectionSerializer(ComponentSerializer):
    class Meta:
        model = RailSection
        fields = (
            *ComponentSerializer.COMMON,
            "profile",
            "height_mm",
            "head_width_mm",
            "head_depth_mm",
            "foot_width_mm",
            "foot_depth_mm",
            "web_thickness_mm",
        )
        read_only_fields = ("id", "created", "updated")

    def validate(self, attrs: dict) -> dict:
        get = lambda name: self._effective(attrs, name)  # noqa: E731
        errors: dict[str, str] = {}
        if get("web_thickness_mm") is None:
            # Presets may lack it (NMRA RP-15.1 gives none); a user's own section must state it.
            errors["web_thickness_mm"] = "Required: chair slots and the printed rail profile are sized from it."
        elif get("web_thickness_mm") >= min(get("head_width_mm") or 0, get("foot_width_mm") or 0):
            errors["web_thickness_mm"] = "The web must be thinner than the head and the foot."
        depths = (get("head_depth_mm") or 0) + (get("foot_depth_mm") or 0)
        if get("height_mm") is not None and depths >= get("height_mm"):
            errors["head_depth_mm"] = "Head depth plus foot depth must be less than the rail height."
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TimberResolvedSerializer(serializers.Serializer):
    scale_mm_per_ft = serializers.FloatField()
    length_mm = serializers.FloatField()
    width_mm = serializers.FloatField()
    depth_mm = serializers.FloatField()


class ChairResolvedSerializer(serializers.Serializer):
    scale_mm_per_ft = serializers.FloatField()
    length_mm = serializers.FloatField()
    field_side_mm = serializers.FloatField()
    gauge_side_mm = serializers.FloatField()
    width_mm = serializers.FloatField()
    seat_mm = serializers.FloatField()
    outer_jaw_offset_mm = serializers.FloatField()
    jaw_top_width_mm = serializers.FloatField()
    key_length_mm = serializers.FloatField()


class TimberComponentSerializer(ComponentSerializer):
    resolved = serializers.SerializerMethodField(
        help_text="Dimensions in model mm for ?scale=<mm per ft>; null without that parameter."
    )

    class Meta:
        model = TimberComponent
        fields = (*ComponentSerializer.COMMON, "role", "length_in", "width_in", "depth_in", "resolved")
        read_only_fields = ("id", "created", "updated")

    @extend_schema_field(TimberResolvedSerializer(allow_null=True))
    def get_resolved(self, obj: TimberComponent) -> dict | None:
        scale = self.context.get("scale")
        if not scale:
            return None
        return {"scale_mm_per_ft": scale, **{k: round(v, 4) for k, v in obj.resolve(mm_per_ft=scale).items()}}


class ChairComponentSerializer(ComponentSerializer):
    rail_section = VisibleComponentField(
        model=RailSection, required=False, allow_null=True, help_text="Restrict the chair to one rail section."
    )
    length_in = serializers.FloatField(read_only=True, help_text="field_side_in + gauge_side_in")
    resolved = serializers.SerializerMethodField(
        help_text="Dimensions in model mm for ?scale=<mm per ft>; null without that parameter."
    )

    class Meta:
        model = ChairComponent
        fields = (
            *ComponentSerializer.COMMON,
            "role",
            "prototype",
            "rail_section",
            "field_side_in",
            "gauge_side_in",
            "length_in",
            "width_in",
            "seat_in",
            "outer_jaw_offset_in",
            "jaw_top_width_in",
            "key_length_in",
            "resolved",
        )
        read_only_fields = ("id", "created", "updated")

    @extend_schema_field(ChairResolvedSerializer(allow_null=True))
    def get_resolved(self, obj: ChairComponent) -> dict | None:
        scale = self.context.get("scale")
        if not scale:
            return None
        return {"scale_mm_per_ft": scale, **{k: round(v, 4) for k, v in obj.resolve(mm_per_ft=scale).items()}}

    def validate(self, attrs: dict) -> dict:
        rail = self._effective(attrs, "rail_section")
        prototype = self._effective(attrs, "prototype", Prototype.UK_BULLHEAD)
        if prototype != Prototype.UK_BULLHEAD:
            raise serializers.ValidationError({"prototype": "Only bullhead chairs are modelled (uk_bullhead)."})
        if rail is not None and rail.profile != RailProfile.BULLHEAD:
            raise serializers.ValidationError({"rail_section": "A bullhead chair needs a bullhead rail section."})
        outer = self._effective(attrs, "outer_jaw_offset_in", 3.9375)
        field_side = self._effective(attrs, "field_side_in")
        if field_side is not None and outer >= field_side:
            raise serializers.ValidationError({"outer_jaw_offset_in": "The outer jaw must lie within the chair."})
        return attrs


class StandardSerializer(ComponentSerializer):
    default_rail = VisibleComponentField(model=RailSection)
    default_timber = VisibleComponentField(model=TimberComponent)
    default_joint_timber = VisibleComponentField(model=TimberComponent, required=False, allow_null=True)
    default_chair = VisibleComponentField(model=ChairComponent, required=False, allow_null=True)
    default_joint_chair = VisibleComponentField(model=ChairComponent, required=False, allow_null=True)
    default_spacing_mode = serializers.ChoiceField(
        choices=(("panel", "Panel (prototype rail-length tables)"), ("uniform", "Uniform pitch")), required=False
    )
    scale_ratio = serializers.FloatField(
        required=False, min_value=1, max_value=400, help_text="1:N; defaults to 304.8 / scale_mm_per_ft."
    )

    class Meta:
        model = Standard
        fields = (
            *ComponentSerializer.COMMON,
            "prototype",
            "scale_mm_per_ft",
            "scale_ratio",
            "gauge_mm",
            "gauge_max_mm",
            "flangeway_mm",
            "check_gauge_mm",
            "check_gauge_derived",
            "warn_radius_mm",
            "sleeper_length_mm",
            "default_rail",
            "default_timber",
            "default_joint_timber",
            "default_chair",
            "default_joint_chair",
            "default_spacing_mode",
            "default_rail_length_ft",
            "default_sleepers_per_length",
            "default_spacing_mm",
        )
        read_only_fields = ("id", "created", "updated")

    def validate(self, attrs: dict) -> dict:
        get = lambda name, default=None: self._effective(attrs, name, default)  # noqa: E731
        errors: dict[str, str] = {}
        scale, gauge = get("scale_mm_per_ft"), get("gauge_mm")
        if "scale_ratio" not in attrs and (self.instance is None or "scale_mm_per_ft" in attrs):
            attrs["scale_ratio"] = round(304.8 / scale, 2)
        check = get("check_gauge_mm")
        if check is not None and gauge is not None and check >= gauge:
            errors["check_gauge_mm"] = "Check gauge must be less than the gauge."
        gmax = get("gauge_max_mm")
        if gmax is not None and gauge is not None and gmax < gauge:
            errors["gauge_max_mm"] = "Maximum gauge must not be less than the gauge."
        prototype = get("prototype", Prototype.UK_BULLHEAD)
        for name in ("default_chair", "default_joint_chair"):
            chair = get(name)
            if chair is not None and chair.prototype != prototype:
                errors[name] = f"A {chair.prototype} chair does not belong on a {prototype} standard."
        if get("default_joint_chair") is not None and get("default_chair") is None:
            errors["default_joint_chair"] = "A joint chair needs a plain chair too."
        rail = get("default_rail")
        wants = RailProfile.BULLHEAD if prototype == Prototype.UK_BULLHEAD else RailProfile.FLATBOTTOM
        if rail is not None and rail.profile != wants:
            errors["default_rail"] = f"A {prototype} standard needs a {wants} rail section."
        mode = get("default_spacing_mode", SpacingMode.PANEL)
        if mode == SpacingMode.PANEL:
            key = (get("default_rail_length_ft"), get("default_sleepers_per_length"))
            if key not in spec_mod.PANEL_TABLES:
                errors["default_sleepers_per_length"] = (
                    f"No prototype table for {key[0]} ft rails with {key[1]} sleepers; "
                    f"available: {', '.join(f'{a} ft/{b}' for a, b in spec_mod.PANEL_TABLES)}."
                )
        elif mode == SpacingMode.UNIFORM and get("default_spacing_mm") is None:
            errors["default_spacing_mm"] = "A uniform default spacing needs default_spacing_mm."
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# -------------------------------------------------------------------------------------- tracks


class StoredDictSerializer(serializers.Serializer):
    """Writes validate through the fields; reads return the stored (normalised) JSON keys only."""

    def to_representation(self, instance):
        if isinstance(instance, dict):
            return {name: instance[name] for name in self.fields if name in instance}
        return super().to_representation(instance)


class SegmentSerializer(StoredDictSerializer):
    """One alignment segment. Segments chain head to tail from the origin heading +X; left = +Y."""

    type = serializers.ChoiceField(choices=("straight", "arc", "transition"))
    length_mm = serializers.FloatField(
        required=False, min_value=1, max_value=MAX_SEGMENT_LENGTH_MM, help_text="straight, transition; arc (or angle)"
    )
    radius_mm = serializers.FloatField(required=False, min_value=1, max_value=1_000_000, help_text="arc")
    angle_deg = serializers.FloatField(required=False, min_value=0.1, max_value=360, help_text="arc (or length_mm)")
    hand = serializers.ChoiceField(choices=("left", "right"), required=False, help_text="arc, transition; left")
    radius_start_mm = serializers.FloatField(
        required=False, allow_null=True, min_value=1, max_value=1_000_000, help_text="transition; null = straight"
    )
    radius_end_mm = serializers.FloatField(
        required=False, allow_null=True, min_value=1, max_value=1_000_000, help_text="transition; null = straight"
    )

    ALLOWED = {
        "straight": {"length_mm"},
        "arc": {"radius_mm", "angle_deg", "length_mm", "hand"},
        "transition": {"length_mm", "radius_start_mm", "radius_end_mm", "hand"},
    }

    def validate(self, attrs: dict) -> dict:
        kind = attrs["type"]
        errors: dict[str, str] = {}
        for name in set(attrs) - self.ALLOWED[kind] - {"type"}:
            errors[name] = f"Not used by a {kind} segment."
        if kind == "straight":
            if "length_mm" not in attrs:
                errors["length_mm"] = "A straight needs length_mm."
            out = {"type": kind, "length_mm": attrs.get("length_mm")}
        elif kind == "arc":
            if "radius_mm" not in attrs:
                errors["radius_mm"] = "An arc needs radius_mm."
            if ("angle_deg" in attrs) == ("length_mm" in attrs):
                errors["angle_deg"] = "Give exactly one of angle_deg or length_mm."
            out = {"type": kind, "radius_mm": attrs.get("radius_mm"), "hand": attrs.get("hand", "left")}
            if "angle_deg" in attrs:
                out["angle_deg"] = attrs["angle_deg"]
            if "length_mm" in attrs:
                out["length_mm"] = attrs["length_mm"]
        else:
            if "length_mm" not in attrs:
                errors["length_mm"] = "A transition needs length_mm."
            r0, r1 = attrs.get("radius_start_mm"), attrs.get("radius_end_mm")
            if r0 is None and r1 is None:
                errors["radius_end_mm"] = "A transition needs at least one finite radius (null means straight)."
            elif r0 is not None and r1 is not None and math.isclose(r0, r1):
                errors["radius_end_mm"] = "Equal start and end radii make an arc; use an arc segment."
            out = {
                "type": kind,
                "length_mm": attrs.get("length_mm"),
                "radius_start_mm": r0,
                "radius_end_mm": r1,
                "hand": attrs.get("hand", "left"),
            }
        if errors:
            raise serializers.ValidationError(errors)
        return out


class SleeperingSerializer(StoredDictSerializer):
    """Sleeper layout. Missing values come from the standard; the *_mm overrides win over the
    timber components (and, for length, over the standard's modelling convention)."""

    mode = serializers.ChoiceField(choices=SpacingMode.choices, required=False)
    rail_length_ft = serializers.ChoiceField(
        choices=spec_mod.RAIL_LENGTHS_FT, required=False, help_text="panel, custom"
    )
    sleepers_per_length = serializers.IntegerField(
        required=False, min_value=1, max_value=100, help_text="panel: 13 (30 ft), 19 (45 ft), 24/25/26 (60 ft)"
    )
    joint_offset_mm = serializers.FloatField(required=False, min_value=-100_000, max_value=100_000)
    spacing_mm = serializers.FloatField(required=False, min_value=0.5, max_value=60, help_text="uniform")
    custom_spacings_in = serializers.ListField(
        child=serializers.FloatField(min_value=1, max_value=240),
        required=False,
        min_length=2,
        max_length=100,
        help_text="custom: prototype inches, joint to first sleeper then centre to centre; sums to rail length - 12",
    )
    sleeper_length_mm = serializers.FloatField(required=False, allow_null=True, min_value=2, max_value=500)
    sleeper_width_mm = serializers.FloatField(required=False, allow_null=True, min_value=0.2, max_value=50)
    sleeper_depth_mm = serializers.FloatField(required=False, allow_null=True, min_value=0.2, max_value=50)
    joint_sleeper_width_mm = serializers.FloatField(required=False, allow_null=True, min_value=0.2, max_value=50)


class PrintOptionsSerializer(StoredDictSerializer):
    print_process = serializers.ChoiceField(
        choices=Process.choices, required=False, help_text="fdm or resin; default: your profile's print_process."
    )
    slot_clearance_mm = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=0.3, help_text="Per side; null = 0.12 fdm / 0.03 resin"
    )
    bed_x_mm = serializers.FloatField(required=False, min_value=20, max_value=2000, help_text="Default: profile")
    bed_y_mm = serializers.FloatField(required=False, min_value=20, max_value=2000, help_text="Default: profile")
    base_webs = serializers.BooleanField(required=False, help_text="Default true")
    include_rails = serializers.BooleanField(required=False, help_text="Default false (real rail is used)")
    chair_keys = serializers.BooleanField(required=False, help_text="Default true")
    pieces = serializers.ChoiceField(choices=("auto", "single"), required=False, help_text="Default auto")


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


SLEEPERING_OVERRIDES = ("sleeper_length_mm", "sleeper_width_mm", "sleeper_depth_mm", "joint_sleeper_width_mm")
COMPONENT_DEFAULTS = {
    "rail": "default_rail",
    "timber": "default_timber",
    "joint_timber": "default_joint_timber",
    "chair": "default_chair",
    "joint_chair": "default_joint_chair",
}


def normalise_sleepering(data: dict, standard: Standard) -> dict:
    """Fill defaults from the standard, keep only the keys the mode uses, check the tables."""
    mode = data.get("mode") or standard.default_spacing_mode
    out: dict[str, Any] = {"mode": mode, "joint_offset_mm": float(data.get("joint_offset_mm") or 0.0)}
    errors: dict[str, str] = {}
    k = standard.scale_mm_per_ft
    if mode in (SpacingMode.PANEL, SpacingMode.CUSTOM):
        out["rail_length_ft"] = int(data.get("rail_length_ft") or standard.default_rail_length_ft or 60)
    if mode == SpacingMode.PANEL:
        spl = data.get("sleepers_per_length")
        if spl is None:
            if out["rail_length_ft"] == standard.default_rail_length_ft and standard.default_sleepers_per_length:
                spl = standard.default_sleepers_per_length
            else:
                spl = min(n for (ft, n) in spec_mod.PANEL_TABLES if ft == out["rail_length_ft"])
        out["sleepers_per_length"] = int(spl)
        if (out["rail_length_ft"], out["sleepers_per_length"]) not in spec_mod.PANEL_TABLES:
            options = sorted(n for (ft, n) in spec_mod.PANEL_TABLES if ft == out["rail_length_ft"])
            errors["sleepers_per_length"] = (
                f"No prototype table for {out['rail_length_ft']} ft rails with {spl} sleepers; use one of {options}."
            )
    elif mode == SpacingMode.UNIFORM:
        spacing = data.get("spacing_mm") or standard.default_spacing_mm
        if spacing is None and standard.default_rail_length_ft and standard.default_sleepers_per_length:
            # The standard's panel average (60 ft / 24 at 4 mm/ft = 10.0 mm).
            spacing = round(standard.default_rail_length_ft * k / standard.default_sleepers_per_length, 4)
        if spacing is None:
            errors["spacing_mm"] = "Uniform sleepering needs spacing_mm."
        out["spacing_mm"] = spacing
    else:
        spacings = data.get("custom_spacings_in")
        if not spacings:
            errors["custom_spacings_in"] = "Custom sleepering needs custom_spacings_in (prototype inches)."
        else:
            expected = out["rail_length_ft"] * 12 - 12
            if not math.isclose(sum(spacings), expected, abs_tol=0.01):
                errors["custom_spacings_in"] = (
                    f'The spacings sum to {sum(spacings):g}" but must sum to {expected}" for a '
                    f'{out["rail_length_ft"]} ft rail (rail length minus the 12" joint bay).'
                )
            out["custom_spacings_in"] = [float(v) for v in spacings]
    for name in SLEEPERING_OVERRIDES:
        if data.get(name) is not None:
            out[name] = float(data[name])
    if errors:
        raise serializers.ValidationError({"sleepering": errors})
    return out


def normalise_print_options(data: dict, user) -> dict:
    return {
        "print_process": data.get("print_process") or getattr(user, "print_process", None) or Process.FDM,
        "slot_clearance_mm": data.get("slot_clearance_mm"),
        "bed_x_mm": float(data.get("bed_x_mm") or getattr(user, "bed_x_mm", None) or 220),
        "bed_y_mm": float(data.get("bed_y_mm") or getattr(user, "bed_y_mm", None) or 220),
        "base_webs": bool(data.get("base_webs", True)),
        "include_rails": bool(data.get("include_rails", False)),
        "chair_keys": bool(data.get("chair_keys", True)),
        "pieces": data.get("pieces") or "auto",
    }


class TrackSerializer(serializers.ModelSerializer):
    """A user's track. Omitted components, sleepering and print options take the standard's and
    the profile's defaults; derived values are read-only and recomputed on every write."""

    standard = VisibleComponentField(model=Standard)
    rail = VisibleComponentField(model=RailSection, required=False, help_text="Default: the standard's")
    timber = VisibleComponentField(model=TimberComponent, required=False, help_text="Default: the standard's")
    joint_timber = VisibleComponentField(model=TimberComponent, required=False, allow_null=True)
    chair = VisibleComponentField(
        model=ChairComponent, required=False, allow_null=True, help_text="Default: the standard's; null = no chairs"
    )
    joint_chair = VisibleComponentField(model=ChairComponent, required=False, allow_null=True)
    standard_code = serializers.CharField(source="standard.code", read_only=True)
    rail_code = serializers.CharField(source="rail.code", read_only=True)
    sleepering = SleeperingSerializer(required=False)
    alignment = serializers.ListField(
        child=SegmentSerializer(),
        min_length=1,
        max_length=MAX_SEGMENTS,
        allow_empty=False,
        help_text="Segments chained head to tail from the origin heading +X (left turns towards +Y).",
    )
    print_options = PrintOptionsSerializer(required=False)
    warnings = WarningSerializer(many=True, read_only=True)
    resolved = serializers.SerializerMethodField(
        help_text="The complete all-mm geometry spec the generator builds from (what to draw)."
    )

    class Meta:
        model = Track
        fields = (
            "id",
            "name",
            "description",
            "standard",
            "standard_code",
            "rail",
            "rail_code",
            "timber",
            "joint_timber",
            "chair",
            "joint_chair",
            "sleepering",
            "alignment",
            "print_options",
            "total_length_mm",
            "has_curves",
            "sleeper_count",
            "chair_count",
            "estimated_triangles",
            "warnings",
            "resolved",
            "created",
            "updated",
        )
        read_only_fields = (
            "id",
            "total_length_mm",
            "has_curves",
            "sleeper_count",
            "chair_count",
            "estimated_triangles",
            "created",
            "updated",
        )

    def validate_name(self, value: str) -> str:
        return single_line_name(value)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_resolved(self, obj: Track) -> dict:
        return resolved_spec(spec_mod.track_to_spec_dict(obj))

    def validate(self, attrs: dict) -> dict:
        inst: Track | None = self.instance
        keep = inst is not None and self.partial
        user = _user(self.context)
        standard: Standard = attrs.get("standard") or inst.standard
        standard_changed = inst is None or standard.pk != inst.standard_id

        for name, default_attr in COMPONENT_DEFAULTS.items():
            if name in attrs:
                continue
            if keep and not standard_changed:
                attrs[name] = getattr(inst, name)
            else:
                attrs[name] = getattr(standard, default_attr)

        sleepering = dict(attrs.get("sleepering") or {})
        if keep and "sleepering" in attrs:
            sleepering = {**inst.sleepering, **sleepering}
        elif keep:
            sleepering = dict(inst.sleepering)
        attrs["sleepering"] = normalise_sleepering(sleepering, standard)

        print_options = dict(attrs.get("print_options") or {})
        if keep:
            print_options = {**inst.print_options, **print_options}
        attrs["print_options"] = normalise_print_options(print_options, user)

        if "alignment" not in attrs:
            attrs["alignment"] = list(inst.alignment)

        self._check_components(attrs, standard)

        spec = spec_mod.build_spec_dict(
            standard=standard,
            rail=attrs["rail"],
            timber=attrs["timber"],
            joint_timber=attrs["joint_timber"],
            chair=attrs["chair"],
            joint_chair=attrs["joint_chair"],
            sleepering=attrs["sleepering"],
            alignment=attrs["alignment"],
            print_options=attrs["print_options"],
        )
        try:
            self.spec_check = spec_mod.check_spec(spec, sent_sleepering=attrs["sleepering"])
        except spec_mod.TrackSpecInvalid as exc:
            raise serializers.ValidationError(exc.errors) from exc
        self.spec_dict = spec
        return attrs

    @staticmethod
    def _check_components(attrs: dict, standard: Standard) -> None:
        errors: dict[str, str] = {}
        rail: RailSection = attrs["rail"]
        wants = RailProfile.BULLHEAD if standard.prototype == Prototype.UK_BULLHEAD else RailProfile.FLATBOTTOM
        if rail.profile != wants:
            errors["rail"] = f"{standard.code} is a {standard.prototype} standard and needs a {wants} rail section."
        for name in ("chair", "joint_chair"):
            chair: ChairComponent | None = attrs[name]
            if chair is None:
                continue
            if chair.prototype != standard.prototype:
                errors[name] = (
                    f"{standard.code} is a {standard.prototype} standard: {chair.prototype} chairs "
                    f"({chair.code}) do not belong on it."
                )
            elif chair.rail_section_id is not None and chair.rail_section_id != rail.pk:
                errors[name] = f"Chair {chair.code} only fits rail {chair.rail_section.code}, not {rail.code}."
        if attrs["joint_chair"] is not None and attrs["chair"] is None:
            errors["joint_chair"] = "Joint chairs need plain chairs too (chair is null)."
        if errors:
            raise serializers.ValidationError(errors)


class TrackListSerializer(TrackSerializer):
    """List pages leave out the resolved spec (a full geometry resolution per row); the detail has it."""

    class Meta(TrackSerializer.Meta):
        fields = tuple(f for f in TrackSerializer.Meta.fields if f != "resolved")


def resolved_spec(spec: dict) -> dict:
    """The geometry package's canonical, fully-resolved spec dict when available, else ``spec``."""
    try:
        from apps.generation.geometry.spec import spec_from_dict, spec_to_dict
    except ImportError:  # pragma: no cover - geometry package not installed
        return spec
    try:
        return spec_to_dict(spec_from_dict(spec))
    except (ValueError, TypeError, KeyError):
        return spec

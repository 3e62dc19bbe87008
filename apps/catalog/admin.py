"""Staff admin: edit presets (and see users' components), browse tracks with their computed summary."""

import json

from django.contrib import admin
from django.utils.html import format_html

from apps.catalog import selectors, services
from apps.catalog.models import SUMMARY_FIELDS, ChairComponent, RailSection, Standard, TimberComponent, Track


class PresetFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return (("preset", "Presets"), ("custom", "Users' own"))

    def queryset(self, request, queryset):
        if self.value() == "preset":
            return queryset.filter(owner__isnull=True)
        if self.value() == "custom":
            return queryset.filter(owner__isnull=False)
        return queryset


class ComponentAdmin(admin.ModelAdmin):
    list_filter = (PresetFilter,)
    search_fields = ("code", "name", "owner__username")
    readonly_fields = ("id", "created", "updated")
    raw_id_fields = ("owner",)
    ordering = ("code",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            # Tracks using an edited preset get their denormalised summary refreshed.
            services.track_refresh_summaries(tracks=selectors.tracks_using_component(component=obj))


@admin.register(Standard)
class StandardAdmin(ComponentAdmin):
    list_display = (
        "code",
        "name",
        "scale_mm_per_ft",
        "gauge_mm",
        "flangeway_mm",
        "warn_radius_mm",
        "prototype",
        "owner",
    )
    list_filter = (PresetFilter, "prototype", "scale_mm_per_ft")
    list_select_related = ("owner",)


@admin.register(RailSection)
class RailSectionAdmin(ComponentAdmin):
    list_display = (
        "code",
        "name",
        "profile",
        "height_mm",
        "head_width_mm",
        "foot_width_mm",
        "web_thickness_mm",
        "owner",
    )
    list_filter = (PresetFilter, "profile")
    list_select_related = ("owner",)


@admin.register(TimberComponent)
class TimberAdmin(ComponentAdmin):
    list_display = ("code", "name", "role", "length_in", "width_in", "depth_in", "owner")
    list_filter = (PresetFilter, "role")
    list_select_related = ("owner",)


@admin.register(ChairComponent)
class ChairAdmin(ComponentAdmin):
    list_display = ("code", "name", "role", "field_side_in", "gauge_side_in", "width_in", "seat_in", "owner")
    list_filter = (PresetFilter, "role", "prototype")
    list_select_related = ("owner", "rail_section")


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "owner",
        "standard",
        "total_length_mm",
        "sleeper_count",
        "estimated_triangles",
        "has_curves",
        "created",
    )
    list_filter = ("standard", "has_curves", "created")
    search_fields = ("name", "owner__username", "owner__email")
    list_select_related = ("owner", "standard")
    raw_id_fields = ("owner",)
    date_hierarchy = "created"
    readonly_fields = ("id", "computed_summary", *SUMMARY_FIELDS, "created", "updated")
    fieldsets = (
        (None, {"fields": ("id", "owner", "name", "description")}),
        ("Components", {"fields": ("standard", "rail", "timber", "joint_timber", "chair", "joint_chair")}),
        ("Design", {"fields": ("sleepering", "alignment", "print_options")}),
        (
            "Computed",
            {"fields": ("computed_summary", *SUMMARY_FIELDS)},
        ),
        ("Timestamps", {"fields": ("created", "updated")}),
    )

    @admin.display(description="Computed summary")
    def computed_summary(self, obj: Track) -> str:
        if obj.pk is None:
            return "-"
        warnings = "; ".join(w.get("message", "") for w in obj.warnings) or "none"
        return format_html(
            "{} mm, {} sleepers, {} chairs, ~{} triangles; curves: {}; warnings: {}<br><pre>{}</pre>",
            f"{obj.total_length_mm:.1f}",
            obj.sleeper_count,
            obj.chair_count,
            f"{obj.estimated_triangles:,}",
            "yes" if obj.has_curves else "no",
            warnings,
            json.dumps(obj.summary, indent=1, sort_keys=True),
        )

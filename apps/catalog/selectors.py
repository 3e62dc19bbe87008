"""Reads for the catalog. Components are visible to a user when they are presets or the user's own."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from apps.catalog.models import ChairComponent, RailSection, Standard, TimberComponent, Track

M = TypeVar("M", bound=Model)

TRACK_RELATED = ("owner", "standard", "rail", "timber", "joint_timber", "chair", "joint_chair")


def standard_code_exists(*, code: str, user=None) -> bool:
    """A preset with this code exists (or, given a user, one of the user's own standards)."""
    visible = Q(owner__isnull=True)
    if user is not None and getattr(user, "is_authenticated", False):
        visible |= Q(owner=user)
    return Standard.objects.filter(visible, code=code).exists()


def component_visible_to(*, model: type[M], user) -> QuerySet[M]:
    """Presets plus the user's own rows of a component model (presets only for anonymous users)."""
    qs = model.objects.all()
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.filter(owner__isnull=True)
    return qs.filter(Q(owner__isnull=True) | Q(owner=user))


def standard_list_for_user(*, user) -> QuerySet[Standard]:
    return component_visible_to(model=Standard, user=user).order_by("code", "id")


def rail_list_for_user(*, user) -> QuerySet[RailSection]:
    return component_visible_to(model=RailSection, user=user).order_by("code", "id")


def timber_list_for_user(*, user) -> QuerySet[TimberComponent]:
    return component_visible_to(model=TimberComponent, user=user).order_by("code", "id")


def chair_list_for_user(*, user) -> QuerySet[ChairComponent]:
    return component_visible_to(model=ChairComponent, user=user).order_by("code", "id")


def track_list_for_user(*, user) -> QuerySet[Track]:
    return Track.objects.filter(owner=user).select_related(*TRACK_RELATED).order_by("-updated", "id")


def track_get_for_user(*, user, track_id) -> Track | None:
    return track_list_for_user(user=user).filter(pk=track_id).first()


def tracks_using_component(*, component: Model) -> QuerySet[Track]:
    """Tracks whose spec depends on the component (for refreshing their denormalised summary)."""
    if isinstance(component, Standard):
        q = Q(standard=component)
    elif isinstance(component, RailSection):
        q = Q(rail=component)
    elif isinstance(component, TimberComponent):
        q = Q(timber=component) | Q(joint_timber=component)
    elif isinstance(component, ChairComponent):
        q = Q(chair=component) | Q(joint_chair=component)
    else:  # pragma: no cover
        return Track.objects.none()
    return Track.objects.filter(q).select_related(*TRACK_RELATED)

"""Writes for the catalog. Views and serializers call these; they own the transactions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model, Q

from apps.catalog import selectors
from apps.catalog.models import SUMMARY_FIELDS, Track
from apps.catalog.spec import SpecCheck, TrackSpecInvalid, check_spec, track_to_spec, track_to_spec_dict

M = TypeVar("M", bound=Model)

__all__ = [
    "TrackPayloadInvalid",
    "ValidatedTrack",
    "component_create",
    "component_delete",
    "component_duplicate",
    "component_update",
    "track_create",
    "track_delete",
    "track_duplicate",
    "track_refresh_summaries",
    "track_to_spec",
    "track_to_spec_dict",
    "track_update",
    "track_validate_payload",
]

TRACK_FIELDS = (
    "name",
    "description",
    "standard",
    "rail",
    "timber",
    "joint_timber",
    "chair",
    "joint_chair",
    "sleepering",
    "alignment",
    "print_options",
)


# ------------------------------------------------------------------------------------ tracks


def _plain(value: Any) -> Any:
    """JSON fallback for numpy scalars/arrays in the geometry summary."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _apply_check(track: Track, check: SpecCheck) -> None:
    summary = check.summary
    track.total_length_mm = float(summary.get("total_length_mm") or 0)
    track.sleeper_count = int(summary.get("sleeper_count") or 0)
    track.chair_count = int(summary.get("chair_count") or 0)
    track.estimated_triangles = int(summary.get("estimated_triangles") or 0)
    track.warnings = list(check.warnings)
    track.summary = json.loads(json.dumps({k: v for k, v in summary.items() if k != "warnings"}, default=_plain))
    types = sorted({seg["type"] for seg in track.alignment})
    track.segment_types = "," + ",".join(types) + "," if types else ""
    track.has_curves = any(t in ("arc", "transition") for t in types)


def _check_track(track: Track) -> SpecCheck:
    return check_spec(track_to_spec_dict(track), sent_sleepering=track.sleepering)


@transaction.atomic
def track_create(*, owner, data: dict[str, Any], check: SpecCheck | None = None) -> Track:
    """Create a track from validated data (TrackSerializer). ``check`` is the serializer's result
    of :func:`apps.catalog.spec.check_spec`; computed here when not given."""
    track = Track(owner=owner, **{k: v for k, v in data.items() if k in TRACK_FIELDS})
    _apply_check(track, check or _check_track(track))
    track.save()
    return track


@transaction.atomic
def track_update(*, track: Track, data: dict[str, Any], check: SpecCheck | None = None) -> Track:
    for name, value in data.items():
        if name in TRACK_FIELDS:
            setattr(track, name, value)
    _apply_check(track, check or _check_track(track))
    track.save()
    return track


@transaction.atomic
def track_delete(*, track: Track) -> None:
    track.delete()


@transaction.atomic
def track_duplicate(*, track: Track, owner) -> Track:
    """An editable copy owned by ``owner`` (the API only lets owners duplicate their own tracks)."""
    name = f"{track.name} (copy)"
    if len(name) > 120:
        name = track.name[: 120 - len("… (copy)")] + "… (copy)"
    copy = Track(owner=owner, **{f: getattr(track, f) for f in TRACK_FIELDS if f != "name"}, name=name)
    for f in SUMMARY_FIELDS:
        setattr(copy, f, getattr(track, f))
    copy.save()
    return copy


def track_refresh_summaries(*, tracks) -> int:
    """Recompute the denormalised summary of tracks after a component they use changed.

    A track that the change made invalid keeps its data and gets an ``invalid`` warning naming the
    problem, so the owner sees it on the next read (the generation route re-validates anyway).
    """
    count = 0
    for track in tracks:
        try:
            _apply_check(track, _check_track(track))
        except TrackSpecInvalid as exc:
            track.warnings = [
                {"code": "invalid", "field": f, "message": m} for f, msgs in exc.errors.items() for m in msgs
            ]
        track.save(update_fields=[*SUMMARY_FIELDS, "updated"])
        count += 1
    return count


class TrackPayloadInvalid(Exception):
    """An inline track definition failed validation; ``errors`` maps dotted API fields to messages,
    ready for the error envelope ``{"detail": "Validation failed.", "errors": errors}`` with 422."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(str(errors))


@dataclass
class ValidatedTrack:
    data: dict[str, Any]  # serializer validated_data (model instances for components)
    spec: dict  # the all-mm geometry spec dict (what track_to_spec_dict returns for a saved track)
    warnings: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def track_validate_payload(*, user, data: dict[str, Any]) -> ValidatedTrack:
    """Validate an unsaved track definition exactly as ``POST /api/tracks/`` does.

    For the STL generate route's inline tracks: same fields, same defaults, same rules, same spec.
    Raises :class:`TrackPayloadInvalid` with dotted field paths.
    """
    from apps.catalog.serializers import TrackSerializer
    from apps.common.errors import _flatten

    if isinstance(data, dict) and not data.get("name"):
        data = {**data, "name": "Untitled track"}  # inline definitions may omit the name
    serializer = TrackSerializer(data=data, context={"user": user})
    if not serializer.is_valid():
        raise TrackPayloadInvalid(_flatten(serializer.errors))
    check = serializer.spec_check
    return ValidatedTrack(
        data=dict(serializer.validated_data),
        spec=serializer.spec_dict,
        warnings=check.warnings,
        summary=check.summary,
    )


# -------------------------------------------------------------------------------- components


@transaction.atomic
def component_create(*, model: type[M], owner, data: dict[str, Any]) -> M:
    obj = model(owner=owner, **data)
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save()
    return obj


@transaction.atomic
def component_update(*, obj: M, data: dict[str, Any]) -> M:
    for name, value in data.items():
        setattr(obj, name, value)
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save()
    track_refresh_summaries(tracks=selectors.tracks_using_component(component=obj))
    return obj


class ComponentInUse(Exception):
    def __init__(self, count: int):
        self.count = count
        super().__init__(f"used by {count} track(s)")


@transaction.atomic
def component_delete(*, obj: Model) -> None:
    """Deletes a user's component; refuses while any track (or standard) still uses it."""
    from django.db.models import ProtectedError

    in_use = selectors.tracks_using_component(component=obj).count()
    if in_use:
        raise ComponentInUse(in_use)
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError as exc:
        raise ComponentInUse(len(exc.protected_objects)) from exc


def _free_code(model: type[Model], owner, code: str) -> str:
    # A user's codes are unique among their own and never shadow a preset's.
    taken = set(model.objects.filter(Q(owner=owner) | Q(owner__isnull=True)).values_list("code", flat=True))
    if code not in taken:
        return code
    for n in range(1, 1000):
        suffix = "-COPY" if n == 1 else f"-COPY{n}"
        candidate = code[: 32 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise ValueError("no free code")  # pragma: no cover


@transaction.atomic
def component_duplicate(*, obj: M, owner) -> M:
    """An editable copy of a preset (or of one's own component), owned by ``owner``."""
    model = type(obj)
    values = {
        f.attname: getattr(obj, f.attname)
        for f in model._meta.concrete_fields
        if f.name not in ("id", "owner", "created", "updated")
    }
    values["code"] = _free_code(model, owner, obj.code)
    copy = model(owner=owner, **values)
    copy.save()
    return copy

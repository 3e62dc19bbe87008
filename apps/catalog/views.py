"""DRF viewsets for the catalog: thin; querysets scoped to the user; writes through services."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers as drf_serializers
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from apps.catalog import filters, selectors, serializers, services
from apps.catalog.models import ChairComponent, RailSection, Standard, TimberComponent, Track
from apps.common.errors import envelope

UUID_REGEX = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def _err(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=serializers.ErrorEnvelopeSerializer, description=description)


E401 = _err("Not authenticated (missing, invalid or expired bearer token).")
E403 = _err("Presets are read-only.")
E404 = _err("Not found, or not yours.")
E409 = _err("Still used by a track or standard.")
E422 = _err("Validation failed: errors maps dotted field paths to messages.")
E422_QUERY = _err("Invalid filter, ordering or page parameter.")
EMPTY_404 = _err("Page out of range.")

SCALE_PARAM = OpenApiParameter(
    "scale",
    OpenApiTypes.FLOAT,
    description="Model scale in mm per prototype foot (e.g. 4 for OO/EM/P4); adds `resolved` millimetres.",
)


def component_schema(serializer_class, noun: str, extra_params: list | None = None):
    params = extra_params or []
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {noun}s (presets and your own)",
            parameters=params,
            responses={200: serializer_class(many=True), 401: E401, 404: EMPTY_404, 422: E422_QUERY},
        ),
        retrieve=extend_schema(
            summary=f"Get a {noun}",
            parameters=params,
            responses={200: serializer_class, 401: E401, 404: E404, 422: E422_QUERY},
        ),
        create=extend_schema(
            summary=f"Create your own {noun}", responses={201: serializer_class, 401: E401, 422: E422}
        ),
        update=extend_schema(
            summary=f"Replace your own {noun}",
            responses={200: serializer_class, 401: E401, 403: E403, 404: E404, 422: E422},
        ),
        partial_update=extend_schema(
            summary=f"Update your own {noun}",
            responses={200: serializer_class, 401: E401, 403: E403, 404: E404, 422: E422},
        ),
        destroy=extend_schema(
            summary=f"Delete your own {noun}", responses={204: None, 401: E401, 403: E403, 404: E404, 409: E409}
        ),
        duplicate=extend_schema(
            summary=f"Copy a {noun} (e.g. a preset) into an editable one of your own",
            request=None,
            responses={201: serializer_class, 401: E401, 404: E404},
        ),
    )


class ComponentViewSet(viewsets.ModelViewSet):
    """Presets plus the user's own; presets are read-only (403), other users' rows do not exist (404)."""

    model: type = Standard
    selector = staticmethod(selectors.standard_list_for_user)
    noun = "component"
    route = ""
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = UUID_REGEX
    uses_scale = False

    def get_queryset(self):
        return self.selector(user=self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["user"] = self.request.user
        if self.uses_scale and getattr(self, "request", None) is not None:
            context["scale"] = self._scale()
        return context

    def _scale(self) -> float | None:
        raw = self.request.query_params.get("scale")
        if raw in (None, ""):
            return None
        field = drf_serializers.FloatField(min_value=1.0, max_value=25.4)
        try:
            return field.run_validation(raw)
        except ValidationError as exc:
            raise ValidationError({"scale": exc.detail}) from exc

    def _own_object(self):
        obj = self.get_object()
        if obj.is_preset:
            raise PermissionDenied(
                f"Presets are read-only; duplicate it with POST /api/{self.route}/{obj.pk}/duplicate/ "
                "and edit your copy."
            )
        return obj

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = services.component_create(model=self.model, owner=request.user, data=serializer.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        obj = self._own_object()
        serializer = self.get_serializer(obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        obj = services.component_update(obj=obj, data=serializer.validated_data)
        return Response(self.get_serializer(obj).data)

    def destroy(self, request, *args, **kwargs):
        obj = self._own_object()
        try:
            services.component_delete(obj=obj)
        except services.ComponentInUse as exc:
            return Response(
                envelope(f"This {self.noun} is still used ({exc.count}); change or delete those first.", code="in_use"),
                status=status.HTTP_409_CONFLICT,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def duplicate(self, request, *args, **kwargs):
        copy = services.component_duplicate(obj=self.get_object(), owner=request.user)
        return Response(self.get_serializer(copy).data, status=status.HTTP_201_CREATED)


@component_schema(serializers.StandardSerializer, "standard")
class StandardViewSet(ComponentViewSet):
    """Modelling standards (scale, gauge, flangeway, check gauge, warning radius, defaults)."""

    model = Standard
    selector = staticmethod(selectors.standard_list_for_user)
    serializer_class = serializers.StandardSerializer
    filterset_class = filters.StandardFilter
    noun = "standard"
    route = "standards"


@component_schema(serializers.RailSectionSerializer, "rail section")
class RailSectionViewSet(ComponentViewSet):
    """Model rail sections in mm (height, head, foot, web)."""

    model = RailSection
    selector = staticmethod(selectors.rail_list_for_user)
    serializer_class = serializers.RailSectionSerializer
    filterset_class = filters.RailSectionFilter
    noun = "rail section"
    route = "rails"


@component_schema(serializers.TimberComponentSerializer, "timber", [SCALE_PARAM])
class TimberViewSet(ComponentViewSet):
    """Sleepers (timbers) in prototype inches; ?scale= resolves them to model mm."""

    model = TimberComponent
    selector = staticmethod(selectors.timber_list_for_user)
    serializer_class = serializers.TimberComponentSerializer
    filterset_class = filters.TimberFilter
    noun = "timber"
    route = "timbers"
    uses_scale = True


@component_schema(serializers.ChairComponentSerializer, "chair", [SCALE_PARAM])
class ChairViewSet(ComponentViewSet):
    """Bullhead chairs in prototype inches; ?scale= resolves them to model mm."""

    model = ChairComponent
    selector = staticmethod(selectors.chair_list_for_user)
    serializer_class = serializers.ChairComponentSerializer
    filterset_class = filters.ChairFilter
    noun = "chair"
    route = "chairs"
    uses_scale = True

    def get_queryset(self):
        return super().get_queryset().select_related("rail_section")


@extend_schema_view(
    list=extend_schema(
        summary="List your tracks",
        responses={200: serializers.TrackSerializer(many=True), 401: E401, 404: EMPTY_404, 422: E422_QUERY},
    ),
    retrieve=extend_schema(
        summary="Get one of your tracks", responses={200: serializers.TrackSerializer, 401: E401, 404: E404}
    ),
    create=extend_schema(summary="Create a track", responses={201: serializers.TrackSerializer, 401: E401, 422: E422}),
    update=extend_schema(
        summary="Replace a track", responses={200: serializers.TrackSerializer, 401: E401, 404: E404, 422: E422}
    ),
    partial_update=extend_schema(
        summary="Update a track (nested sleepering/print_options are merged; alignment is replaced)",
        responses={200: serializers.TrackSerializer, 401: E401, 404: E404, 422: E422},
    ),
    destroy=extend_schema(summary="Delete a track", responses={204: None, 401: E401, 404: E404}),
    duplicate=extend_schema(
        summary="Make an editable copy of a track",
        request=None,
        responses={201: serializers.TrackSerializer, 401: E401, 404: E404},
    ),
)
class TrackViewSet(viewsets.ModelViewSet):
    """The requesting user's track designs. Another user's track is 404."""

    serializer_class = serializers.TrackSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.TrackFilter
    lookup_value_regex = UUID_REGEX

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Track.objects.none()
        qs = selectors.track_list_for_user(user=self.request.user)
        if self.action == "list":
            # A page shows the codes of the standard and rail; other components travel as ids.
            qs = qs.select_related(None).select_related("standard", "rail")
        return qs

    def get_serializer_class(self):
        return serializers.TrackListSerializer if self.action == "list" else serializers.TrackSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["user"] = self.request.user
        return context

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        track = services.track_create(owner=request.user, data=serializer.validated_data, check=serializer.spec_check)
        return Response(self.get_serializer(track).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        track = self.get_object()
        serializer = self.get_serializer(track, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        track = services.track_update(track=track, data=serializer.validated_data, check=serializer.spec_check)
        return Response(self.get_serializer(track).data)

    def destroy(self, request, *args, **kwargs):
        services.track_delete(track=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def duplicate(self, request, *args, **kwargs):
        copy = services.track_duplicate(track=self.get_object(), owner=request.user)
        return Response(self.get_serializer(copy).data, status=status.HTTP_201_CREATED)

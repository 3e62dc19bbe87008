"""One error envelope for DRF and Ninja: {"detail": str, "errors": {field: [messages]}}.

Validation errors are 422 in both frameworks; DRF's default is 400 and Ninja's body differs.
"""
import json
from typing import Any

from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def envelope(detail: str, errors: dict[str, list[str]] | None = None, code: str | None = None) -> dict:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    if code:
        body["code"] = code
    return body


def _flatten(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors for nested serializers and lists; flatten to dotted field paths."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and not prefix:
                name = "non_field_errors"
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(data, list):
        if all(not isinstance(item, (dict, list)) for item in data):
            out[prefix or "non_field_errors"] = [str(item) for item in data]
        else:
            for index, item in enumerate(data):
                if item:
                    for k, v in _flatten(item, f"{prefix}.{index}" if prefix else str(index)).items():
                        out.setdefault(k, []).extend(v)
    else:
        out[prefix or "non_field_errors"] = [str(data)]
    return out


def drf_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        return Response(envelope("Validation failed.", errors), status=422)
    if isinstance(exc, exceptions.ParseError):
        # Malformed JSON (or NaN/Infinity, which strict JSON refuses) is a validation error too.
        return Response(_parse_error(str(exc.detail)), status=422)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data.get("detail") if isinstance(response.data, dict) else None
    code = getattr(detail, "code", None)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response.status_code = status.HTTP_401_UNAUTHORIZED
    response.data = envelope(str(detail or "Request failed."), code=str(code) if code else None)
    return response


def _parse_error(reason: str) -> dict:
    return envelope("Malformed request body.", {"non_field_errors": [reason]}, code="parse_error")


def api_not_found(request, exception=None):
    """handler404: a path under /api/ that matches no route (e.g. an id that is not a UUID) answers
    with the JSON envelope like every other API 404; other paths keep Django's page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse(envelope("Not found."), status=404)
    return page_not_found(request, exception)


def _ninja_loc(loc: list) -> str:
    # Ninja prefixes locations with the parameter source ("body", "payload", ...); drop those.
    parts = [str(p) for p in loc]
    while parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "payload", "data"}:
        parts.pop(0)
    return ".".join(parts) or "non_field_errors"


def install_ninja_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc: NinjaValidationError):
        errors: dict[str, list[str]] = {}
        for err in exc.errors:
            errors.setdefault(_ninja_loc(list(err.get("loc", []))), []).append(str(err.get("msg")))
        return api.create_response(request, envelope("Validation failed.", errors), status=422)

    @api.exception_handler(AuthenticationError)
    def _auth(request, exc):
        response = api.create_response(
            request, envelope("Authentication credentials were not provided or are invalid."), status=401
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return api.create_response(request, envelope("Not found."), status=404)

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        if exc.status_code == 400:
            # Ninja's only 400 is an unparseable body (see StrictJSONParser): 415 when it was not
            # JSON at all, else 422 like DRF's parse errors.
            if "json" not in (request.content_type or "").lower():
                return api.create_response(
                    request, envelope("Unsupported media type: send application/json.", code="unsupported_media_type"),
                    status=415,
                )
            return api.create_response(request, _parse_error(str(exc)), status=422)
        return api.create_response(request, envelope(str(exc)), status=exc.status_code)


class StrictJSONParser(Parser):
    """Ninja's default parser reads any body as JSON whatever its Content-Type and accepts NaN and
    Infinity (Python's json does; DRF's strict parser does not). Refuse both, like DRF."""

    def parse_body(self, request):
        if "json" not in (request.content_type or "").lower():
            raise ValueError("not JSON")
        return json.loads(request.body, parse_constant=_refuse_constant)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")

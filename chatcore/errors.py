"""One error shape for every failure (design D10): ``{"error": ..., "message"?, "fields"?}``.

Services raise ``ApplicationError`` subclasses; this module's handler turns those, DRF's own
exceptions and Django's into the one JSON shape. Anything unknown is logged and answers a 500
without internals — never a 400, so real bugs stay visible.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

logger = logging.getLogger("chatcore.errors")

UNAUTHORIZED = "Unauthorized"
METHOD_NOT_ALLOWED = "Method not allowed"
NOT_FOUND = "Not found"
INTERNAL_ERROR = "Internal server error"
DATABASE_UNAVAILABLE = "Database unavailable"
TOO_MANY_REQUESTS = "Too many requests"
REQUEST_TOO_LARGE = "Request body too large"


class ApplicationError(Exception):
    """A failure the client caused or can act on; rendered as JSON with ``status_code``."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        error: str,
        *,
        status_code: int | None = None,
        message: str | None = None,
        fields: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        if status_code is not None:
            self.status_code = status_code
        self.message = message
        self.fields = dict(fields) if fields else None
        self.headers = dict(headers) if headers else {}


class InvalidInput(ApplicationError):
    status_code = status.HTTP_400_BAD_REQUEST


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND


class Forbidden(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT


class PayloadTooLarge(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


class BadGateway(ApplicationError):
    status_code = status.HTTP_502_BAD_GATEWAY


class InvalidCursor(InvalidInput):
    def __init__(self) -> None:
        super().__init__("Invalid cursor")


def error_body(
    error: str, *, message: str | None = None, fields: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error}
    if message:
        body["message"] = message
    if fields:
        body["fields"] = dict(fields)
    return body


def _first_message(detail: Any) -> tuple[str | None, str]:
    """The first (field, message) pair of a DRF error detail, depth-first."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            field, message = _first_message(value)
            if key == "non_field_errors":
                return field, message
            return (f"{key}.{field}" if field else str(key)), message
    if isinstance(detail, list | tuple) and detail:
        return _first_message(detail[0])
    return None, str(detail)


def _sentence(field: str | None, message: str) -> str:
    """ "conversationId is required" rather than DRF's "This field is required."."""
    if not field:
        return message
    lowered = message.rstrip(".")
    for prefix in ("This field ", "this field "):
        if lowered.startswith(prefix):
            return f"{field} {lowered[len(prefix) :]}"
    if lowered.startswith("Ensure this field "):
        return f"{field}: ensure it {lowered[len('Ensure this field ') :]}"
    return f"{field}: {lowered}"


def _validation_body(detail: Any) -> dict[str, Any]:
    if isinstance(detail, Mapping):
        field, message = _first_message(detail)
        fields = {
            key: value if isinstance(value, list) else [value] for key, value in detail.items()
        }
        fields.pop("non_field_errors", None)
        return error_body(_sentence(field, message), fields=fields or None)
    _, message = _first_message(detail)
    return error_body(message)


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response:
    """DRF ``EXCEPTION_HANDLER``: every failure leaves as the D10 shape."""
    # Imported here: rest_framework.views loads the parser classes, which import this module.
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    if isinstance(exc, ApplicationError):
        set_rollback()
        body = error_body(exc.error, message=exc.message, fields=exc.fields)
        return Response(body, status=exc.status_code, headers=exc.headers)
    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        set_rollback()
        return Response(error_body(REQUEST_TOO_LARGE), status=413)
    elif isinstance(exc, RecursionError):
        set_rollback()
        return Response(error_body("JSON nesting is too deep"), status=400)

    response = drf_exception_handler(exc, context)
    if response is None:
        set_rollback()
        if isinstance(exc, OperationalError):
            logger.exception("database unavailable")
            return Response(
                error_body(DATABASE_UNAVAILABLE), status=503, headers={"Retry-After": "5"}
            )
        logger.error("unhandled error", exc_info=exc)
        return Response(error_body(INTERNAL_ERROR), status=500)

    if isinstance(exc, drf_exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
    elif isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        response.status_code = status.HTTP_401_UNAUTHORIZED
        detail = _first_message(exc.detail)[1]
        response.data = error_body(UNAUTHORIZED, message=detail)
    elif isinstance(exc, drf_exceptions.MethodNotAllowed):
        response.data = error_body(METHOD_NOT_ALLOWED)
    elif isinstance(exc, drf_exceptions.Throttled):
        response.data = error_body(TOO_MANY_REQUESTS, message=str(exc.detail))
    elif isinstance(exc, drf_exceptions.NotFound):
        default = exc.detail == drf_exceptions.NotFound.default_detail
        response.data = error_body(NOT_FOUND if default else str(exc.detail))
    else:
        detail = getattr(exc, "detail", None)
        response.data = _validation_body(detail) if detail is not None else error_body(str(exc))
    return response


# --- Non-DRF routes (config.urls handler404/handler500, the /api catch-all) ---------------------
def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body(NOT_FOUND), status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body(INTERNAL_ERROR), status=500)


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(error_body(REQUEST_TOO_LARGE), status=413)
    return JsonResponse(error_body("Bad request"), status=400)


def json_permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> JsonResponse:
    return JsonResponse(error_body("Forbidden"), status=403)

"""One error shape for every failure: ``{"error": ..., "message"?, "fields"?}``.

Services raise ``ApplicationError`` subclasses; this module's handler turns those, DRF's own
exceptions and Django's into the one JSON shape. Anything unknown is logged and answers a 500
without internals — never a 400, so real bugs stay visible.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.csrf import csrf_failure
from django.views.decorators.csrf import csrf_exempt
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
# Django's form limits (DATA_UPLOAD_MAX_NUMBER_FIELDS / _FILES) raise these while parsing a body.
TOO_MANY_FIELDS = "Too many form fields in the request"
TOO_MANY_FILES = "Too many files in the request"
FORBIDDEN = "Forbidden"
CSRF_FAILED = "CSRF verification failed"
UNSUPPORTED_MEDIA_TYPE = "Unsupported media type"
# PostgreSQL text columns refuse both (chatcore.validators checks for them).
NUL_NOT_ALLOWED = "Text must not contain NUL characters"
SURROGATE_NOT_ALLOWED = "Text must not contain unpaired surrogate characters"


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


class TooManyRequests(ApplicationError):
    """A 429; every rate limit answers through this, ``retry_after`` seconds as Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(
        self,
        error: str = TOO_MANY_REQUESTS,
        *,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        super().__init__(error, message=message, headers=headers)


class InvalidCursor(InvalidInput):
    def __init__(self) -> None:
        super().__init__("Invalid cursor")


CONVERSATION_NOT_FOUND = "Conversation not found"
MESSAGE_NOT_FOUND = "Message not found"
TAG_NOT_FOUND = "Tag not found"


class ConversationNotFound(NotFound):
    """No conversation of the requesting user has that id. Another user's id answers the same,
    so an id never reveals whether someone else owns it. An endpoint with its own sentence
    (the chats API's "Chat not found") passes it as ``error``."""

    def __init__(self, error: str = CONVERSATION_NOT_FOUND, **kwargs: Any) -> None:
        super().__init__(error, **kwargs)


class MessageNotFound(NotFound):
    """No message of the requesting user has that id (in that conversation, when one is named)."""

    def __init__(self, error: str = MESSAGE_NOT_FOUND, **kwargs: Any) -> None:
        super().__init__(error, **kwargs)


class TagNotFound(NotFound):
    """The requesting user has no tag with that label."""

    def __init__(self, error: str = TAG_NOT_FOUND, **kwargs: Any) -> None:
        super().__init__(error, **kwargs)


def error_body(
    error: str,
    *,
    message: str | None = None,
    fields: Mapping[str, Any] | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error}
    if message:
        body["message"] = message
    if fields:
        body["fields"] = dict(fields)
    if code:  # machine-readable, where clients act on it (docs/api-behaviour.md#token-errors)
        body["code"] = code
    return body


# --- Validation errors: the one formatter ------------------------------------------------------
# Every serializer failure (the DRF handler below, ``chatcore.serializers.validated``, and
# serializers that answer a fixed sentence such as "Invalid feedback") goes through
# ``invalid_input``, so a 400 reads alike on every endpoint:
#   ``error``  one sentence about the first problem, e.g. "conversationId is required";
#   ``fields`` wire key -> list of messages, nested keys dotted ("arg.conversationId",
#              "tags.0"); problems with no key (a body that is not an object, unknown keys)
#              appear only in ``error``, and ``fields`` is left out when nothing has a key.
# A flat map keeps every key a client sent addressable with one lookup, however deep it was.
NON_FIELD_KEY = "non_field_errors"
# Refusals that read the same whether the JSON parser or a field found them: they speak of
# "Text", so they are not prefixed with the field's name.
_STANDALONE_SENTENCES = frozenset({NUL_NOT_ALLOWED, SURROGATE_NOT_ALLOWED})


def validation_messages(detail: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Every (dotted wire key, message) pair of a DRF error detail, in order ("" = no key)."""
    if isinstance(detail, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, value in detail.items():
            name = prefix if key == NON_FIELD_KEY else f"{prefix}.{key}" if prefix else str(key)
            pairs.extend(validation_messages(value, name))
        return pairs
    if isinstance(detail, list | tuple):
        if not any(isinstance(item, Mapping | list | tuple) for item in detail):
            return [(prefix, str(item)) for item in detail]
        # A ``many=True`` serializer: one entry per item, ``{}`` for the valid ones.
        pairs = []
        for index, item in enumerate(detail):
            pairs.extend(validation_messages(item, f"{prefix}.{index}" if prefix else str(index)))
        return pairs
    return [(prefix, str(detail))]


def first_message(detail: Any) -> str:
    pairs = validation_messages(detail)
    return pairs[0][1] if pairs else str(detail)


def error_sentence(field: str, message: str) -> str:
    """ "conversationId is required" rather than DRF's "This field is required."; messages that
    already name their field ("title must be a string") are sentences as they are."""
    if not field or message in _STANDALONE_SENTENCES:
        return message
    leaf = next(
        (part.removesuffix("[]") for part in reversed(field.split(".")) if not part.isdigit()), ""
    )
    if leaf and message.startswith(f"{leaf} "):
        return message
    text = message.rstrip(".")
    if text.startswith("This field "):
        return f"{field} {text[len('This field ') :]}"
    if text.startswith("Ensure this field "):
        return f"{field}: ensure it {text[len('Ensure this field ') :]}"
    return f"{field}: {text}"


def invalid_input(detail: Any, *, error: str | None = None) -> InvalidInput:
    """The 400 for a DRF error detail. ``error`` replaces the sentence (which then becomes the
    ``message``) where an endpoint answers one fixed sentence for every problem."""
    pairs = validation_messages(detail)
    field, message = pairs[0] if pairs else ("", "Invalid input")
    fields: dict[str, list[str]] = {}
    for key, text in pairs:
        if key:
            fields.setdefault(key, []).append(text)
    sentence = error_sentence(field, message)
    if error is None:
        return InvalidInput(sentence, fields=fields)
    return InvalidInput(error, message=sentence, fields=fields)


def _auth_code(exc: drf_exceptions.APIException) -> str:
    """The 401's ``code``: DRF's and chatcore's exceptions carry a plain code; simplejwt's put
    theirs in a ``{"detail", "code"}`` detail dict."""
    if isinstance(exc.detail, Mapping):
        code = exc.detail.get("code")
        return str(code) if code else "token_invalid"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else "token_invalid"


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response:
    """DRF ``EXCEPTION_HANDLER``: every failure leaves in the one error shape."""
    # Imported here: rest_framework.views loads the parser classes, which import this module.
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, drf_exceptions.ValidationError):
        exc = invalid_input(exc.detail)
    elif isinstance(exc, drf_exceptions.Throttled):
        exc = TooManyRequests(message=str(exc.detail), retry_after=exc.wait or None)
    if isinstance(exc, ApplicationError):
        set_rollback()
        body = error_body(exc.error, message=exc.message, fields=exc.fields)
        return Response(body, status=exc.status_code, headers=exc.headers)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        set_rollback()
        return Response(error_body(REQUEST_TOO_LARGE), status=413)
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        set_rollback()
        return Response(error_body(form_limit_sentence(exc)), status=400)
    elif isinstance(exc, RecursionError):
        set_rollback()
        return Response(error_body("JSON nesting is too deep"), status=400)
    elif isinstance(exc, drf_exceptions.UnsupportedMediaType):
        set_rollback()
        return Response(unsupported_media_body(context), status=415)

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

    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        response.status_code = status.HTTP_401_UNAUTHORIZED
        code = _auth_code(exc)
        response.data = error_body(UNAUTHORIZED, message=first_message(exc.detail), code=code)
    elif isinstance(exc, drf_exceptions.MethodNotAllowed):
        response.data = error_body(METHOD_NOT_ALLOWED)
    elif isinstance(exc, drf_exceptions.NotFound):
        default = exc.detail == drf_exceptions.NotFound.default_detail
        response.data = error_body(NOT_FOUND if default else str(exc.detail))
    else:
        detail = getattr(exc, "detail", None)
        failure = invalid_input(detail) if detail is not None else InvalidInput(str(exc))
        response.data = error_body(failure.error, message=failure.message, fields=failure.fields)
    return response


def unsupported_media_body(context: Mapping[str, Any]) -> dict[str, Any]:
    """The one 415 body: the same ``error`` everywhere, and a ``message`` naming what this
    endpoint parses (JSON on every route, multipart on import:
    docs/api-behaviour.md#input-limits)."""
    request = context.get("request")
    accepted = [parser.media_type for parser in getattr(request, "parsers", None) or ()]
    wanted = " or ".join(accepted) or "application/json"
    return error_body(UNSUPPORTED_MEDIA_TYPE, message=f"Send the body as {wanted}")


def form_limit_sentence(exc: TooManyFieldsSent | TooManyFilesSent) -> str:
    """The 400 sentence for a body over Django's field/file count limits
    (docs/api-behaviour.md#hostile-input)."""
    return TOO_MANY_FILES if isinstance(exc, TooManyFilesSent) else TOO_MANY_FIELDS


# --- Non-DRF routes (config.urls handler404/handler500, the /api catch-all) ---------------------
@csrf_exempt
def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Also the ``/api/`` catch-all: CSRF-exempt, so an unsafe method to an unknown route is a
    JSON 404 rather than Django's CSRF page (it writes nothing, so there is nothing to protect)."""
    return JsonResponse(error_body(NOT_FOUND), status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body(INTERNAL_ERROR), status=500)


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(error_body(REQUEST_TOO_LARGE), status=413)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return JsonResponse(error_body(form_limit_sentence(exception)), status=400)
    return JsonResponse(error_body("Bad request"), status=400)


def json_permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> JsonResponse:
    return JsonResponse(error_body(FORBIDDEN), status=403)


def json_csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a refused session-cookie write answers JSON on ``/api/`` (the
    admin keeps Django's page). Bearer-token API views are CSRF-exempt through DRF, so this
    only answers cookie-authenticated writes (docs/api-behaviour.md#hostile-input)."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return JsonResponse(error_body(FORBIDDEN, message=CSRF_FAILED), status=403)
    return csrf_failure(request, reason=reason)

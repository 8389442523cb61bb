"""Serializer basics every app uses: one definition each, so every endpoint validates alike.

Input fields are strict about JSON types: DRF would turn ``123`` into ``"123"`` and ``"yes"``
into ``True``; a client sending the wrong type gets a 400 instead. Views parse with
``validated``; a failure leaves through ``chatcore.errors.invalid_input``, the one formatter of
the 400 body. Timestamps go out only through ``iso`` (``TimestampField`` in serializers), one
format on every endpoint and in every export (``IsoSQL`` is the same format written by
PostgreSQL, for reads of thousands of rows).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, overload

from django.db import models
from django.db.models import Func
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatcore.errors import NUL_NOT_ALLOWED, SURROGATE_NOT_ALLOWED
from chatcore.models import PUBLIC_ID_MAX_LENGTH
from chatcore.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parse_page_size
from chatcore.validators import check_json_value, text_problem

UNKNOWN_KEYS = "Unknown field: {keys}"
BODY_NOT_AN_OBJECT = "Request body must be a JSON object"
UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> Any:
    """``data`` validated by ``serializer_class`` (``kwargs`` such as ``context`` go to it);
    a failure raises, and the exception handler renders it as the one 400 shape."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def is_uuid(value: str) -> bool:
    """A lowercase hyphenated UUID, the form clients generate ids in."""
    return bool(UUID_PATTERN.match(value))


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
@overload
def iso(value: datetime | None) -> str | None: ...
def iso(value: datetime | None) -> str | None:
    """The one wire format of a timestamp: ISO 8601 in UTC with milliseconds and ``Z``
    (``2024-05-29T00:33:03.661Z``), as JavaScript's ``toISOString`` writes it and LibreChat
    sends (docs/api-behaviour.md#timestamps). Every JSON body, every export and the renderer's
    fallback for a raw ``datetime`` (chatcore/renderers.py) write through it.

    Digits below the millisecond are cut, not rounded, so the text never names a later instant
    than the row holds. Values read from the database and ``timezone.now()`` carry
    ``datetime.UTC`` (the session is UTC: chatcore/postgres/base.py), so the hot path is one
    ``isoformat`` with no per-value time-zone lookup; anything else (an aware value in another
    zone, such as a parsed import, or a naive one) is converted first.
    """
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = _as_utc(value)
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


class IsoSQL(Func):
    """``iso`` written by PostgreSQL: the same text for the same timestamp column, for reads
    that send thousands of timestamps (a whole conversation's messages). ``to_char`` on the
    database's side cost 1.5 ms for the 4,000 timestamps of a 2,000-message read where
    ``iso`` cost 7.7 ms in the request (bench/floors.py's data). ``MS`` cuts below the
    millisecond as ``iso`` does; ``AT TIME ZONE 'UTC'`` makes it independent of the session's
    zone. tests/test_timestamps.py pins that both agree."""

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    output_field = models.CharField()


def _as_utc(value: datetime) -> datetime:
    """``value`` in ``datetime.UTC``; a naive value is read in ``TIME_ZONE``, as Django reads
    one when ``USE_TZ`` is on."""
    if value.utcoffset() is None:
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value.astimezone(UTC)


def messages_for(name: str, **extra: str) -> dict[str, str]:
    """Full-sentence error messages for a field named ``name`` on the wire (LibreChat's wording:
    "conversationId is required", "title must be a string")."""
    messages = {
        "required": f"{name} is required",
        "null": f"{name} must be a string",
        "invalid": f"{name} must be a string",
        "blank": f"{name} is required",
        "max_length": f"{name} must be at most {{max_length}} characters",
        "null_characters": NUL_NOT_ALLOWED,
    }
    messages.update(extra)
    return messages


# --- Bodies -------------------------------------------------------------------------------------
class StrictInputSerializer(serializers.Serializer):
    """Refuses keys it does not know (a typo must not be silently ignored)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = (
            sorted(set(self.initial_data) - set(self.fields))
            if isinstance(self.initial_data, dict)
            else []
        )
        if unknown:
            raise serializers.ValidationError(UNKNOWN_KEYS.format(keys=", ".join(unknown)))
        return attrs


class BodySerializer(serializers.Serializer):
    """A request body in LibreChat's wording: a non-object answers one sentence."""

    default_error_messages = {"invalid": BODY_NOT_AN_OBJECT}


# --- Strict scalar fields -----------------------------------------------------------------------
class StrictCharField(serializers.CharField):
    """A string, and only a string, that PostgreSQL can store.

    No number-to-text coercion. NUL characters and lone surrogates are refused here as well as
    by the JSON parser, because query strings and form bodies never pass through that parser.
    """

    default_error_messages = {
        "invalid": "Must be a string.",
        # DRF's wording for NUL; messages_for() gives the parser's sentence instead.
        "null_characters": "Null characters are not allowed.",
        "surrogates": SURROGATE_NOT_ALLOWED,
    }

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        problem = text_problem(data)
        if problem == NUL_NOT_ALLOWED:
            self.fail("null_characters")
        if problem:
            self.fail("surrogates")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """``true``/``false`` only (DRF also takes ``"yes"``, ``1``, ``"on"``...)."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (no numeric strings, no booleans, no fractions)."""

    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class PublicIdField(StrictCharField):
    """An id clients name a row by: at most ``PUBLIC_ID_MAX_LENGTH`` characters; with
    ``uuid=True`` a lowercase hyphenated UUID (the ids this API lets clients choose)."""

    default_error_messages = {"uuid": "Must be a lowercase UUID."}

    def __init__(self, *, uuid: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", PUBLIC_ID_MAX_LENGTH)
        self.uuid = uuid
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if self.uuid and not is_uuid(value):
            self.fail("uuid")
        return value


def public_id_field(name: str, **kwargs: Any) -> PublicIdField:
    """A public id taken exactly as sent, with LibreChat's sentences for ``name``."""
    return PublicIdField(trim_whitespace=False, error_messages=messages_for(name), **kwargs)


# --- Timestamps -------------------------------------------------------------------------------
class TimestampField(serializers.DateTimeField):
    """DRF's ``DateTimeField`` written by ``iso`` (DRF's writes microseconds): the one timestamp
    field. Input is DRF's parser, which takes both forms (``...05.230Z`` and
    ``...05.230123+00:00``). The schema's response side states the pattern
    (chatcore/schema.py), so the fuzz run checks every timestamp it gets back."""

    def to_representation(self, value: datetime | None) -> str | None:
        return iso(value)


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ``ModelSerializer`` whose generated timestamp fields are ``TimestampField``: a
    model's ``DateTimeField`` listed in ``Meta.fields`` cannot come out in another format."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: TimestampField,
    }


# --- Query-string fields ------------------------------------------------------------------------
@extend_schema_field(OpenApiTypes.BOOL)
class QueryBooleanField(serializers.Field):
    """``true``/``false`` in a query string, any case."""

    def to_internal_value(self, data: Any) -> bool:
        text = str(data).strip().lower()
        if text not in {"true", "false"}:
            self.fail("invalid")
        return text == "true"


@extend_schema_field({"type": "integer", "minimum": 1})  # larger than the maximum is clamped
class PageSizeField(serializers.Field):
    """A page size (or page number) in a query string, by ``parse_page_size``'s rules: absent or
    empty is ``default``, a positive integer is clamped to ``maximum``, anything else is the
    400 "<name> must be a positive integer" that every list answers alike."""

    def __init__(
        self, *, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE, **kwargs: Any
    ) -> None:
        self.page_default = default
        self.maximum = maximum
        super().__init__(default=default, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        # parse_page_size raises the InvalidInput itself (sentence and ``fields`` entry), so a
        # bad size reads the same here as in code that parses a size without a serializer.
        return parse_page_size(
            data, default=self.page_default, maximum=self.maximum, name=self.field_name
        )

    def to_representation(self, value: int) -> int:
        return value


# --- JSON structure fields ----------------------------------------------------------------------
class JSONListField(serializers.ListField):
    """A JSON array of objects, stored as given (checked for PostgreSQL-hostile text)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", serializers.DictField())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        for item in data:
            if not isinstance(item, dict):
                raise serializers.ValidationError("Every item must be an object.")
        check_json_value(data)
        return data


class JSONObjectField(serializers.DictField):
    """A JSON object, stored as given (checked for PostgreSQL-hostile text)."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_a_dict", input_type=type(data).__name__)
        check_json_value(data)
        return data

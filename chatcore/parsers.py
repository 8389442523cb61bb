"""A JSON parser that answers 400 for every body PostgreSQL or CPython would choke on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from chatcore.errors import InvalidInput
from chatcore.validators import check_json_value, too_deep_message


class SafeJSONParser(JSONParser):
    """DRF's strict JSON parser plus depth, NUL and lone-surrogate checks on the whole body."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(too_deep_message(settings.CHATCORE_MAX_JSON_DEPTH)) from exc
        try:
            check_json_value(data)
        except InvalidInput as exc:
            raise ParseError(exc.error) from exc
        return data

"""The default JSON renderer of ``/api/``: orjson, writing what DRF's ``JSONRenderer`` writes.

``json.dumps`` was ~14% of reading a 2,000-message conversation; orjson encodes the same
values several times faster. The output is DRF's compact form byte for byte for everything the
API answers: compact separators, UTF-8 text (not ``\\u`` escapes), U+2028/U+2029 escaped so the
body stays a JavaScript subset, and the types orjson does not know (lazy strings, ``Decimal``)
converted by DRF's own encoder. A raw ``datetime`` in a body is written by
``chatcore.serializers.iso`` (milliseconds, ``Z``), here and in the fallback below, so a view
that puts one in its answer still speaks the one timestamp format. One difference
is allowed: floats in exponent form are written without padding (``1e-7``, where ``json``
writes ``1e-07``); both parse to the same number. What orjson refuses (integers beyond 64 bits,
non-string keys, nesting past its limit) and an indented (browsable) rendering fall back to
DRF's renderer. See docs/api-behaviour.md#json-encoding.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from chatcore.serializers import iso


class WireJSONEncoder(JSONEncoder):
    """DRF's encoder with timestamps in the wire format (docs/api-behaviour.md#timestamps)."""

    def default(self, obj: Any) -> Any:
        if isinstance(obj, datetime):
            return iso(obj)
        return super().default(obj)


_ENCODER = WireJSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
_LINE_SEPARATOR = "\u2028".encode()
_PARAGRAPH_SEPARATOR = "\u2029".encode()


def _default(value: Any) -> Any:
    return _ENCODER.default(value)


def dumps(data: Any) -> bytes:
    """``data`` as compact UTF-8 JSON, exactly as ``OrjsonRenderer`` writes a body; raises
    ``TypeError`` for what orjson cannot encode."""
    body = orjson.dumps(data, default=_default, option=_OPTIONS)
    if _LINE_SEPARATOR in body or _PARAGRAPH_SEPARATOR in body:
        body = body.replace(_LINE_SEPARATOR, b"\\u2028").replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
    return body


class OrjsonRenderer(JSONRenderer):
    """DRF's ``JSONRenderer`` with orjson doing the encoding (same media type and output)."""

    encoder_class = WireJSONEncoder

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                return dumps(data)
            except TypeError:
                pass  # orjson.JSONEncodeError: let DRF's renderer encode it (or raise)
        return super().render(data, accepted_media_type, renderer_context)

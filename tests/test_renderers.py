"""The orjson renderer writes what DRF's JSONRenderer writes, except that a ``datetime`` is
in the one timestamp format (docs/api-behaviour.md#json-encoding, #timestamps)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from chatcore.renderers import OrjsonRenderer

VALUES = [
    {"b": 1, "a": [1, 2.5, None, True, False], "nested": {"z": "", "y": {}}},
    {"text": 'Ünïcode “quotes” 中文 🎉 \\ " \n\t \u0001', "empty": []},
    {"separators": "a\u2028b\u2029c"},
    {"day": date(2024, 5, 29), "span": timedelta(seconds=90)},
    {"lazy": gettext_lazy("Unauthorized"), "id": UUID(int=7), "price": Decimal("1.25")},
    {"floats": [0.1, 0.2, 1.5, -3.25, 12345.678, 1e16, 2**53]},
    [1, "two", {"three": 3}],
    {"big": 2**70},  # beyond 64 bits: DRF's renderer encodes it
    {1: "non-string key"},  # orjson refuses: DRF's renderer encodes it
]


@pytest.mark.parametrize("value", VALUES)
def test_output_is_drfs_byte_for_byte(value):
    assert OrjsonRenderer().render(value) == JSONRenderer().render(value)


def test_datetimes_are_written_in_the_one_timestamp_format_compact_and_indented():
    # DRF's encoder would write microseconds and drop the fraction on a whole second.
    value = {
        "when": datetime(2024, 5, 29, 0, 33, 3, 661987, tzinfo=UTC),
        "whole": datetime(2024, 5, 29, tzinfo=UTC),
        "elsewhere": datetime(2024, 5, 29, 2, 33, 3, 5000, tzinfo=timezone(timedelta(hours=2))),
        "nested": [{"at": datetime(2024, 5, 29, 0, 0, 0, 999, tzinfo=UTC)}],
    }
    expected = {
        "when": "2024-05-29T00:33:03.661Z",
        "whole": "2024-05-29T00:00:00.000Z",
        "elsewhere": "2024-05-29T00:33:03.005Z",
        "nested": [{"at": "2024-05-29T00:00:00.000Z"}],
    }
    assert json.loads(OrjsonRenderer().render(value)) == expected
    assert json.loads(OrjsonRenderer().render(value, "application/json; indent=2")) == expected


def test_exponent_floats_differ_only_in_padding_and_parse_the_same():
    ours = OrjsonRenderer().render({"t": 1e-7})
    assert ours == b'{"t":1e-7}'
    assert json.loads(ours) == json.loads(JSONRenderer().render({"t": 1e-7}))


def test_none_is_an_empty_body_and_indent_uses_drfs_renderer():
    assert OrjsonRenderer().render(None) == b""
    indented = OrjsonRenderer().render({"a": 1}, "application/json; indent=2")
    assert indented == JSONRenderer().render({"a": 1}, "application/json; indent=2")


@pytest.mark.django_db
def test_api_answers_json_through_the_renderer(auth_client):
    r = auth_client.get("/api/convos?limit=1")
    assert r.status_code == 200, r.json()
    assert r["Content-Type"] == "application/json"
    assert r.content == (
        b'{"conversations":[],"nextCursor":null,"pageNumber":1,"pageSize":1,"pages":0}'
    )

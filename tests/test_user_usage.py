"""``GET /api/user/usage``: the signed-in user's own totals per UTC day or per model; other
users' calls never count; bad ranges are 400 in the one error shape."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chatcore.ai.base import ModelSpec
from convos_app.services.usage import usage_record
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

GPT4O = ModelSpec(id="gpt-4o", endpoint="openAI", provider_model="gpt-4o",
                  context_window=128_000, max_output_tokens=4096)  # fmt: skip
HAIKU = ModelSpec(id="claude-haiku-4-5", endpoint="anthropic", provider_model="claude-haiku-4-5",
                  context_window=200_000, max_output_tokens=4096)  # fmt: skip


def call(user, spec, at, input_tokens, output_tokens):
    chat = ConversationFactory(user=user)
    return usage_record(
        user=user,
        conversation=chat,
        message=None,
        kind="reply",
        spec=spec,
        source="provider",
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        at=at,
    )


@pytest.fixture
def calls(user, other_user):
    call(user, GPT4O, datetime(2026, 3, 1, 23, 59, tzinfo=UTC), 1000, 100)  # 0.0035
    call(user, GPT4O, datetime(2026, 3, 2, 0, 1, tzinfo=UTC), 2000, 0)  # 0.005
    call(user, HAIKU, datetime(2026, 3, 2, 12, 0, tzinfo=UTC), 1000, 1000)  # 0.006
    call(user, HAIKU, datetime(2026, 3, 5, 12, 0, tzinfo=UTC), 1, 1)  # outside the range
    call(other_user, GPT4O, datetime(2026, 3, 2, 12, 0, tzinfo=UTC), 9999, 9999)


def test_usage_per_day(auth_client, calls):
    r = auth_client.get("/api/user/usage?since=2026-03-01&until=2026-03-03")
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "since": "2026-03-01",
        "until": "2026-03-03",
        "groupBy": "day",
        "totals": {"calls": 3, "inputTokens": 4000, "outputTokens": 1100, "cost": 0.0145},
        "rows": [
            {
                "key": "2026-03-01",
                "endpoint": None,
                "calls": 1,
                "inputTokens": 1000,
                "outputTokens": 100,
                "cost": 0.0035,
            },
            {
                "key": "2026-03-02",
                "endpoint": None,
                "calls": 2,
                "inputTokens": 3000,
                "outputTokens": 1000,
                "cost": 0.011,
            },
        ],
    }


def test_usage_per_model(auth_client, calls):
    r = auth_client.get("/api/user/usage?since=2026-03-01&until=2026-03-03&groupBy=model")
    assert [
        (row["key"], row["endpoint"], row["calls"], row["cost"]) for row in r.json()["rows"]
    ] == [
        ("gpt-4o", "openAI", 2, 0.0085),
        ("claude-haiku-4-5", "anthropic", 1, 0.006),
    ]


def test_usage_of_a_quiet_range_is_zero(auth_client, calls):
    r = auth_client.get("/api/user/usage?since=2025-01-01&until=2025-01-31")
    assert r.json()["totals"] == {"calls": 0, "inputTokens": 0, "outputTokens": 0, "cost": 0.0}
    assert r.json()["rows"] == []


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("since=yesterday", {"since": ["Must be a date as YYYY-MM-DD."]}),
        ("since=2026-03-05&until=2026-03-01", {"since": ["since must not be after until"]}),
        (
            "since=2024-01-01&until=2026-01-01",
            {"since": ["The date range must be at most 366 days"]},
        ),
        ("groupBy=week", {"groupBy": ["groupBy must be day or model"]}),
    ],
)
def test_bad_ranges_are_400(auth_client, calls, query, fields):
    r = auth_client.get(f"/api/user/usage?{query}")
    assert r.status_code == 400
    assert r.json()["fields"] == fields


def test_usage_needs_a_token(api_client):
    assert api_client.get("/api/user/usage").status_code == 401


def test_exact_decimals_are_kept_in_the_ledger(user):
    record = call(user, GPT4O, datetime(2026, 3, 1, tzinfo=UTC), 3, 7)
    assert record.cost == Decimal("0.00007750")

"""Staff analytics: the dashboard's numbers equal direct SQL aggregates over seeded data, the
CSV carries the same numbers, the page is staff-only, and the ledger admin is read-only;
``manage.py usage_report`` prints the same totals."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from chatcore.ai.base import ModelSpec
from convos_app.models import UsageRecord
from convos_app.selectors.usage import usage_analytics
from convos_app.services.usage import usage_record
from tests.factories import UserFactory, priced_reply

pytestmark = pytest.mark.django_db

SINCE, UNTIL = date(2026, 3, 1), date(2026, 3, 10)
URL = "/admin/convos_app/usagerecord/analytics/"
SPECS = [
    ModelSpec(id=m, endpoint=e, provider_model=m, context_window=8192, max_output_tokens=1024)
    for m, e in [("gpt-4o", "openAI"), ("gpt-4o-mini", "openAI"), ("claude-haiku-4-5", "anthropic")]
]


@pytest.fixture
def seeded():
    """Three users, three models, calls and messages spread over (and just outside) the range,
    feedback of both kinds."""
    rng = random.Random(18)
    users = [UserFactory(email=f"user{i}@example.com") for i in range(3)]
    start = datetime(2026, 2, 27, tzinfo=UTC)
    for n in range(120):
        user = rng.choice(users)
        spec = rng.choice(SPECS)
        at = start + timedelta(minutes=rng.randrange(0, 16 * 24 * 60))
        priced_reply(
            user=user,
            spec=spec,
            at=at,
            input_tokens=rng.randrange(1, 5000),
            output_tokens=rng.randrange(0, 2000),
            rating=("thumbsUp" if n % 5 else "thumbsDown") if n % 3 else None,
        )
    return users


def sql(query: str, *params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def in_range(column: str = "created_at") -> str:
    """UTC days SINCE..UNTIL inclusive, written out in SQL (two %s parameters)."""
    return (
        f"{column} >= %s::date AT TIME ZONE 'UTC' AND {column} < (%s::date + 1) AT TIME ZONE 'UTC'"
    )


def test_dashboard_numbers_equal_direct_sql_aggregates(seeded):
    data = usage_analytics(since=SINCE, until=UNTIL)
    costs = dict(
        (day, (calls, cost))
        for day, calls, cost in sql(
            "SELECT (created_at AT TIME ZONE 'UTC')::date, count(*), sum(cost) "
            f"FROM convos_app_usagerecord WHERE {in_range()} GROUP BY 1",
            SINCE,
            UNTIL,
        )
    )
    messages = dict(
        sql(
            "SELECT (created_at AT TIME ZONE 'UTC')::date, count(*) "
            f"FROM messages_app_message WHERE {in_range()} GROUP BY 1",
            SINCE,
            UNTIL,
        )
    )
    assert len(data.per_day) == 10
    for day, message_count, calls, cost in data.per_day:
        assert message_count == messages.get(day, 0)
        assert (calls, cost) == costs.get(day, (0, Decimal(0)))
    assert sum(m for _, m, _, _ in data.per_day) > 0

    per_model = sql(
        "SELECT model, sum(input_tokens), sum(output_tokens), sum(cost) "
        f"FROM convos_app_usagerecord WHERE {in_range()} GROUP BY model ORDER BY 4 DESC, model",
        SINCE,
        UNTIL,
    )
    assert data.per_model == per_model and len(per_model) == 3

    top_users = sql(
        "SELECT u.email, count(*), sum(r.cost) FROM convos_app_usagerecord r "
        "JOIN chatcore_user u ON u.id = r.user_id "
        f"WHERE {in_range('r.created_at')} GROUP BY u.email ORDER BY 3 DESC, u.email",
        SINCE,
        UNTIL,
    )
    assert data.top_users == top_users

    feedback = sql(
        "SELECT (m.created_at AT TIME ZONE 'UTC')::date, m.model, "
        "count(*) FILTER (WHERE f.rating = 'thumbsUp'), "
        "count(*) FILTER (WHERE f.rating = 'thumbsDown') "
        "FROM messages_app_feedback f JOIN messages_app_message m ON m.id = f.message_id "
        f"WHERE {in_range('m.created_at')} GROUP BY 1, 2 ORDER BY 1, 2",
        SINCE,
        UNTIL,
    )
    assert data.feedback == feedback
    assert sum(up for *_, up, _ in feedback) > 0 and sum(down for *_, down in feedback) > 0


@pytest.fixture
def staff_client(client):
    staff = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_dashboard_page_and_csv_show_the_same_numbers(seeded, staff_client):
    data = usage_analytics(since=SINCE, until=UNTIL)
    page = staff_client.get(URL, {"since": "2026-03-01", "until": "2026-03-10"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "chart.umd.min.js" in html and "cdn" not in html.lower()
    for canvas in ("chart-daily", "chart-models", "chart-users", "chart-feedback"):
        assert f'id="{canvas}"' in html
    for model, _, _, cost in data.per_model:
        assert f"<td>{model}</td>" in html and f"<td>{cost:f}</td>" in html

    r = staff_client.get(URL, {"since": "2026-03-01", "until": "2026-03-10", "format": "csv"})
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"] == 'attachment; filename="usage-2026-03-01-2026-03-10.csv"'
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[0][0] == "section"
    days = [row for row in rows[1:] if row[0] == "day"]
    assert [(d[1], int(d[2]), int(d[3]), Decimal(d[6])) for d in days] == [
        (day.isoformat(), m, c, cost) for day, m, c, cost in data.per_day
    ]
    models = [row for row in rows[1:] if row[0] == "model"]
    assert [(m[1], int(m[4]), int(m[5]), Decimal(m[6])) for m in models] == data.per_model
    users = [row for row in rows[1:] if row[0] == "user"]
    assert [(u[1], int(u[3]), Decimal(u[6])) for u in users] == data.top_users


def test_dashboard_refuses_a_range_over_a_year_and_shows_the_default(staff_client):
    r = staff_client.get(URL, {"since": "2024-01-01", "until": "2026-01-01"})
    assert r.status_code == 200
    assert "The date range must be at most 366 days" in r.content.decode()


def test_dashboard_is_for_staff_only(client, user):
    client.force_login(user)
    r = client.get(URL)
    assert r.status_code == 302 and "/admin/login/" in r["Location"]


def test_ledger_admin_is_read_only(seeded, staff_client):
    record = UsageRecord.objects.first()
    listing = staff_client.get("/admin/convos_app/usagerecord/")
    assert listing.status_code == 200 and "Analytics dashboard" in listing.content.decode()
    assert staff_client.get("/admin/convos_app/usagerecord/add/").status_code == 403
    change = staff_client.post(f"/admin/convos_app/usagerecord/{record.pk}/change/", {"cost": 0})
    assert change.status_code == 403
    delete = staff_client.post(
        f"/admin/convos_app/usagerecord/{record.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 403
    record.refresh_from_db()
    assert UsageRecord.objects.count() == 120


def test_usage_report_command_prints_the_totals(seeded):
    out = io.StringIO()
    call_command(
        "usage_report",
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-10",
        "--format",
        "csv",
        stdout=out,
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["user", "model", "calls", "input_tokens", "output_tokens", "cost_usd"]
    expected = sql(
        "SELECT u.email, r.model, count(*), sum(r.input_tokens), sum(r.output_tokens), "
        "sum(r.cost) FROM convos_app_usagerecord r JOIN chatcore_user u ON u.id = r.user_id "
        f"WHERE {in_range('r.created_at')} GROUP BY 1, 2 ORDER BY 1, 2",
        SINCE,
        UNTIL,
    )
    assert [
        (r[0], r[1], int(r[2]), int(r[3]), int(r[4]), Decimal(r[5])) for r in rows[1:]
    ] == expected

    table = io.StringIO()
    call_command(
        "usage_report", "--since", "2026-03-01", "--until", "2026-03-10", "--user",
        "user1@example.com", stdout=table,
    )  # fmt: skip
    text = table.getvalue()
    assert "user1@example.com" in text and "user0@example.com" not in text
    assert text.strip().splitlines()[-1].startswith("total")


def test_usage_report_refuses_bad_input(seeded):
    with pytest.raises(CommandError, match="since must not be after until"):
        call_command("usage_report", "--since", "2026-03-10", "--until", "2026-03-01")
    with pytest.raises(CommandError, match="No user with email"):
        call_command("usage_report", "--user", "nobody@example.com")


def test_usage_report_writes_small_costs_as_plain_digits(user):
    usage_record(
        user=user,
        conversation=None,
        message=None,
        kind="reply",
        spec=SPECS[1],
        source="provider",
        input_tokens=0,
        output_tokens=0,
        at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    out = io.StringIO()
    call_command("usage_report", "--since", "2026-03-01", "--until", "2026-03-03", stdout=out)
    assert "0.00000000" in out.getvalue() and "E-" not in out.getvalue()

"""Reading the usage ledger: a user's own totals, a conversation's totals, staff analytics
(docs/api-behaviour.md#user-usage, docs/api-behaviour.md#usage-analytics).

Every number is one aggregate query over an index: the ledger by ``(user, created_at)`` or
``created_at``, messages by ``created_at`` (``convo_created``/``msg`` indexes). Days are UTC
days; a range is ``since``..``until`` inclusive. Costs stay ``Decimal`` here; serializers
decide the wire form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from chatcore.models import User
from convos_app.models import UsageRecord
from messages_app.models import Feedback, Message

ZERO = Decimal(0)
TOP_USERS = 10


def usd(amount: Decimal) -> str:
    """A cost as plain digits (``str`` writes small decimals as ``1E-8``)."""
    return format(amount, "f")


@dataclass(frozen=True)
class UsageTotals:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = ZERO


@dataclass(frozen=True)
class UsageRow:
    key: str
    totals: UsageTotals
    endpoint: str | None = None


@dataclass(frozen=True)
class UsageReport:
    since: date
    until: date
    group_by: str
    totals: UsageTotals
    rows: list[UsageRow] = field(default_factory=list)


def day_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """``[since 00:00, until+1 00:00)`` in UTC."""
    start = datetime.combine(since, time.min, tzinfo=UTC)
    return start, datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)


def _sums(prefix: str = "") -> dict[str, Any]:
    return {
        "calls": Count("id"),
        "input_tokens": Coalesce(Sum(f"{prefix}input_tokens"), 0),
        "output_tokens": Coalesce(Sum(f"{prefix}output_tokens"), 0),
        "cost": Coalesce(Sum(f"{prefix}cost"), ZERO),
    }


def _totals(row: dict[str, Any]) -> UsageTotals:
    return UsageTotals(
        calls=row["calls"],
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cost=row["cost"],
    )


def ledger_in_range(since: date, until: date) -> QuerySet[UsageRecord]:
    start, end = day_bounds(since, until)
    return UsageRecord.objects.filter(created_at__gte=start, created_at__lt=end)


def usage_report_for_user(*, user: User, since: date, until: date, group_by: str) -> UsageReport:
    """``GET /api/user/usage``: the signed-in user's calls, per UTC day or per model."""
    records = ledger_in_range(since, until).filter(user=user)
    totals = _totals(records.aggregate(**_sums()))
    if group_by == "model":
        grouped = records.values("model", "endpoint").annotate(**_sums()).order_by("-cost", "model")
        rows = [UsageRow(r["model"], _totals(r), endpoint=r["endpoint"]) for r in grouped]
    else:
        grouped = (
            records.annotate(day=TruncDate("created_at", tzinfo=UTC))
            .values("day")
            .annotate(**_sums())
            .order_by("day")
        )
        rows = [UsageRow(r["day"].isoformat(), _totals(r)) for r in grouped]
    return UsageReport(since=since, until=until, group_by=group_by, totals=totals, rows=rows)


def conversation_usage(conversation_pk: int) -> UsageTotals:
    """All calls made for one conversation (replies, streams, titles): the ``usage`` of
    ``GET /api/convos/{id}`` (docs/api-behaviour.md#conversation-usage). The caller has
    already checked the conversation is the user's."""
    return _totals(UsageRecord.objects.filter(conversation_id=conversation_pk).aggregate(**_sums()))


# --- staff analytics -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Analytics:
    since: date
    until: date
    # (day, messages, calls, cost)
    per_day: list[tuple[date, int, int, Decimal]]
    # (model, input tokens, output tokens, cost)
    per_model: list[tuple[str, int, int, Decimal]]
    # (user email or "(deleted user)", calls, cost)
    top_users: list[tuple[str, int, Decimal]]
    # (day, model, thumbs up, thumbs down)
    feedback: list[tuple[date, str, int, int]]


def _days(since: date, until: date) -> Iterable[date]:
    day = since
    while day <= until:
        yield day
        day += timedelta(days=1)


def usage_analytics(*, since: date, until: date, user: User | None = None) -> Analytics:
    """The dashboard's numbers (also its CSV and ``manage.py usage_report``): four grouped
    aggregates over the range, days without activity filled with zeros."""
    start, end = day_bounds(since, until)
    ledger = ledger_in_range(since, until)
    messages = Message.objects.filter(created_at__gte=start, created_at__lt=end)
    feedback = Feedback.objects.filter(message__created_at__gte=start, message__created_at__lt=end)
    if user is not None:
        ledger, messages, feedback = (
            ledger.filter(user=user),
            messages.filter(user=user),
            feedback.filter(user=user),
        )
    by_day = TruncDate("created_at", tzinfo=UTC)
    message_days = dict(
        messages.annotate(day=by_day).values("day").annotate(n=Count("id")).values_list("day", "n")
    )
    cost_days = {
        row["day"]: (row["calls"], row["cost"])
        for row in ledger.annotate(day=by_day).values("day").annotate(**_sums())
    }
    per_day = [
        (day, message_days.get(day, 0), *cost_days.get(day, (0, ZERO)))
        for day in _days(since, until)
    ]
    per_model = [
        (r["model"], r["input_tokens"], r["output_tokens"], r["cost"])
        for r in ledger.values("model").annotate(**_sums()).order_by("-cost", "model")
    ]
    top_users = [
        (r["user__email"] or "(deleted user)", r["calls"], r["cost"])
        for r in ledger.values("user__email")
        .annotate(**_sums())
        .order_by("-cost", "user__email")[:TOP_USERS]
    ]
    ratings = (
        feedback.annotate(day=TruncDate("message__created_at", tzinfo=UTC))
        .values("day", "message__model")
        .annotate(
            up=Count("id", filter=Q(rating=Feedback.Rating.THUMBS_UP)),
            down=Count("id", filter=Q(rating=Feedback.Rating.THUMBS_DOWN)),
        )
        .order_by("day", "message__model")
    )
    feedback_rows = [(r["day"], r["message__model"] or "", r["up"], r["down"]) for r in ratings]
    return Analytics(since, until, per_day, per_model, top_users, feedback_rows)


def usage_report_rows(
    *, since: date, until: date, user: User | None = None
) -> list[tuple[str, str, int, int, int, Decimal]]:
    """``manage.py usage_report``: (user, model, calls, input, output, cost) per user and model."""
    records = ledger_in_range(since, until)
    if user is not None:
        records = records.filter(user=user)
    grouped = (
        records.values("user__email", "model").annotate(**_sums()).order_by("user__email", "model")
    )
    return [
        (
            r["user__email"] or "(deleted user)",
            r["model"],
            r["calls"],
            r["input_tokens"],
            r["output_tokens"],
            r["cost"],
        )
        for r in grouped
    ]

"""Staff pages for usage: the read-only ledger, price versions, balances and the analytics
dashboard (docs/api-behaviour.md#usage-analytics).

The dashboard (``/admin/convos_app/usagerecord/analytics/``) draws four charts with Chart.js,
served from this app's static files (``static/convos_app/vendor/chart.js``, pinned and checked
by ``scripts/vendor_chartjs.sh``; no CDN). Its numbers, the tables under the charts and the CSV
download come from one selector, ``usage_analytics``, so they cannot disagree. The range is
``since``..``until`` (UTC days, at most 366, the same rule as ``GET /api/user/usage``).

The ledger admin can list and read, never add, change or delete: the rows are immutable.
Imported by ``convos_app.admin`` so the admin autodiscovery registers these pages.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from chatcore.admin import EstimatedCountPaginator, OwnerEmailFilter
from chatcore.serializers import validated
from convos_app.models import Balance, PriceVersion, UsageRecord
from convos_app.selectors.usage import Analytics, usage_analytics, usd
from convos_app.serializers.usage import DateRangeQuerySerializer

CSV_HEADER = [
    "section",
    "key",
    "messages",
    "calls",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "thumbs_up",
    "thumbs_down",
]


def analytics_rows(data: Analytics) -> list[list[Any]]:
    """The dashboard's numbers as CSV rows (one header, one ``section`` column)."""
    rows: list[list[Any]] = []
    for day, messages, calls, cost in data.per_day:
        rows.append(["day", day.isoformat(), messages, calls, "", "", usd(cost), "", ""])
    for model, input_tokens, output_tokens, cost in data.per_model:
        rows.append(["model", model, "", "", input_tokens, output_tokens, usd(cost), "", ""])
    for email, calls, cost in data.top_users:
        rows.append(["user", email, "", calls, "", "", usd(cost), "", ""])
    for day, model, up, down in data.feedback:
        rows.append(["feedback", f"{day.isoformat()} {model}", "", "", "", "", "", up, down])
    return rows


def chart_data(data: Analytics) -> dict[str, Any]:
    """What ``usage_dashboard.js`` draws (costs as strings: exact, parsed by the browser)."""
    models = sorted({model for _, model, _, _ in data.feedback})
    days = sorted({day for day, _, _, _ in data.feedback})
    ratio = {(day, model): (up, down) for day, model, up, down in data.feedback}
    return {
        "days": [day.isoformat() for day, *_ in data.per_day],
        "messages": [messages for _, messages, _, _ in data.per_day],
        "cost": [usd(cost) for *_, cost in data.per_day],
        "models": [model for model, *_ in data.per_model],
        "inputTokens": [i for _, i, _, _ in data.per_model],
        "outputTokens": [o for _, _, o, _ in data.per_model],
        "users": [email for email, _, _ in data.top_users],
        "userCost": [usd(cost) for *_, cost in data.top_users],
        "feedbackDays": [day.isoformat() for day in days],
        "feedback": [
            {
                "model": model,
                "upShare": [_share(*ratio.get((day, model), (0, 0))) for day in days],
            }
            for model in models
        ],
    }


def _share(up: int, down: int) -> float | None:
    return None if up + down == 0 else round(100 * up / (up + down), 1)


@admin.register(UsageRecord)
class UsageRecordAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "user",
        "kind",
        "status",
        "endpoint",
        "model",
        "input_tokens",
        "output_tokens",
        "cost",
        "source",
    )
    list_filter = (OwnerEmailFilter, "kind", "status", "source", "endpoint", "created_at")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    ordering = ("-created_at", "-id")
    readonly_fields = [field.name for field in UsageRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        analytics = self.admin_site.admin_view(self.analytics_view)
        return [
            path("analytics/", analytics, name="convos_app_usagerecord_analytics"),
            *super().get_urls(),
        ]

    def analytics_view(self, request: HttpRequest) -> HttpResponse:
        form = DateRangeQuerySerializer(data=request.GET)
        error = None
        if form.is_valid():
            since, until = form.validated_data["since"], form.validated_data["until"]
        else:
            error = "; ".join(str(m) for ms in form.errors.values() for m in ms)
            default = validated(DateRangeQuerySerializer, {})
            since, until = default["since"], default["until"]
        data = usage_analytics(since=since, until=until)
        if request.GET.get("format") == "csv":
            return self._csv(data, since, until)
        context = {
            **self.admin_site.each_context(request),
            "title": "Usage analytics",
            "opts": self.model._meta,
            "since": since,
            "until": until,
            "error": error,
            "data": data,
            "charts": chart_data(data),
            "total_cost": sum((cost for *_, cost in data.per_day), Decimal(0)),
            "total_messages": sum(messages for _, messages, _, _ in data.per_day),
        }
        return TemplateResponse(request, "admin/convos_app/usagerecord/analytics.html", context)

    def _csv(self, data: Analytics, since: date, until: date) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="usage-{since}-{until}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_HEADER)
        writer.writerows(analytics_rows(data))
        return response


@admin.register(PriceVersion)
class PriceVersionAdmin(admin.ModelAdmin):
    """A new price is a new row from a date on; the ledger keeps the prices each call paid."""

    list_display = (
        "model",
        "effective_from",
        "input_per_million",
        "output_per_million",
        "cached_input_per_million",
        "note",
    )
    search_fields = ("model",)
    list_filter = ("effective_from",)


@admin.register(Balance)
class BalanceAdmin(admin.ModelAdmin):
    list_display = ("user", "token_credits", "auto_refill_enabled", "refill_amount", "last_refill")
    list_select_related = ("user",)
    list_filter = (OwnerEmailFilter, "auto_refill_enabled")
    raw_id_fields = ("user",)
    show_full_result_count = False

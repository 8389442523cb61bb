"""Wire shapes of usage and balances (docs/api-behaviour.md#user-usage,
docs/api-behaviour.md#balances, docs/api-behaviour.md#usage-analytics)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from chatcore.serializers import TimestampField, iso
from convos_app.models import Balance
from convos_app.serializers.conversations import ConversationSerializer

DEFAULT_RANGE_DAYS = 30
MAX_RANGE_DAYS = 366
GROUP_BY = ("day", "model")
RANGE_BACKWARDS = "since must not be after until"
RANGE_TOO_LONG = f"The date range must be at most {MAX_RANGE_DAYS} days"
DATE_FORMAT = "Must be a date as YYYY-MM-DD."


class DateRangeQuerySerializer(serializers.Serializer):
    """``since``/``until`` as UTC dates, inclusive; default the last 30 days, at most a year."""

    since = serializers.DateField(
        required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": DATE_FORMAT}
    )
    until = serializers.DateField(
        required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": DATE_FORMAT}
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until: date = attrs.get("until") or timezone.now().date()
        since: date = attrs.get("since") or until - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if since > until:
            raise serializers.ValidationError({"since": [RANGE_BACKWARDS]})
        if (until - since).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"since": [RANGE_TOO_LONG]})
        return {**attrs, "since": since, "until": until}


class UserUsageQuerySerializer(DateRangeQuerySerializer):
    groupBy = serializers.ChoiceField(
        choices=GROUP_BY,
        source="group_by",
        default="day",
        error_messages={"invalid_choice": "groupBy must be day or model"},
    )


class UsageTotalsSerializer(serializers.Serializer):
    calls = serializers.IntegerField()
    inputTokens = serializers.IntegerField(source="input_tokens")
    outputTokens = serializers.IntegerField(source="output_tokens")
    cost = serializers.FloatField(help_text="USD")


class UsageRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The UTC day (YYYY-MM-DD) or the model id")
    endpoint = serializers.CharField(allow_null=True, help_text="With groupBy=model")
    calls = serializers.IntegerField(source="totals.calls")
    inputTokens = serializers.IntegerField(source="totals.input_tokens")
    outputTokens = serializers.IntegerField(source="totals.output_tokens")
    cost = serializers.FloatField(source="totals.cost", help_text="USD")


class UserUsageSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    groupBy = serializers.CharField(source="group_by")
    totals = UsageTotalsSerializer()
    rows = UsageRowSerializer(many=True)


class ConversationUsageSerializer(serializers.Serializer):
    """``usage`` of ``GET /api/convos/{id}``: the ledger totals without the call count."""

    inputTokens = serializers.IntegerField(source="input_tokens")
    outputTokens = serializers.IntegerField(source="output_tokens")
    cost = serializers.FloatField(help_text="USD")


class ConversationWithUsageSerializer(ConversationSerializer):
    """``GET /api/convos/{id}``: the conversation plus ``usage``."""

    usage = ConversationUsageSerializer()

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "usage"]


class BalanceSerializer(serializers.Serializer):
    """LibreChat's ``TBalanceResponse``; the refill keys only when auto-refill is on."""

    tokenCredits = serializers.FloatField(source="token_credits")
    autoRefillEnabled = serializers.BooleanField(source="auto_refill_enabled")
    refillIntervalValue = serializers.IntegerField(source="refill_interval_value", required=False)
    refillIntervalUnit = serializers.CharField(source="refill_interval_unit", required=False)
    lastRefill = TimestampField(required=False)
    refillAmount = serializers.FloatField(source="refill_amount", required=False)

    def to_representation(self, instance: Balance) -> dict[str, Any]:
        data = {
            "tokenCredits": float(instance.token_credits),
            "autoRefillEnabled": instance.auto_refill_enabled,
        }
        if instance.auto_refill_enabled:
            data.update(
                refillIntervalValue=instance.refill_interval_value,
                refillIntervalUnit=instance.refill_interval_unit,
                lastRefill=iso(instance.last_refill),
                refillAmount=float(instance.refill_amount),
            )
        return data

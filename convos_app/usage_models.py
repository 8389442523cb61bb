"""The usage ledger, the dated price table and balances (docs/api-behaviour.md#usage-ledger).

``UsageRecord`` is one immutable row per model call. It copies the unit prices that were in
force when the call was made, so a later ``PriceVersion`` never rewrites what a call cost. The
ORM refuses to update or delete a row (``UsageRecordQuerySet``, ``UsageRecord.save``/``delete``)
and a database trigger (migration ``usage_ledger``) refuses it for raw SQL too; the only change
it lets through is clearing ``user_id`` when the user is deleted, so the accounts survive the
account. Conversation and message are plain references without a database constraint: a
deleted conversation leaves its ledger rows (and their totals) in place.

Defined here and imported by ``convos_app.models`` so Django registers them with this app.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

PRICE_DIGITS = {"max_digits": 14, "decimal_places": 6}
COST_DIGITS = {"max_digits": 18, "decimal_places": 8}
LEDGER_IMMUTABLE = "Usage records are immutable"


class LedgerImmutable(Exception):
    """Raised by any ORM attempt to change or delete a ledger row."""


class PriceVersion(models.Model):
    """A model's price per million tokens from ``effective_from`` on (the newest row not in
    the future wins; with none, the shipped table in ``chatcore/data/prices.json`` applies)."""

    model = models.CharField(max_length=128)
    effective_from = models.DateTimeField(default=timezone.now)
    input_per_million = models.DecimalField(**PRICE_DIGITS)
    output_per_million = models.DecimalField(**PRICE_DIGITS)
    cached_input_per_million = models.DecimalField(null=True, blank=True, **PRICE_DIGITS)
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "effective_from"], name="price_model_from"),
        ]
        ordering = ["model", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.model} from {self.effective_from:%Y-%m-%d %H:%M}"


class UsageRecordQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise LedgerImmutable(LEDGER_IMMUTABLE)

    def delete(self) -> NoReturn:
        raise LedgerImmutable(LEDGER_IMMUTABLE)


class UsageRecord(models.Model):
    """One model call: who, where, which model, the tokens, the prices in force, the cost."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        STREAM = "stream", "Streamed reply"
        TITLE = "title", "Title"
        MEMORY = "memory", "Memory step"

    class Status(models.TextChoices):
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled by the client"
        FAILED = "failed", "Provider failed"

    class Source(models.TextChoices):
        PROVIDER = "provider", "Reported by the provider"
        ESTIMATE = "estimate", "Counted by chatcore"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    conversation = models.ForeignKey(
        "convos_app.Conversation",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    message = models.ForeignKey(
        "messages_app.Message",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETED)
    source = models.CharField(max_length=16, choices=Source.choices)
    endpoint = models.CharField(max_length=64)
    model = models.CharField(max_length=128)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    # USD per million tokens in force at call time; null when the model has no known price.
    input_price = models.DecimalField(null=True, **PRICE_DIGITS)
    output_price = models.DecimalField(null=True, **PRICE_DIGITS)
    cached_price = models.DecimalField(null=True, **PRICE_DIGITS)
    price_source = models.CharField(max_length=16, default="")
    cost = models.DecimalField(null=True, **COST_DIGITS)
    request_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    objects = UsageRecordQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["user", "created_at"], name="usage_user_created"),
            models.Index(fields=["created_at"], name="usage_created"),
            models.Index(fields=["conversation"], name="usage_conversation"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["request_id"], name="usage_request_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.model} {self.cost} USD"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerImmutable(LEDGER_IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise LedgerImmutable(LEDGER_IMMUTABLE)


class Balance(models.Model):
    """A user's credits with ``BALANCE_ENABLED=1`` (LibreChat's unit: 1,000,000 = 1 USD)."""

    class RefillUnit(models.TextChoices):
        SECONDS = "seconds"
        MINUTES = "minutes"
        HOURS = "hours"
        DAYS = "days"
        WEEKS = "weeks"
        MONTHS = "months"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    token_credits = models.DecimalField(max_digits=20, decimal_places=2)
    auto_refill_enabled = models.BooleanField(default=False)
    refill_interval_value = models.PositiveIntegerField(default=30)
    refill_interval_unit = models.CharField(
        max_length=8, choices=RefillUnit.choices, default=RefillUnit.DAYS
    )
    refill_amount = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    last_refill = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.token_credits} credits"

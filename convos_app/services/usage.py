"""Writing the usage ledger and moving balances (docs/api-behaviour.md#usage-ledger,
docs/api-behaviour.md#balances).

- ``usage_charge`` prices one call with the price **in force at call time**: the newest
  ``PriceVersion`` of the model (or of the model a dated snapshot belongs to) whose
  ``effective_from`` is not in the future, else the endpoint's own ``prices``, else the shipped
  table. The ledger row copies those unit prices, so a later price never rewrites history.
- ``usage_record`` appends one row. The reply path calls it inside the transaction that stores
  the assistant message (``chat_replies.reply_store``); titles reach it through
  ``chatcore.ai.usage`` (``usage_on_model_call``), memory steps can call it directly.
- Balances (``BALANCE_ENABLED``): ``balance_reserve`` takes the reply's *largest possible* cost
  (the prompt plus the maximum output at the price in force) from the balance under a row lock
  before the provider is called, refusing with 402 when it is not there; ``balance_settle``
  gives back the difference to the real cost in the transaction of the ledger row. So ten
  replies racing for the last credits cannot overdraw: each one's worst case is already taken.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from chatcore.ai.base import ModelSpec, Usage
from chatcore.ai.usage import model_call_finished
from chatcore.errors import ApplicationError, NotFound
from chatcore.models import User
from chatcore.pricing import COST_QUANTUM, PER_TOKENS, price_for, snapshot_base
from chatcore.tokens import count_tokens
from convos_app.models import Balance, Conversation, PriceVersion, UsageRecord
from messages_app.models import Message

CREDITS_PER_USD = Decimal(1_000_000)
CREDIT_QUANTUM = Decimal("0.01")
INSUFFICIENT_BALANCE = "Insufficient balance"
BALANCES_DISABLED = "Balances are not enabled"
INSUFFICIENT_BALANCE_MESSAGE = (
    "This reply may cost up to {needed} credits and your balance is {balance} credits."
)


class InsufficientBalance(ApplicationError):
    """402 Payment Required: the request is valid, the account cannot pay for it."""

    status_code = 402


@dataclass(frozen=True)
class Charge:
    """Unit prices in force (USD per million tokens) and the exact cost of one call."""

    input_price: Decimal | None
    output_price: Decimal | None
    cached_price: Decimal | None
    price_source: str
    cost: Decimal | None


def _price_names(spec: ModelSpec) -> list[str]:
    names = [spec.provider_model, spec.id]
    base = snapshot_base(spec.provider_model)
    if base:
        names.append(base)
    return list(dict.fromkeys(names))


def usage_charge(
    spec: ModelSpec,
    *,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int = 0,
    at: datetime | None = None,
) -> Charge:
    at = at or timezone.now()
    names = _price_names(spec)
    versions = {
        version.model: version
        for version in PriceVersion.objects.filter(model__in=names, effective_from__lte=at)
        .order_by("model", "-effective_from")
        .distinct("model")
    }
    version = next((versions[name] for name in names if name in versions), None)
    if version is not None:
        prices = (
            version.input_per_million,
            version.output_per_million,
            version.cached_input_per_million,
        )
        source = "version"
    elif spec.prices is not None:
        prices = (Decimal(str(spec.prices[0])), Decimal(str(spec.prices[1])), None)
        source = "endpoint"
    else:
        listed = price_for(spec.provider_model)
        if listed is None:
            return Charge(None, None, None, "unknown", None)
        prices = (listed.input_per_million, listed.output_per_million, None)
        source = "table"
    input_price, output_price, cached_price = prices
    cached = min(cached_tokens, input_tokens) if cached_price is not None else 0
    total = (
        input_price * (input_tokens - cached)
        + (cached_price or 0) * cached
        + output_price * output_tokens
    ) / PER_TOKENS
    cost = total.quantize(COST_QUANTUM, rounding=ROUND_HALF_UP)
    return Charge(input_price, output_price, cached_price, source, cost)


def usage_record(
    *,
    user: User | None,
    conversation: Conversation | None,
    message: Message | None,
    kind: str,
    spec: ModelSpec,
    source: str,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int = 0,
    status: str = UsageRecord.Status.COMPLETED,
    charge: Charge | None = None,
    request_id: str | None = None,
    at: datetime | None = None,
) -> UsageRecord:
    """Append one ledger row (priced now unless ``charge`` was computed by the caller)."""
    at = at or timezone.now()
    if charge is None:
        charge = usage_charge(
            spec,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=cached_tokens,
            at=at,
        )
    return UsageRecord.objects.create(
        user=user,
        conversation=conversation,
        message=message,
        kind=kind,
        status=status,
        source=source,
        endpoint=spec.endpoint,
        model=spec.id,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=cached_tokens,
        input_price=charge.input_price,
        output_price=charge.output_price,
        cached_price=charge.cached_price,
        price_source=charge.price_source,
        cost=charge.cost,
        request_id=request_id or uuid.uuid4().hex,
        created_at=at,
    )


@transaction.atomic
def usage_on_model_call(
    *,
    kind: str,
    spec: ModelSpec,
    conversation: Any,
    usage: Usage | None,
    prompt_text: str,
    output_text: str,
    **kwargs: Any,
) -> UsageRecord | None:
    """Receiver of ``chatcore.ai.usage.model_call_finished`` (titles, memory steps). A call
    made for no conversation has nobody to bill and is not recorded."""
    if not isinstance(conversation, Conversation):
        return None
    cached_tokens = 0
    if usage is not None:
        input_tokens, output_tokens, source = usage.input_tokens, usage.output_tokens, "provider"
        cached_tokens = usage.cached_input_tokens
    else:
        input_tokens = count_tokens(prompt_text, model=spec.provider_model)
        output_tokens = count_tokens(output_text, model=spec.provider_model)
        source = UsageRecord.Source.ESTIMATE
    user = conversation.user
    record = usage_record(
        user=user,
        conversation=conversation,
        message=None,
        kind=kind,
        spec=spec,
        source=source,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=cached_tokens,
    )
    if record.cost:
        balance_settle(user=user, reserved=Decimal(0), cost=record.cost)
    return record


def connect_usage_receivers() -> None:
    model_call_finished.connect(usage_on_model_call, dispatch_uid="convos_app.usage_model_call")


def with_token_count(columns: dict[str, Any], text: str, model: str | None) -> dict[str, Any]:
    """An imported message's columns with ``token_count`` counted like a reply's when the file
    has no ``tokenCount`` key (docs/api-behaviour.md#import). A file that has the key keeps its
    value, even ``null``, so a chatcore export imports back unchanged."""
    if "token_count" in columns:
        return columns
    return {**columns, "token_count": count_tokens(text, model=model) if text else 0}


# --- balances ------------------------------------------------------------------------------------
def credits_of(cost: Decimal | None) -> Decimal:
    return ((cost or Decimal(0)) * CREDITS_PER_USD).quantize(CREDIT_QUANTUM)


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_refill(balance: Balance) -> datetime:
    value, unit = balance.refill_interval_value, balance.refill_interval_unit
    if unit == Balance.RefillUnit.MONTHS:
        return _add_months(balance.last_refill, value)
    return balance.last_refill + timedelta(**{unit: value})


def _balance_locked(user: User) -> Balance:
    """The user's balance row, locked for this transaction; created with the start balance."""
    balance, _ = Balance.objects.select_for_update().get_or_create(
        user=user,
        defaults={
            "token_credits": Decimal(settings.BALANCE_START_CREDITS),
            "auto_refill_enabled": settings.BALANCE_AUTO_REFILL,
            "refill_interval_value": settings.BALANCE_REFILL_INTERVAL_VALUE,
            "refill_interval_unit": settings.BALANCE_REFILL_INTERVAL_UNIT,
            "refill_amount": Decimal(settings.BALANCE_REFILL_AMOUNT),
        },
    )
    now = timezone.now()
    if balance.auto_refill_enabled and balance.refill_amount > 0 and next_refill(balance) <= now:
        balance.token_credits += balance.refill_amount
        balance.last_refill = now
        balance.save(update_fields=["token_credits", "last_refill"])
    return balance


@transaction.atomic
def balance_get(*, user: User) -> Balance:
    """``GET /api/balance`` (refilling first when a refill is due); 404 with balances off."""
    if not settings.BALANCE_ENABLED:
        raise NotFound(BALANCES_DISABLED)
    return _balance_locked(user)


def reply_estimate(spec: ModelSpec, *, input_tokens: int, max_output_tokens: int | None) -> Decimal:
    """The most a reply can cost in credits: its prompt plus the longest allowed answer."""
    charge = usage_charge(
        spec,
        input_tokens=input_tokens,
        output_tokens=max_output_tokens or spec.max_output_tokens,
    )
    return credits_of(charge.cost)


@transaction.atomic
def balance_reserve(*, user: User, credits: Decimal) -> Decimal:
    """Take ``credits`` from the balance or raise ``InsufficientBalance`` (nothing changes).
    Returns what was reserved (0 when balances are off)."""
    if not settings.BALANCE_ENABLED:
        return Decimal(0)
    balance = _balance_locked(user)
    if balance.token_credits < credits or balance.token_credits <= 0:
        raise InsufficientBalance(
            INSUFFICIENT_BALANCE,
            message=INSUFFICIENT_BALANCE_MESSAGE.format(
                needed=credits, balance=balance.token_credits
            ),
        )
    Balance.objects.filter(pk=balance.pk).update(token_credits=F("token_credits") - credits)
    return credits


def balance_settle(*, user: User, reserved: Decimal, cost: Decimal | None) -> None:
    """Give back the reservation and take the real cost (call inside the ledger's transaction)."""
    if not settings.BALANCE_ENABLED:
        return
    delta = reserved - credits_of(cost)
    if delta:
        Balance.objects.filter(user=user).update(token_credits=F("token_credits") + delta)

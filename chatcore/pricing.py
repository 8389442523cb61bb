"""What a reply cost, in USD, from a per-model price table (docs/api-behaviour.md#tokens-and-cost).

The table is ``chatcore/data/prices.json`` (list prices per million input/output tokens and
the date they were taken); ``AI_PRICES_FILE`` points at another copy. A dated snapshot or
``-latest`` alias takes its model's price (``gpt-4o-mini-2024-07-18`` → ``gpt-4o-mini``), but a
new version never inherits an older one's (``claude-opus-4-6`` is not ``claude-opus-4``). A
model with no price is ``None`` — unknown, not free — so a bill never silently undercounts; free
models
(``echo``, a local server given ``prices: {input: 0, output: 0}``) cost exactly 0.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULT_PRICES_FILE = Path(__file__).resolve().parent / "data" / "prices.json"
PER_TOKENS = Decimal(1_000_000)
# "<model>-20250514", "<model>-2024-08-06", "<model>-latest".
_SNAPSHOT = re.compile(r"^(.+?)-(?:\d{8}|\d{4}-\d{2}-\d{2}|latest)$")
# Message.cost has 8 decimal places.
COST_QUANTUM = Decimal("0.00000001")


@dataclass(frozen=True)
class ModelPrice:
    input_per_million: Decimal
    output_per_million: Decimal


@dataclass(frozen=True)
class PriceTable:
    taken_on: str
    prices: dict[str, ModelPrice]


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


@lru_cache(maxsize=1)
def price_table() -> PriceTable:
    path = Path(getattr(settings, "AI_PRICES_FILE", "") or DEFAULT_PRICES_FILE)
    document = json.loads(path.read_text(encoding="utf-8"))
    prices = {
        model: ModelPrice(_decimal(entry["input"]), _decimal(entry["output"]))
        for model, entry in document["models"].items()
    }
    return PriceTable(taken_on=str(document["takenOn"]), prices=prices)


def price_for(model: str) -> ModelPrice | None:
    """The price of ``model``, of the model it is a dated snapshot of, else None."""
    prices = price_table().prices
    if model in prices:
        return prices[model]
    match = _SNAPSHOT.match(model)
    return prices.get(match.group(1)) if match else None


def snapshot_base(model: str) -> str | None:
    """The model a dated snapshot or ``-latest`` alias belongs to, else None."""
    match = _SNAPSHOT.match(model)
    return match.group(1) if match else None


def cost_of(price: ModelPrice | None, *, input_tokens: int, output_tokens: int) -> Decimal | None:
    if price is None:
        return None
    total = (
        price.input_per_million * input_tokens + price.output_per_million * output_tokens
    ) / PER_TOKENS
    return total.quantize(COST_QUANTUM, rounding=ROUND_HALF_UP)


def cost_for(model: str, *, input_tokens: int, output_tokens: int) -> Decimal | None:
    """USD for one reply of ``model``; ``None`` when the model has no known price."""
    return cost_of(price_for(model), input_tokens=input_tokens, output_tokens=output_tokens)


@receiver(setting_changed)
def _reset_prices(*, setting: str, **kwargs: Any) -> None:
    if setting == "AI_PRICES_FILE":
        price_table.cache_clear()

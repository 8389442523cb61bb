"""Checks on decoded JSON that PostgreSQL would otherwise turn into 500s.

NUL characters and lone surrogates are rejected by ``text``/``jsonb`` columns at INSERT time,
and very deep nesting makes CPython's ``json`` raise ``RecursionError``; checking the whole
decoded body up front turns all three into a clean 400 before anything is written.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.conf import settings

from chatcore.errors import NUL_NOT_ALLOWED, SURROGATE_NOT_ALLOWED, InvalidInput

_SURROGATE = re.compile("[\ud800-\udfff]")


NON_FINITE_NUMBER = "Numbers must be finite (NaN is not allowed)"


def too_deep_message(limit: int) -> str:
    return f"JSON nesting is deeper than {limit} levels"


def text_problem(value: str) -> str | None:
    """The reason ``value`` cannot be stored as PostgreSQL text, or None when it can."""
    if "\x00" in value:
        return NUL_NOT_ALLOWED
    if _SURROGATE.search(value):
        return SURROGATE_NOT_ALLOWED
    return None


def json_value_problem(value: Any, *, max_depth: int | None = None) -> str | None:
    """The first reason ``value`` cannot be stored as jsonb: nesting deeper than the limit,
    text PostgreSQL rejects (NUL, lone surrogates), or a NaN/infinite number; ``None`` if fine.

    Iterative (an explicit stack), so it cannot itself hit the recursion limit. The API's
    bodies and every imported record go through this one walk.
    """
    limit = settings.CHATCORE_MAX_JSON_DEPTH if max_depth is None else max_depth
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return problem
        elif isinstance(item, dict | list | tuple):
            if depth > limit:
                return too_deep_message(limit)
            if isinstance(item, dict):
                for key, child in item.items():
                    stack.append((key, depth))
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float) and not math.isfinite(item):  # jsonb refuses them
            return NON_FINITE_NUMBER
    return None


def check_json_value(value: Any, *, max_depth: int | None = None) -> None:
    """Raise ``InvalidInput`` with ``json_value_problem``'s reason, if there is one."""
    problem = json_value_problem(value, max_depth=max_depth)
    if problem:
        raise InvalidInput(problem)

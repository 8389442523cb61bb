"""Reads of the user's memories: the list with its token usage, the "use memories" switch, and
the memories a reply puts in its context (docs/api-behaviour.md#memories)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, Sum

from chatcore.models import User
from messages_app.models import Memory, MemoryPreference


@dataclass(frozen=True)
class MemoryListing:
    """``GET /api/memories``: every memory of the user, newest change first, and the usage."""

    memories: list[Memory]
    total_tokens: int
    token_limit: int | None
    usage_percentage: int | None


@dataclass(frozen=True)
class ContextMemory:
    memory_id: str
    key: str
    value: str


def memory_token_limit() -> int | None:
    """``MEMORY_TOKEN_LIMIT``; 0 (or less) means no limit."""
    limit = settings.MEMORY_TOKEN_LIMIT
    return limit if limit > 0 else None


def memory_tokens_for_user(*, user: User, exclude_pk: int | None = None) -> int:
    """Tokens the user's memory values hold together (without ``exclude_pk``, the row a write
    is about to replace)."""
    queryset = Memory.objects.filter(user=user)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.aggregate(total=Sum("token_count"))["total"] or 0


def usage_percentage(total: int, limit: int | None) -> int | None:
    """Whole percent of the limit in use, at most 100 (None without a limit)."""
    if limit is None:
        return None
    return min(100, round(total * 100 / limit))


def memory_list_for_user(*, user: User) -> MemoryListing:
    """All of the user's memories (every partition) in one query; the list is bounded by the
    token limit, so it is not paged (LibreChat's client reads it whole)."""
    memories = list(Memory.objects.filter(user=user).order_by("-updated_at", "-id"))
    total = sum(memory.token_count for memory in memories)
    limit = memory_token_limit()
    return MemoryListing(
        memories=memories,
        total_tokens=total,
        token_limit=limit,
        usage_percentage=usage_percentage(total, limit),
    )


def memory_preference_for_user(*, user: User) -> bool:
    """The user's "use memories" switch; on unless the user turned it off."""
    stored = MemoryPreference.objects.filter(user=user).values_list("memories", flat=True).first()
    return True if stored is None else stored


def memories_for_context(*, user: User, agent_id: str | None = None) -> list[ContextMemory]:
    """The memories a reply may put in its context, newest change first: the shared pool, plus
    the partition of ``agent_id`` when the conversation runs an agent; none when the user turned
    memories off. One query: the switch is read inside it."""
    partitions = ["", agent_id] if agent_id else [""]
    switched_off = MemoryPreference.objects.filter(user=user, memories=False)
    rows = (
        Memory.objects.filter(user=user, agent_id__in=partitions)
        .filter(~Exists(switched_off))
        .order_by("-updated_at", "-id")
        .values_list("memory_id", "key", "value")
    )
    return [ContextMemory(memory_id, key, value) for memory_id, key, value in rows]

"""Temporary chats, retention policies and the purge that really deletes
(docs/api-behaviour.md#temporary-chats, docs/api-behaviour.md#retention-policies,
docs/api-behaviour.md#purge).

Reads never rely on the purge: every owner-scoped lookup already hides what has expired
(``ConversationQuerySet.unexpired``). The purge only reclaims the rows. It picks its victims with
one predicate, ``purge_queryset``, which the per-user preview counts with, so the preview is
exactly what the next purge deletes. Each batch is a short transaction that locks its
conversations with ``FOR UPDATE SKIP LOCKED``: purges on several hosts take disjoint batches,
so each row is deleted once and nobody waits on another purge's locks. The deletion itself is
the one set-based ``conversation_rows_delete`` (messages, parts, feedback, tag links with exact
tag counts, shared links, search documents).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from chatcore.expiry import temporary_expiry
from chatcore.models import User
from convos_app.models import Conversation, RetentionPolicy, SharedLink
from convos_app.search import index_conversation_trees, remove_conversations
from convos_app.selectors.conversations import conversation_get_for_user
from convos_app.services.delete import conversation_rows_delete
from messages_app.models import Message

# A batch that meets a deadlock (two purges lowering the same tag counts) is tried again.
BATCH_ATTEMPTS = 3
DEADLOCK = "40P01"  # PostgreSQL's SQLSTATE deadlock_detected


# --- Temporary chats ----------------------------------------------------------------------------
@transaction.atomic
def conversation_temporary_set(
    *, user: User, conversation_id: str, is_temporary: bool
) -> Conversation:
    """Make a conversation temporary (expiring ``TEMP_CHAT_RETENTION_HOURS`` from now) or keep
    it (no expiry), on the conversation, all its messages and its shared links at once."""
    conversation = Conversation.objects.only("pk").access(user, conversation_id, lock=True)
    expiry = temporary_expiry(timezone.now()) if is_temporary else None
    Conversation.objects.filter(pk=conversation.pk).update(
        is_temporary=is_temporary, expired_at=expiry
    )
    Message.objects.filter(conversation_id=conversation.pk).update(
        is_temporary=is_temporary, expired_at=expiry
    )
    SharedLink.objects.filter(conversation_id=conversation.pk).update(expires_at=expiry)
    # Temporary chats have no search documents; a kept one is indexed whole again.
    # (QuerySet.update() sends no signal.)
    if is_temporary:
        remove_conversations([conversation.pk])
    else:
        index_conversation_trees([conversation.pk])
    return conversation_get_for_user(user=user, conversation_id=conversation_id)


# --- Policies -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionSettings:
    """A user's policy as stored, plus what applies once the operator's rules are added."""

    delete_after_days: int | None
    keep_pinned: bool
    keep_archived: bool
    effective_days: int | None
    max_days: int | None
    mode: str


def _effective_days(days: int | None) -> int | None:
    if settings.CHATCORE_RETENTION_MODE != "all":
        return None
    cap = settings.CHATCORE_MAX_RETENTION_DAYS
    if days is None:
        return cap
    return days if cap is None else min(days, cap)


def retention_get(*, user: User) -> RetentionSettings:
    policy = RetentionPolicy.objects.filter(user=user).first() or RetentionPolicy(user=user)
    return RetentionSettings(
        delete_after_days=policy.delete_after_days,
        keep_pinned=policy.keep_pinned,
        keep_archived=policy.keep_archived,
        effective_days=_effective_days(policy.delete_after_days),
        max_days=settings.CHATCORE_MAX_RETENTION_DAYS,
        mode=settings.CHATCORE_RETENTION_MODE,
    )


@transaction.atomic
def retention_update(
    *, user: User, delete_after_days: int | None, keep_pinned: bool, keep_archived: bool
) -> RetentionSettings:
    """Store the user's whole policy (a PUT replaces it)."""
    RetentionPolicy.objects.update_or_create(
        user=user,
        defaults={
            "delete_after_days": delete_after_days,
            "keep_pinned": keep_pinned,
            "keep_archived": keep_archived,
            "updated_at": timezone.now(),
        },
    )
    return retention_get(user=user)


# --- What the purge deletes ---------------------------------------------------------------------
def purge_queryset(*, now: datetime, user: User | None = None) -> QuerySet[Conversation]:
    """Every conversation the purge deletes at ``now`` (of ``user`` only, when given).

    Expired ones always; in mode ``all`` also those not updated for the user's effective
    number of days (their own ``deleteAfterDays`` capped by ``CHATCORE_MAX_RETENTION_DAYS``,
    or that cap alone when they set none), except pinned ones while ``keepPinned`` (default)
    and archived ones while ``keepArchived``.
    """
    queryset = Conversation.objects.all()
    if user is not None:
        queryset = queryset.filter(user=user)
    expired = Q(expired_at__lte=now)
    if settings.CHATCORE_RETENTION_MODE != "all":
        return queryset.filter(expired)
    cap = settings.CHATCORE_MAX_RETENTION_DAYS
    own = F("user__retention_policy__delete_after_days")
    # PostgreSQL's LEAST ignores NULLs: no own rule gives the cap, no cap gives the own rule.
    days = Least(own, Value(cap)) if cap else own
    queryset = queryset.annotate(
        retention_days=days,
        retention_keep_pinned=Coalesce(F("user__retention_policy__keep_pinned"), Value(True)),
        retention_keep_archived=Coalesce(F("user__retention_policy__keep_archived"), Value(False)),
        retention_cutoff=ExpressionWrapper(
            Value(now)
            - ExpressionWrapper(
                F("retention_days") * Value(timedelta(days=1)), output_field=DurationField()
            ),
            output_field=DateTimeField(),
        ),
    )
    aged = (
        Q(retention_days__isnull=False, updated_at__lt=F("retention_cutoff"))
        & ~Q(retention_keep_pinned=True, pinned=True)
        & ~Q(retention_keep_archived=True, is_archived=True)
    )
    return queryset.filter(expired | aged)


@dataclass(frozen=True)
class PurgeCounts:
    conversations: int
    messages: int


def retention_preview(*, user: User, now: datetime | None = None) -> PurgeCounts:
    """How many of the user's conversations and messages the next purge would delete."""
    pks = list(purge_queryset(now=now or timezone.now(), user=user).values_list("pk", flat=True))
    messages = Message.objects.filter(conversation_id__in=pks).count() if pks else 0
    return PurgeCounts(conversations=len(pks), messages=messages)


def conversations_purge(
    *, now: datetime | None = None, batch_size: int | None = None, dry_run: bool = False
) -> PurgeCounts:
    """Delete everything ``purge_queryset`` names, ``batch_size`` conversations per short
    transaction, skipping rows another purge holds; returns the numbers really deleted (with
    ``dry_run``, the numbers it would delete). Idempotent: a second run finds nothing."""
    now = now or timezone.now()
    size = batch_size or settings.CHATCORE_PURGE_BATCH
    if dry_run:
        pks = list(purge_queryset(now=now).values_list("pk", flat=True))
        messages = Message.objects.filter(conversation_id__in=pks).count() if pks else 0
        return PurgeCounts(conversations=len(pks), messages=messages)
    conversations = messages = 0
    while True:
        deleted = _purge_batch(now=now, size=size)
        if deleted is None:
            break
        conversations += deleted.conversations
        messages += deleted.messages
    return PurgeCounts(conversations=conversations, messages=messages)


def _purge_batch(*, now: datetime, size: int) -> PurgeCounts | None:
    """One batch in its own transaction; ``None`` once nothing unlocked is left."""
    for attempt in range(BATCH_ATTEMPTS):
        try:
            with transaction.atomic():
                pks = list(
                    purge_queryset(now=now)
                    .select_for_update(skip_locked=True, of=("self",))
                    .order_by("pk")
                    .values_list("pk", flat=True)[:size]
                )
                if not pks:
                    return None
                result = conversation_rows_delete(conversation_pks=pks)
                return PurgeCounts(conversations=result.conversations, messages=result.messages)
        except OperationalError as exc:
            # A deadlock with a concurrent purge rolled this batch back whole; take it again.
            if not _is_deadlock(exc) or attempt == BATCH_ATTEMPTS - 1:
                raise
    return None


def _is_deadlock(exc: OperationalError) -> bool:
    cause = exc.__cause__
    return (
        getattr(cause, "sqlstate", None) == DEADLOCK or getattr(cause, "pgcode", None) == DEADLOCK
    )


def purge_expired_periodic() -> dict[str, int]:
    """The scheduled purge (registered in ``ConvosAppConfig.ready``)."""
    counts = conversations_purge()
    return {"conversations": counts.conversations, "messages": counts.messages}

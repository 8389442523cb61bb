"""Writes of the user's memories and of the "use memories" switch
(docs/api-behaviour.md#memories).

Every write that changes a value takes the user's row lock first, so two concurrent writes of
one user cannot both pass the token limit, and two creates of one key answer one 201 and one
409. A memory's ``tokenCount`` is its value counted with chatcore's tokenizer (``o200k_base``,
the vocabulary LibreChat counts memories with). Deleting a memory clears the references of the
messages that named it — the database's composite foreign key does that, on every delete path
(added by the ``memories`` migration of messages_app); deleting messages never touches a memory.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from chatcore.errors import Conflict, InvalidInput
from chatcore.models import User
from chatcore.tokens import count_tokens
from messages_app.models import Memory, MemoryPreference
from messages_app.selectors.memories import memory_token_limit, memory_tokens_for_user

MEMORY_KEY_EXISTS = "Memory with this key already exists"
CREATE_OVER_LIMIT = (
    "Adding this memory would exceed the token limit of {limit}. Current usage: {used} tokens."
)
UPDATE_OVER_LIMIT = (
    "Updating this memory would exceed the token limit of {limit}. Current usage: {used} tokens."
)


def memory_value_tokens(value: str) -> int:
    """``tokenCount``: with no model named, chatcore.tokens counts with ``o200k_base``."""
    return count_tokens(value)


def _lock_user(user: User) -> None:
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


def _check_limit(*, user: User, tokens: int, exclude_pk: int | None, sentence: str) -> None:
    limit = memory_token_limit()
    if limit is None:
        return
    used = memory_tokens_for_user(user=user, exclude_pk=exclude_pk)
    if used + tokens > limit:
        raise InvalidInput(sentence.format(limit=limit, used=used))


@transaction.atomic
def memory_create(*, user: User, key: str, value: str, agent_id: str = "") -> Memory:
    """A new memory in the ``agent_id`` partition ("" is the shared pool).

    409 when the key exists in that partition; 400 when the value would take the user past the
    token limit. Both are checked under the user's row lock.
    """
    _lock_user(user)
    if Memory.objects.filter(user=user, agent_id=agent_id, key=key).exists():
        raise Conflict(MEMORY_KEY_EXISTS)
    tokens = memory_value_tokens(value)
    _check_limit(user=user, tokens=tokens, exclude_pk=None, sentence=CREATE_OVER_LIMIT)
    now = timezone.now()
    return Memory.objects.create(
        user=user,
        key=key,
        value=value,
        token_count=tokens,
        agent_id=agent_id,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def memory_update(
    *,
    user: User,
    value: str,
    key: str | None = None,
    memory_id: str | None = None,
    agent_id: str | None = "",
    new_key: str | None = None,
) -> Memory:
    """Replace a memory's value (and rename it when ``new_key`` differs), found by ``key`` in
    the ``agent_id`` partition or by ``memory_id``.

    404 for a memory the user does not have (another user's answers the same); 409 when
    ``new_key`` is taken in the memory's partition; 400 past the token limit. The public id
    stays, so messages that name the memory keep naming it.
    """
    _lock_user(user)
    memory = Memory.objects.access(user, key=key, memory_id=memory_id, agent_id=agent_id)
    fields = ["value", "token_count", "updated_at"]
    if new_key is not None and new_key != memory.key:
        taken = Memory.objects.filter(user=user, agent_id=memory.agent_id, key=new_key)
        if taken.exists():
            raise Conflict(MEMORY_KEY_EXISTS)
        memory.key = new_key
        fields.append("key")
    tokens = memory_value_tokens(value)
    _check_limit(user=user, tokens=tokens, exclude_pk=memory.pk, sentence=UPDATE_OVER_LIMIT)
    memory.value = value
    memory.token_count = tokens
    memory.updated_at = timezone.now()
    memory.save(update_fields=fields)
    return memory


@transaction.atomic
def memory_delete(
    *, user: User, key: str | None = None, memory_id: str | None = None, agent_id: str | None = ""
) -> Memory:
    """Delete one memory (404 when the user has none such) and return it as it was. The
    messages that named it keep existing with ``memoryId`` null; nothing else changes."""
    memory = Memory.objects.access(user, key=key, memory_id=memory_id, agent_id=agent_id)
    Memory.objects.filter(pk=memory.pk).delete()
    return memory


def memory_preferences_update(*, user: User, memories: bool) -> bool:
    """Turn the user's use of memories in replies on or off (one upsert); returns the value."""
    MemoryPreference.objects.update_or_create(user=user, defaults={"memories": memories})
    return memories

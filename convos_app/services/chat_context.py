"""The model's view of a chat: the current branch, oldest first, trimmed to the context window.

The *current branch* is the chain of parents from the chat's newest message up to the root
(``messages_app.trees.direct_path``; other branches are not context). A user message whose
reply failed (``error``) is not a leaf: the next message branches off its parent, so a retry
does not send the failed turn twice.

Branches are cached per conversation in the shared cache so a long chat is not re-read and
re-tokenised on every reply. A cached branch is used only when its fingerprint — newest
message, message count, last ``updated_at`` — still matches (one aggregate query), so any
edit, branch or delete through any route makes it stale; deletes through the chats API also
drop it outright (docs/api-behaviour.md#reply-context).

When the user has memories on, their saved memories join the system prompt, newest change first,
as many as fit a share of the window (``MEMORY_CONTEXT_SHARE_PERCENT``), counted with the model's
own tokenizer; the reply's ``memoryId`` names the newest one included
(docs/api-behaviour.md#memories-in-replies).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q

from chatcore.ai.base import ChatTurn, ModelSpec, Role
from chatcore.errors import InvalidInput
from chatcore.models import User
from chatcore.tokens import count_tokens
from convos_app.models import Conversation
from messages_app.models import ContentPart, Message
from messages_app.selectors.memories import ContextMemory, memories_for_context
from messages_app.trees import TreeNode, direct_path

logger = logging.getLogger("convos_app.chats")

MESSAGE_TOO_LONG = "Message is too long for the model's context window"
CACHE_SECONDS = 60 * 60
# Per-message framing tokens (role, separators) and the reply primer, as OpenAI counts them.
TOKENS_PER_TURN = 4
TOKENS_PER_REPLY = 3
# The system prompt comes from the conversation's settings (LibreChat preset keys).
SYSTEM_PROMPT_KEYS = ("promptPrefix", "system", "instructions")
MEMORY_HEADER = (
    "What you remember about the user (saved memories, one per line as key: value). "
    "Use them when they are relevant:"
)


@dataclass(frozen=True)
class BranchTurn:
    message_id: str
    role: Role
    text: str
    tokens: int


@dataclass(frozen=True)
class PromptContext:
    system: str | None
    turns: list[ChatTurn]
    input_tokens: int
    # The newest memory in ``system`` (the reply's ``memoryId``), None when none is.
    memory_id: str | None = None


def context_cache_key(conversation_pk: int) -> str:
    return f"chats:context:{conversation_pk}"


def context_invalidate(conversation_pk: int) -> None:
    """Drop the cached branch of a conversation (after deletes); never raises."""
    try:
        cache.delete(context_cache_key(conversation_pk))
    except Exception:
        logger.exception("chat context cache not invalidated")


def context_on_messages_deleted(
    sender: object, *, conversation_pks: list[int], **kwargs: object
) -> None:
    """Receiver of ``messages_app.signals.messages_deleted`` (``ConvosAppConfig.ready``)."""
    for conversation_pk in conversation_pks:
        context_invalidate(conversation_pk)


def _leaf_filter() -> Q:
    return ~Q(is_created_by_user=True, error=True)


def _fingerprint(conversation: Conversation) -> list[str | int | None]:
    stats = Message.objects.filter(conversation=conversation).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    leaf = (
        Message.objects.filter(conversation=conversation)
        .filter(_leaf_filter())
        .order_by("-created_at", "-pk")
        .values_list("message_id", flat=True)
        .first()
    )
    last = stats["last"].isoformat() if stats["last"] else None
    return [leaf, stats["n"], last]


def _read_branch(conversation: Conversation, leaf_id: str | None) -> list[BranchTurn]:
    if leaf_id is None:
        return []
    rows = list(
        Message.objects.filter(conversation=conversation).values_list(
            "pk", "message_id", "parent_message_id", "is_created_by_user", "text", "token_count",
            "error",
        )
    )  # fmt: skip
    by_id = {row[1]: row for row in rows}
    nodes = [TreeNode(row[1], row[2]) for row in rows]
    chain = [by_id[message_id] for message_id in direct_path(nodes, leaf_id)]
    # Messages whose text lives only in content parts (LibreChat agents) are read in one query.
    needs_parts = [row[0] for row in chain if not row[4]]
    part_texts: dict[int, list[str]] = {}
    if needs_parts:
        for message_pk, text in (
            ContentPart.objects.filter(message_id__in=needs_parts, type="text")
            .order_by("message_id", "index")
            .values_list("message_id", "text")
        ):
            part_texts.setdefault(message_pk, []).append(text)
    turns = []
    for pk, message_id, _parent, by_user, text, token_count, error in chain:
        body = text or "\n".join(part_texts.get(pk, []))
        if not body or (by_user and error):
            continue
        tokens = token_count if token_count is not None else count_tokens(body)
        turns.append(BranchTurn(message_id, "user" if by_user else "assistant", body, tokens))
    return turns


def conversation_branch(conversation: Conversation) -> tuple[str | None, list[BranchTurn]]:
    """(id of the current leaf, the turns of its branch oldest first), cached."""
    fingerprint = _fingerprint(conversation)
    key = context_cache_key(conversation.pk)
    try:
        cached = cache.get(key)
    except Exception:
        logger.exception("chat context cache unreadable")
        cached = None
    if cached and cached.get("fingerprint") == fingerprint:
        return fingerprint[0], [BranchTurn(*turn) for turn in cached["turns"]]
    turns = _read_branch(conversation, fingerprint[0])
    try:
        cache.set(
            key,
            {"fingerprint": fingerprint, "turns": [list(turn.__dict__.values()) for turn in turns]},
            CACHE_SECONDS,
        )
    except Exception:
        logger.exception("chat context cache not written")
    return fingerprint[0], turns


def system_prompt(conversation: Conversation) -> str | None:
    settings = conversation.settings if isinstance(conversation.settings, dict) else {}
    for key in SYSTEM_PROMPT_KEYS:
        value = settings.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def reply_memories(*, user: User, conversation: Conversation) -> list[ContextMemory]:
    """The memories a reply of this chat may use (none when the user turned memories off)."""
    return memories_for_context(user=user, agent_id=conversation.agent_id)


def _memory_line(memory: ContextMemory) -> str:
    return f"- {memory.key}: {memory.value}"


def _memory_block(memories: Sequence[ContextMemory]) -> str:
    return "\n".join([MEMORY_HEADER, *(_memory_line(memory) for memory in memories)])


def with_memories(
    *, spec: ModelSpec, system: str | None, memories: Sequence[ContextMemory], room: int
) -> tuple[str | None, str | None]:
    """(system prompt with the memories that fit in ``room`` tokens, id of the newest one).

    Memories are taken newest change first while the whole block, counted with the model's
    tokenizer, stays within the share of ``room`` that ``MEMORY_CONTEXT_SHARE_PERCENT`` allows;
    one that does not fit is skipped (a shorter, older one may still fit).
    """
    if not memories:
        return system, None
    model = spec.provider_model
    cap = room * settings.MEMORY_CONTEXT_SHARE_PERCENT // 100
    used = count_tokens(MEMORY_HEADER, model=model)
    chosen: list[ContextMemory] = []
    for memory in memories:
        # Each line counted on its own (with its newline): linear in the memories' size.
        cost = count_tokens("\n" + _memory_line(memory), model=model)
        if used + cost <= cap:
            chosen.append(memory)
            used += cost
    # Tokens can merge across line ends, so the block is counted whole once; rarely, the
    # oldest chosen lines go until it fits.
    while chosen and count_tokens(_memory_block(chosen), model=model) > cap:
        chosen.pop()
    if not chosen:
        return system, None
    block = _memory_block(chosen)
    return (f"{system}\n\n{block}" if system else block), chosen[0].memory_id


def output_reserve(spec: ModelSpec, max_output_tokens: int | None) -> int:
    """Tokens kept free for the reply: the requested budget, at most half the window."""
    wanted = max_output_tokens or spec.max_output_tokens
    return min(wanted, spec.context_window // 2)


def build_prompt(
    *,
    spec: ModelSpec,
    system: str | None,
    history: Sequence[BranchTurn],
    new_text: str,
    new_tokens: int,
    max_output_tokens: int | None,
    memories: Sequence[ContextMemory] = (),
) -> PromptContext:
    """The newest turns that fit ``spec.context_window`` (minus the reply's reserve and the
    system prompt), oldest first, always ending with the new user message.

    ``memories`` (newest first) join the system prompt as far as they fit the room left after
    the system prompt and the new message (``with_memories``); history gets the rest.

    Raises ``InvalidInput`` when the new message alone does not fit — before anything is
    stored, so the client gets a 400 and no orphan message.
    """
    budget = spec.context_window - output_reserve(spec, max_output_tokens) - TOKENS_PER_REPLY
    base_tokens = count_tokens(system, model=spec.provider_model) + TOKENS_PER_TURN if system else 0
    if base_tokens + new_tokens + TOKENS_PER_TURN > budget:
        raise InvalidInput(MESSAGE_TOO_LONG)
    room = budget - base_tokens - new_tokens - TOKENS_PER_TURN
    system, memory_id = with_memories(spec=spec, system=system, memories=memories, room=room)
    system_tokens = (
        count_tokens(system, model=spec.provider_model) + TOKENS_PER_TURN if system else 0
    )
    used = system_tokens + new_tokens + TOKENS_PER_TURN
    kept: list[BranchTurn] = []
    for turn in reversed(history):
        cost = turn.tokens + TOKENS_PER_TURN
        if used + cost > budget:
            break
        kept.append(turn)
        used += cost
    kept.reverse()
    turns = [ChatTurn(role=turn.role, content=turn.text) for turn in kept]
    turns.append(ChatTurn(role="user", content=new_text))
    return PromptContext(
        system=system, turns=turns, input_tokens=used + TOKENS_PER_REPLY, memory_id=memory_id
    )

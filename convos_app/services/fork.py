"""Fork a conversation from one message (docs/api-behaviour.md#fork).

Options: ``directPath`` (the target and its ancestors), ``includeBranches`` (that path plus the
siblings along it), ``targetLevel`` (every message from the roots down to the target's level;
the default, also spelled ``""``, ``target``). ``branch`` is the documented API's name for
``includeBranches``. With ``splitAtTarget`` the tree is first cut at the target's level (those
messages become roots) and ``latestMessageId`` becomes the target. The fork is titled
``"<title> (Fork)"``, inherits the source's fields and tags, and gets fresh ids.
"""

from __future__ import annotations

from django.db import transaction

from chatcore.errors import InvalidInput, MessageNotFound
from chatcore.models import User
from convos_app.models import Conversation
from convos_app.services.clone import ConversationCopy, conversation_clone
from messages_app.models import Message
from messages_app.trees import (
    TreeNode,
    direct_path,
    path_with_branches,
    split_at_target_level,
    up_to_target_level,
)

LATEST_ABOVE_TARGET = "latestMessageId must be at or below the level of messageId"
FORK_TITLE_SUFFIX = " (Fork)"

DIRECT_PATH = "directPath"
INCLUDE_BRANCHES = "includeBranches"
TARGET_LEVEL = "targetLevel"
# Every accepted spelling → the canonical option (anything else is a 400:
# docs/api-behaviour.md#fork).
FORK_OPTIONS = {
    DIRECT_PATH: DIRECT_PATH,
    INCLUDE_BRANCHES: INCLUDE_BRANCHES,
    TARGET_LEVEL: TARGET_LEVEL,
    "": TARGET_LEVEL,
    "target": TARGET_LEVEL,
    "branch": INCLUDE_BRANCHES,
}
_SELECTORS = {
    DIRECT_PATH: direct_path,
    INCLUDE_BRANCHES: path_with_branches,
    TARGET_LEVEL: up_to_target_level,
}


def source_conversation_lock(*, user: User, conversation_id: str) -> Conversation:
    """The user's conversation, row-locked against a concurrent delete while it is copied
    (``no_key``: messages may still be added to it meanwhile)."""
    return Conversation.objects.access(user, conversation_id, lock=True, no_key=True)


def source_messages(source: Conversation) -> dict[str, Message]:
    """All messages of the source, keyed by public id, in stored (createdAt) order."""
    rows = Message.objects.filter(conversation=source).order_by("created_at", "pk")
    return {row.message_id: row for row in rows}


@transaction.atomic
def conversation_fork(
    *,
    user: User,
    conversation_id: str,
    message_id: str,
    option: str | None = None,
    split_at_target: bool = False,
    latest_message_id: str | None = None,
) -> ConversationCopy:
    """Copy the chosen part of the user's conversation into a new conversation."""
    canonical = FORK_OPTIONS.get(option if option is not None else TARGET_LEVEL)
    if canonical is None:
        raise InvalidInput(
            "option must be one of: directPath, includeBranches, targetLevel, target, branch"
        )
    if split_at_target and not latest_message_id:
        raise InvalidInput("latestMessageId is required when splitAtTarget is true")
    source = source_conversation_lock(user=user, conversation_id=conversation_id)
    messages = source_messages(source)
    nodes = [TreeNode(row.message_id, row.parent_message_id) for row in messages.values()]
    if message_id not in messages:
        raise MessageNotFound()
    target = message_id
    if split_at_target:
        if latest_message_id not in messages:
            raise MessageNotFound()
        nodes = split_at_target_level(nodes, message_id)
        if latest_message_id not in {node.id for node in nodes}:
            raise InvalidInput(LATEST_ABOVE_TARGET)
        target = latest_message_id  # type: ignore[assignment]
    chosen = set(_SELECTORS[canonical](nodes, target))
    return conversation_clone(
        user=user,
        source=source,
        messages=messages,
        nodes=[node for node in nodes if node.id in chosen],
        title=f"{source.title}{FORK_TITLE_SUFFIX}",
    )

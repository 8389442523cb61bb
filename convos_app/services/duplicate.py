"""Duplicate a whole conversation (an exact copy of the whole tree:
docs/api-behaviour.md#duplicate).

LibreChat copies only up to the newest message's level, silently dropping deeper branches;
chatcore copies every message. Title: the body's ``title`` (trimmed, cut to 1024) when it is
non-empty, else the source title unchanged.
"""

from __future__ import annotations

from django.db import transaction

from chatcore.models import User
from convos_app.services.clone import ConversationCopy, conversation_clone
from convos_app.services.conversations import title_clean
from convos_app.services.fork import source_conversation_lock, source_messages
from messages_app.trees import TreeNode


@transaction.atomic
def conversation_duplicate(
    *, user: User, conversation_id: str, title: str | None = None
) -> ConversationCopy:
    source = source_conversation_lock(user=user, conversation_id=conversation_id)
    messages = source_messages(source)
    nodes = [TreeNode(row.message_id, row.parent_message_id) for row in messages.values()]
    new_title = title_clean(title) if title else ""
    return conversation_clone(
        user=user,
        source=source,
        messages=messages,
        nodes=nodes,
        title=new_title or source.title,
    )

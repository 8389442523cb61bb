"""The one builder of message and content-part rows, for every writer.

Creating a message (API, chats reply, branch), copying one (fork, duplicate), importing and
seeding all build unsaved ``Message`` / ``ContentPart`` instances here and save them their own
way (``save``, ``bulk_create``); the import, which streams rows with ``COPY`` and builds no
instances, takes the same columns as plain values (``message_values``,
``content_part_values``). So the rules a row must follow are written once: a minted public
id unless one is given, ``NO_PARENT`` for a missing parent, the role's default sender, one
timestamp for both ``created_at`` and ``updated_at`` unless told otherwise, and, for content
parts, the extracted searchable text and the ``agentId`` column cut to what the column holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from chatcore.models import NO_PARENT, User, new_public_id
from convos_app.models import Conversation
from messages_app.models import ContentPart, Message

PART_TYPE_MAX_LENGTH = ContentPart._meta.get_field("type").max_length
AGENT_ID_MAX_LENGTH = ContentPart._meta.get_field("agent_id").max_length
USER_SENDER = "User"
ASSISTANT_SENDER = "Assistant"


def part_text(payload: Mapping[str, Any]) -> str:
    """The plain text of a content part: ``part[type]`` when it is a string, or the ``value``
    of the structured ``{value, annotations}`` form; other parts carry no text."""
    kind = payload.get("type")
    value = payload.get(kind) if isinstance(kind, str) else None
    if isinstance(value, Mapping):
        value = value.get("value")
    return value if isinstance(value, str) else ""


def part_agent_id(payload: Mapping[str, Any]) -> str | None:
    """The agent a part of a parallel response came from (``agentId``), cut to the column's
    length; parts without one (or with an empty one) have none."""
    agent = payload.get("agentId")
    return agent[:AGENT_ID_MAX_LENGTH] if isinstance(agent, str) and agent else None


def content_part_values(*, index: int, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of one content part but its owner and message; ``payload`` is kept whole so
    every client key round-trips."""
    return {
        "index": index,
        "type": str(payload["type"])[:PART_TYPE_MAX_LENGTH],
        "payload": dict(payload),
        "text": part_text(payload),
        "agent_id": part_agent_id(payload),
    }


def content_part_row(
    *, user: User, message: Message, index: int, payload: Mapping[str, Any]
) -> ContentPart:
    """One unsaved content part."""
    return ContentPart(
        user=user, message=message, **content_part_values(index=index, payload=payload)
    )


def content_part_rows(
    *, user: User, message: Message, parts: Sequence[Mapping[str, Any]]
) -> list[ContentPart]:
    """The unsaved parts of one message, numbered in order from 0."""
    return [
        content_part_row(user=user, message=message, index=index, payload=payload)
        for index, payload in enumerate(parts)
    ]


def message_values(
    *,
    message_id: str | None = None,
    parent_message_id: str | None = None,
    sender: str | None = None,
    is_created_by_user: bool = False,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
    **columns: Any,
) -> dict[str, Any]:
    """The columns of one message but its owner and conversation.

    Without ``message_id`` a fresh public id is minted; an empty ``parent_message_id`` makes a
    root; ``sender`` defaults to "User" or "Assistant" by role (an explicit ``""`` is kept);
    ``created_at`` defaults to now and ``updated_at`` to ``created_at``. Every other column is
    passed through ``columns``.
    """
    moment = created_at or timezone.now()
    if sender is None:
        sender = USER_SENDER if is_created_by_user else ASSISTANT_SENDER
    return {
        "message_id": message_id or new_public_id(),
        "parent_message_id": parent_message_id or NO_PARENT,
        "sender": sender,
        "is_created_by_user": is_created_by_user,
        "created_at": moment,
        "updated_at": updated_at or moment,
        **columns,
    }


def message_row(*, user: User, conversation: Conversation, **values: Any) -> Message:
    """One unsaved message of ``user`` in ``conversation`` (columns as ``message_values``)."""
    return Message(user=user, conversation=conversation, **message_values(**values))

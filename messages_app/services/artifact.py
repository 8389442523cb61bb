"""Edit one artifact inside a message's text, by its public id, in whichever conversation.

Finding the artifact and splicing the edit in is the pure ``messages_app.artifacts``; this
service locks the message, feeds it the ``text`` content parts (or the legacy text) and writes
the one changed part back in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from chatcore.errors import InvalidInput
from chatcore.models import User
from messages_app import artifacts
from messages_app.models import ContentPart, Message


@dataclass(frozen=True)
class ArtifactEditResult:
    conversation_id: str
    content: list[dict[str, Any]] | None
    text: str


@transaction.atomic
def message_artifact_edit(
    *, user: User, message_id: str, index: int, original: str, updated: str
) -> ArtifactEditResult:
    """Replace ``original`` with ``updated`` inside artifact ``index`` of a message and write
    the changed content part (or the legacy text) back. No match writes nothing."""
    message = Message.objects.select_related("conversation").access(user, message_id, lock=True)
    parts = list(ContentPart.objects.filter(message=message).order_by("index"))
    sources = [
        artifacts.TextSource(text=part.payload["text"], part_index=position)
        for position, part in enumerate(parts)
        if part.type == "text" and isinstance(part.payload.get("text"), str)
    ]
    try:
        edit = artifacts.apply_artifact_edit(
            parts=sources,
            message_text=message.text,
            index=index,
            original=original,
            updated=updated,
        )
    except artifacts.ArtifactEditError as exc:
        raise InvalidInput(str(exc)) from exc
    if edit.source == "content" and edit.part_index is not None:
        part = parts[edit.part_index]
        part.payload = {**part.payload, "text": edit.text}
        part.text = edit.text
        part.save(update_fields=["payload", "text"])
    else:
        message.text = edit.text
    message.updated_at = timezone.now()
    message.save(update_fields=["text", "updated_at"])
    return ArtifactEditResult(
        conversation_id=message.conversation.conversation_id,
        content=[part.payload for part in parts] or None,
        text=message.text,
    )

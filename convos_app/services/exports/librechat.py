"""The JSON export: LibreChat's export format (``recursive: true``, nested ``messagesTree``).

chatcore's importer (and LibreChat's) reads it back. To make the round trip lossless it also
carries ``createdAt``, ``updatedAt``, ``isArchived``, ``archivedAt``, ``pinned``, ``project`` (the
project's name) and ``tags`` at the top level, every
message column, the content parts as stored and the feedback. The tree is written iteratively
from the walker's depth-first order: a 10 000-message chain nests 10 000 levels deep, more than
``json.dumps`` recursion allows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone

from chatcore.serializers import iso
from messages_app.models import Feedback, Message
from messages_app.trees import depth_first

from .loading import LoadedConversation


def _feedback_json(feedback: Feedback) -> dict[str, Any]:
    body: dict[str, Any] = {"rating": feedback.rating}
    if feedback.tag:
        body["tag"] = feedback.tag
    if feedback.comment_key == Feedback.CommentKey.COMMENT:
        body["comment"] = feedback.text
    elif feedback.text is not None:
        body["text"] = feedback.text
    return body


def message_json(message: Message, loaded: LoadedConversation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messageId": message.message_id,
        "conversationId": loaded.conversation.conversation_id,
        "parentMessageId": message.parent_message_id,
        "sender": message.sender,
        "text": message.text,
        "isCreatedByUser": message.is_created_by_user,
        "endpoint": message.endpoint,
        "model": message.model,
        "unfinished": message.unfinished,
        "error": message.error,
        "createdAt": iso(message.created_at),
        "updatedAt": iso(message.updated_at),
    }
    optional = {
        "tokenCount": message.token_count,
        "summary": message.summary,
        "summaryTokenCount": message.summary_token_count,
        "finish_reason": message.finish_reason,
        "iconURL": message.icon_url,
        "thread_id": message.thread_id,
        "attachments": message.attachments,
        "files": message.files,
        "metadata": message.metadata,
        "cost": float(message.cost) if isinstance(message.cost, Decimal) else None,
        "memoryId": message.memory_id,
        "workflowId": str(message.workflow_id) if message.workflow_id else None,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    for key, value in (message.extra or {}).items():
        body.setdefault(key, value)
    body["content"] = [part.payload for part in loaded.parts.get(message.pk, [])]
    feedback = loaded.feedback.get(message.pk)
    if feedback is not None:
        body["feedback"] = _feedback_json(feedback)
    return body


def conversation_header(loaded: LoadedConversation) -> dict[str, Any]:
    convo = loaded.conversation
    options: dict[str, Any] = dict(convo.settings or {})
    columns = {
        "model": convo.model,
        "endpoint": convo.endpoint,
        "endpointType": convo.endpoint_type,
        "agent_id": convo.agent_id,
        "assistant_id": convo.assistant_id,
        "spec": convo.spec,
        "iconURL": convo.icon_url,
        "files": convo.files,
    }
    options.update({key: value for key, value in columns.items() if value is not None})
    options["title"] = convo.title
    return {
        "conversationId": convo.conversation_id,
        "endpoint": convo.endpoint,
        "title": convo.title,
        "exportAt": iso(timezone.now()),
        "branches": True,
        "recursive": True,
        "createdAt": iso(convo.created_at),
        "updatedAt": iso(convo.updated_at),
        "isArchived": convo.is_archived,
        "archivedAt": iso(convo.archived_at) if convo.archived_at else None,
        "pinned": convo.pinned,
        "project": loaded.project_name,
        "tags": loaded.tags,
        "options": options,
    }


def json_document(loaded: LoadedConversation) -> Iterator[str]:
    """One conversation as a JSON object, in pieces.

    Each message is written with an open ``"children": [``; the depth of the next message
    says how many of those (and their message objects) to close first: none when it is a
    child, one more per level it climbs back up.
    """
    header = json.dumps(conversation_header(loaded), ensure_ascii=False)
    yield header[:-1] + ', "messagesTree": ['
    by_id = {message.message_id: message for message in loaded.messages}
    previous = -1
    for message_id, depth in depth_first(loaded.tree()):
        body = json.dumps(message_json(by_id[message_id], loaded), ensure_ascii=False)
        closing = "]}" * (previous - depth + 1)
        separator = "" if depth > previous else ", "
        yield closing + separator + body[:-1] + ', "children": ['
        previous = depth
    yield "]}" * (previous + 1) + "]}"

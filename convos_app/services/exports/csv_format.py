"""The CSV export: one row per message (every branch), with its conversation's columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from chatcore.serializers import iso

from .loading import LoadedConversation

CSV_COLUMNS = (
    "conversationId",
    "conversationTitle",
    "conversationEndpoint",
    "conversationModel",
    "conversationCreatedAt",
    "conversationUpdatedAt",
    "conversationIsArchived",
    "conversationTags",
    "messageId",
    "parentMessageId",
    "createdAt",
    "updatedAt",
    "sender",
    "isCreatedByUser",
    "endpoint",
    "model",
    "text",
    "tokenCount",
    "contentTypes",
    "feedbackRating",
    "feedbackTag",
    "feedbackText",
)


def csv_rows(loaded: LoadedConversation) -> Iterator[list[Any]]:
    convo = loaded.conversation
    head = [
        convo.conversation_id,
        convo.title,
        convo.endpoint or "",
        convo.model or "",
        iso(convo.created_at),
        iso(convo.updated_at),
        "true" if convo.is_archived else "false",
        ";".join(loaded.tags),
    ]
    for message in loaded.messages:
        feedback = loaded.feedback.get(message.pk)
        yield [
            *head,
            message.message_id,
            message.parent_message_id,
            iso(message.created_at),
            iso(message.updated_at),
            message.sender,
            "true" if message.is_created_by_user else "false",
            message.endpoint or "",
            message.model or "",
            message.text,
            "" if message.token_count is None else message.token_count,
            ";".join(p.type for p in loaded.parts.get(message.pk, [])),
            feedback.rating if feedback else "",
            (feedback.tag or "") if feedback else "",
            (feedback.text or "") if feedback else "",
        ]


def csv_line(row: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    return buffer.getvalue()

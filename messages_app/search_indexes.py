"""The message document: the text a user would remember — the message's own text and the
text of its ``text``/``think`` content parts — with owner, conversation, sender and
timestamps. ``owner`` is mandatory for every search (``chatcore.search.backend``); the
conversation is the document's group, so every document of a conversation goes in one
statement."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from haystack import indexes

from chatcore.search.fields import GroupField
from messages_app.models import ContentPart, Message

SEARCHABLE_PART_TYPES = ("text", "think")


def _part_texts() -> ArraySubquery:
    return ArraySubquery(
        ContentPart.objects.filter(message=OuterRef("pk"), type__in=SEARCHABLE_PART_TYPES)
        .order_by("index")
        .values("text")
    )


class MessageIndex(indexes.SearchIndex, indexes.Indexable):
    text = indexes.CharField(document=True)
    owner = indexes.IntegerField(model_attr="user_id")
    conversation_pk = GroupField(model_attr="conversation_id")
    message_id = indexes.CharField(model_attr="message_id")
    sender = indexes.CharField(model_attr="sender", default="")
    is_created_by_user = indexes.BooleanField(model_attr="is_created_by_user")
    temporary = indexes.BooleanField()
    created_at = indexes.DateTimeField(model_attr="created_at")
    updated_at = indexes.DateTimeField(model_attr="updated_at")

    search_weight = "D"

    def get_model(self) -> type[Message]:
        return Message

    def get_updated_field(self) -> str:
        # ``update_index --age N`` re-indexes what changed in the last N hours.
        return "updated_at"

    def index_queryset(self, using: str | None = None) -> QuerySet[Message]:
        # One query per batch: the parts' texts come as an array, never one query per message.
        # Messages of temporary chats are never indexed (docs/api-behaviour.md#temporary-chats).
        return Message.objects.filter(conversation__expired_at__isnull=True).annotate(
            search_part_texts=_part_texts()
        )

    def prepare_text(self, obj: Message) -> str:
        texts: Any = getattr(obj, "search_part_texts", None)
        if texts is None:
            texts = list(
                ContentPart.objects.filter(message=obj, type__in=SEARCHABLE_PART_TYPES)
                .order_by("index")
                .values_list("text", flat=True)
            )
        pieces = [obj.text] if obj.text else []
        # A client often repeats the first text part in ``text``; index it once.
        pieces.extend(text for text in texts if text and text != obj.text)
        return "\n".join(pieces)

    def prepare_temporary(self, obj: Message) -> bool:
        return bool(obj.is_temporary or obj.expired_at)

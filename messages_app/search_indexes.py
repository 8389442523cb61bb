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
from haystack.constants import DJANGO_CT, DJANGO_ID, ID

from chatcore.search.fields import GroupField
from messages_app.models import ContentPart, Message

SEARCHABLE_PART_TYPES = ("text", "think")
MESSAGE_CT = "messages_app.message"
# The message attributes ``prepare_values`` reads (attribute names, as in ``Model.__dict__``).
PREPARED_FROM = (
    "id",
    "text",
    "user_id",
    "conversation_id",
    "message_id",
    "sender",
    "is_created_by_user",
    "is_temporary",
    "expired_at",
    "created_at",
    "updated_at",
    "search_part_texts",
)


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

    def full_prepare(self, obj: Message, with_string_facet: bool = True) -> dict[str, Any]:
        """Haystack's generic preparation walks every field through attribute lookups (most of
        an import's indexing time); a message with its part texts at hand is prepared directly
        by ``prepare_values``, to the same dict (tests/test_search_documents.py pins it)."""
        values = obj.__dict__
        if all(name in values for name in PREPARED_FROM):
            return self.prepare_values(values)
        return super().full_prepare(obj, with_string_facet)

    def prepare_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """The prepared document of a message given as plain attribute values (the names of
        ``PREPARED_FROM``), as haystack's ``full_prepare`` builds it from an instance."""
        pk = values["id"]
        sender = values["sender"]
        return {
            ID: f"{MESSAGE_CT}.{pk}",
            DJANGO_CT: MESSAGE_CT,
            DJANGO_ID: str(pk),
            "text": message_text(values["text"], values["search_part_texts"]),
            "owner": int(values["user_id"]),
            "conversation_pk": int(values["conversation_id"]),
            "message_id": str(values["message_id"]),
            "sender": "" if sender is None else str(sender),
            "is_created_by_user": bool(values["is_created_by_user"]),
            "temporary": bool(values["is_temporary"] or values["expired_at"]),
            "created_at": values["created_at"],
            "updated_at": values["updated_at"],
        }

    def prepare_text(self, obj: Message) -> str:
        texts: Any = getattr(obj, "search_part_texts", None)
        if texts is None:
            texts = list(
                ContentPart.objects.filter(message=obj, type__in=SEARCHABLE_PART_TYPES)
                .order_by("index")
                .values_list("text", flat=True)
            )
        return message_text(obj.text, texts)

    def prepare_temporary(self, obj: Message) -> bool:
        return bool(obj.is_temporary or obj.expired_at)


def message_text(text: str, part_texts: list[str]) -> str:
    """The indexed text of a message: its own text, then its searchable parts' texts."""
    pieces = [text] if text else []
    # A client often repeats the first text part in ``text``; index it once.
    pieces.extend(part for part in part_texts if part and part != text)
    return "\n".join(pieces)

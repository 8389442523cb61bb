"""The conversation document: its title, weighted above message text, with
owner, archived flag, tags and timestamps. Conversation search (``GET /api/convos?search=``)
combines these title hits with message hits; archived conversations stay searchable."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from haystack import indexes

from chatcore.search.fields import GroupField
from convos_app.models import Conversation
from tags_app.models import TaggedConversation


def _tag_names() -> ArraySubquery:
    return ArraySubquery(
        TaggedConversation.objects.filter(conversation=OuterRef("pk"))
        .order_by("pk")
        .values("tag__name")
    )


class ConversationIndex(indexes.SearchIndex, indexes.Indexable):
    text = indexes.CharField(document=True)
    owner = indexes.IntegerField(model_attr="user_id")
    # The group of the conversation's own document and of its messages' (same field name).
    conversation_pk = GroupField(model_attr="pk")
    conversation_id = indexes.CharField(model_attr="conversation_id")
    title = indexes.CharField(model_attr="title", default="")
    model = indexes.CharField(model_attr="model", null=True)
    is_archived = indexes.BooleanField(model_attr="is_archived")
    temporary = indexes.BooleanField()
    tags = indexes.MultiValueField()
    created_at = indexes.DateTimeField(model_attr="created_at")
    updated_at = indexes.DateTimeField(model_attr="updated_at")

    search_weight = "A"

    def get_model(self) -> type[Conversation]:
        return Conversation

    def get_updated_field(self) -> str:
        # ``update_index --age N`` re-indexes what changed in the last N hours.
        return "updated_at"

    def index_queryset(self, using: str | None = None) -> QuerySet[Conversation]:
        # Temporary chats are never indexed (docs/api-behaviour.md#temporary-chats): a row left
        # out here has its document removed when it is (re)indexed.
        return Conversation.objects.filter(expired_at__isnull=True).annotate(
            search_tag_names=_tag_names()
        )

    def prepare_text(self, obj: Conversation) -> str:
        return obj.title or ""

    def prepare_temporary(self, obj: Conversation) -> bool:
        return bool(obj.is_temporary or obj.expired_at)

    def prepare_tags(self, obj: Conversation) -> list[str]:
        names: Any = getattr(obj, "search_tag_names", None)
        if names is None:
            names = list(obj.tag_links.order_by("pk").values_list("tag__name", flat=True))
        return [name for name in names if name]

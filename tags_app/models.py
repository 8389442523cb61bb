"""Per-user conversation tags ("bookmarks" in LibreChat), linked many-to-many to conversations."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from chatcore.errors import TagNotFound
from chatcore.models import OwnedModel, OwnedQuerySet, User
from chatcore.validators import text_problem
from convos_app.models import Conversation

TAG_MAX_LENGTH = 255


class TagQuerySet(OwnedQuerySet):
    """``access`` is the one "the user's tag, or 404", as ``Conversation.objects.access`` is for
    conversations (docs/architecture.md#one-of-each)."""

    def access(self, user: User, name: str, *, lock: bool = False) -> Tag:
        """The user's tag with this (already normalised) label, or ``TagNotFound``; ``lock``
        takes its row lock. A label no row can hold (NUL, lone surrogates, overlong) matches
        nothing: PostgreSQL would raise on it instead (docs/api-behaviour.md#hostile-input)."""
        if not name or len(name) > TAG_MAX_LENGTH or text_problem(name) is not None:
            raise TagNotFound()
        queryset = self.filter(user=user, name=name)
        if lock:
            queryset = queryset.select_for_update()
        tag = queryset.first()
        if tag is None:
            raise TagNotFound()
        return tag


class Tag(OwnedModel):
    """``count`` is kept equal to the number of the owner's conversations carrying the tag.

    Services maintain it set-based in the same transaction as the link rows change (LibreChat
    lets it drift; chatcore does not: docs/api-behaviour.md#tag-counts).
    """

    name = models.CharField(max_length=TAG_MAX_LENGTH)
    description = models.TextField(null=True, blank=True)
    position = models.IntegerField(default=0)
    count = models.IntegerField(default=0)
    conversations = models.ManyToManyField(
        Conversation, through="TaggedConversation", related_name="tags", blank=True
    )

    objects = TagQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="tag_name_per_user"),
            models.CheckConstraint(condition=~Q(name=""), name="tag_name_not_empty"),
            models.CheckConstraint(condition=Q(count__gte=0), name="tag_count_non_negative"),
            models.CheckConstraint(condition=Q(position__gte=0), name="tag_position_non_negative"),
        ]
        indexes = [
            models.Index(fields=["user", "position", "id"], name="tag_user_position"),
        ]

    def __str__(self) -> str:
        return self.name


class TaggedConversation(models.Model):
    """A tag on a conversation; ``id`` order is the order tags were put on the conversation."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="links")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="tag_links"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "conversation"], name="tag_link_unique"),
        ]
        indexes = [
            models.Index(fields=["conversation", "tag"], name="tag_link_convo"),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id} -> {self.conversation_id}"

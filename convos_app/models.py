"""Conversation: one chat, owned by one user, holding a tree of messages."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from chatcore.errors import CONVERSATION_NOT_FOUND, ConversationNotFound
from chatcore.models import (
    PUBLIC_ID_MAX_LENGTH,
    OwnedModel,
    OwnedQuerySet,
    User,
    new_public_id,
    public_id_is_usable,
)

DEFAULT_TITLE = "New Chat"
TITLE_MAX_LENGTH = 1024

# Preset/settings keys of LibreChat's conversation schema
# (docs/api-behaviour.md#conversation-settings) that have no column of
# their own: they live in ``Conversation.settings`` so fork/duplicate/import round-trip them.
SETTINGS_KEYS = (
    "region",
    "chatGptLabel",
    "examples",
    "modelLabel",
    "promptPrefix",
    "temperature",
    "top_p",
    "topP",
    "topK",
    "maxOutputTokens",
    "maxTokens",
    "presence_penalty",
    "frequency_penalty",
    "file_ids",
    "resendImages",
    "promptCache",
    "thinking",
    "thinkingBudget",
    "system",
    "resendFiles",
    "imageDetail",
    "instructions",
    "stop",
    "greeting",
    "tools",
    "maxContextTokens",
    "max_tokens",
    "useResponsesApi",
    "web_search",
    "disableStreaming",
    "fileTokenLimit",
    "reasoning_effort",
    "reasoning_summary",
    "verbosity",
    "agentOptions",
)


class ConversationQuerySet(OwnedQuerySet):
    """``access`` is the one "the user's conversation, or 404" of every app.

    It lives on the model's queryset because messages_app and tags_app may import
    convos_app's models but none of its behaviour. Being a queryset method, a caller shapes the
    row first (``Conversation.objects.only("pk").access(...)``, an annotation) and ``access``
    adds the owner scope, the optional row lock and the 404.
    """

    def owned(self, user: User, conversation_id: str) -> ConversationQuerySet:
        """The user's conversation with this public id, as a queryset (empty for unusable ids)."""
        if not public_id_is_usable(conversation_id):
            return self.none()
        return self.filter(user=user, conversation_id=conversation_id)

    def access(
        self,
        user: User,
        conversation_id: str,
        *,
        lock: bool = False,
        no_key: bool = False,
        not_found: str = CONVERSATION_NOT_FOUND,
    ) -> Conversation:
        """The user's conversation with this public id, or ``ConversationNotFound(not_found)``.

        ``lock`` takes the row lock (``FOR UPDATE``; with ``no_key``, ``FOR NO KEY UPDATE``,
        which still serialises writers of the row but lets messages be added to it meanwhile).
        Only this row is locked, never one it is joined to.
        """
        queryset = self.owned(user, conversation_id)
        if lock:
            queryset = queryset.select_for_update(of=("self",), no_key=no_key)
        conversation = queryset.first()
        if conversation is None:
            raise ConversationNotFound(not_found)
        return conversation


class Conversation(OwnedModel):
    conversation_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, default=new_public_id)
    title = models.CharField(max_length=TITLE_MAX_LENGTH, default=DEFAULT_TITLE)
    endpoint = models.CharField(max_length=128, null=True, blank=True)
    endpoint_type = models.CharField(max_length=128, null=True, blank=True)
    model = models.CharField(max_length=255, null=True, blank=True)
    agent_id = models.CharField(max_length=255, null=True, blank=True)
    assistant_id = models.CharField(max_length=255, null=True, blank=True)
    spec = models.CharField(max_length=255, null=True, blank=True)
    icon_url = models.CharField(max_length=2048, null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    is_temporary = models.BooleanField(default=False)
    expired_at = models.DateTimeField(null=True, blank=True)
    files = models.JSONField(null=True, blank=True)
    settings = models.JSONField(default=dict, blank=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "conversation_id"], name="convo_public_id_per_user"
            ),
            models.CheckConstraint(
                condition=~Q(conversation_id=""), name="convo_public_id_not_empty"
            ),
        ]
        indexes = [
            # One composite index per keyset order of GET /api/convos
            # (docs/api-behaviour.md#pagination).
            models.Index(fields=["user", "updated_at", "id"], name="convo_user_updated"),
            models.Index(fields=["user", "created_at", "id"], name="convo_user_created"),
            models.Index(fields=["user", "title", "id"], name="convo_user_title"),
            models.Index(
                fields=["user", "is_archived", "updated_at", "id"],
                name="convo_user_archived_updated",
            ),
            # Staff filters in the admin list (ordered by -id) across all users.
            models.Index(fields=["endpoint", "id"], name="convo_endpoint"),
            models.Index(fields=["model", "id"], name="convo_model"),
            models.Index(fields=["is_archived", "id"], name="convo_archived"),
            models.Index(fields=["updated_at"], name="convo_updated"),
            models.Index(fields=["created_at"], name="convo_created"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.conversation_id})"


# The usage ledger, price versions and balances live in their own module; imported so Django
# registers them with this app.
from convos_app.usage_models import Balance, PriceVersion, UsageRecord  # noqa: E402, F401

"""Conversation: one chat, owned by one user, holding a tree of messages."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from chatcore.models import PUBLIC_ID_MAX_LENGTH, OwnedModel, new_public_id

DEFAULT_TITLE = "New Chat"
TITLE_MAX_LENGTH = 1024

# Preset/settings keys of LibreChat's conversation schema (spec §6.2) that have no column of
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
            # One composite index per keyset order of GET /api/convos (design D9).
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

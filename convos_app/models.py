"""Conversation: one chat, owned by one user, holding a tree of messages."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from chatcore.errors import CONVERSATION_NOT_FOUND, ConversationNotFound, NotFound
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
PROJECT_NAME_MAX_LENGTH = 100
PROJECT_DESCRIPTION_MAX_LENGTH = 1000
PROJECT_NOT_FOUND = "Project not found"

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

    Every owner-scoped read (``for_user``, ``owned``, ``access``) leaves out conversations past
    their ``expired_at``: expired is gone at once, before any purge runs
    (docs/api-behaviour.md#temporary-chats). Only the purge and staff pages see them.
    """

    def unexpired(self) -> ConversationQuerySet:
        """Conversations whose ``expired_at`` has not passed (or that have none)."""
        return self.filter(Q(expired_at__isnull=True) | Q(expired_at__gt=timezone.now()))

    def for_user(self, user: User) -> ConversationQuerySet:
        return self.filter(user=user).unexpired()

    def owned(self, user: User, conversation_id: str) -> ConversationQuerySet:
        """The user's unexpired conversation with this public id, as a queryset (empty for
        unusable ids)."""
        if not public_id_is_usable(conversation_id):
            return self.none()
        return self.filter(user=user, conversation_id=conversation_id).unexpired()

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


class ProjectQuerySet(OwnedQuerySet):
    def access(self, user: User, project_id: str, *, lock: bool = False) -> Project:
        """The user's project with this public id, or ``NotFound("Project not found")`` —
        the same answer for another user's project (docs/api-behaviour.md#projects)."""
        queryset = (
            self.none()
            if not public_id_is_usable(project_id)
            else self.filter(user=user, project_id=project_id)
        )
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        project = queryset.first()
        if project is None:
            raise NotFound(PROJECT_NOT_FOUND)
        return project


class Project(OwnedModel):
    """A user's folder of conversations (LibreChat's ``TChatProject``).

    ``conversation_count`` and ``last_conversation_*`` are kept exact by a trigger on the
    conversation table (migration ``0004_projects_pin_archive``): every path that moves,
    creates, deletes or touches a conversation — ORM, bulk SQL, cascades — updates them in the
    same transaction, so no service has to remember to (docs/api-behaviour.md#projects).
    """

    project_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, default=new_public_id)
    name = models.CharField(max_length=PROJECT_NAME_MAX_LENGTH)
    description = models.CharField(max_length=PROJECT_DESCRIPTION_MAX_LENGTH, blank=True)
    conversation_count = models.PositiveIntegerField(default=0)
    last_conversation_at = models.DateTimeField(null=True, blank=True)
    last_conversation_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project_id"], name="project_public_id"),
            # Names are unique per user regardless of case: "Work" and "work" are one folder.
            models.UniqueConstraint("user", Lower("name"), name="project_name_per_user"),
        ]
        indexes = [
            models.Index(fields=["user", "name", "id"], name="project_user_name"),
            models.Index(fields=["user", "created_at", "id"], name="project_user_created"),
            models.Index(
                fields=["user", "last_conversation_at", "id"], name="project_user_last_convo"
            ),
        ]

    def __str__(self) -> str:
        return self.name


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
    # Stamped once when archived (re-archiving keeps it), cleared on unarchive.
    archived_at = models.DateTimeField(null=True, blank=True)
    # Pinning is organisation, not activity: it never moves ``updated_at``.
    pinned = models.BooleanField(default=False)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
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
            models.Index(fields=["user", "archived_at", "id"], name="convo_user_archived_at"),
            models.Index(
                fields=["user", "pinned", "updated_at", "id"], name="convo_user_pinned_updated"
            ),
            models.Index(fields=["project", "updated_at", "id"], name="convo_project_updated"),
            # Staff filters in the admin list (ordered by -id) across all users.
            models.Index(fields=["endpoint", "id"], name="convo_endpoint"),
            models.Index(fields=["model", "id"], name="convo_model"),
            models.Index(fields=["is_archived", "id"], name="convo_archived"),
            models.Index(fields=["updated_at"], name="convo_updated"),
            models.Index(fields=["created_at"], name="convo_created"),
            # The purge's scan for what has expired (docs/api-behaviour.md#purge).
            models.Index(
                fields=["expired_at"], condition=Q(expired_at__isnull=False), name="convo_expiring"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.conversation_id})"


class RetentionPolicy(models.Model):
    """A user's own retention rule (docs/api-behaviour.md#retention-policies): conversations
    not updated for ``delete_after_days`` are purged, except pinned ones while ``keep_pinned``
    and archived ones while ``keep_archived``. No row means no rule of the user's own (the
    operator's ``CHATCORE_MAX_RETENTION_DAYS`` still applies)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="retention_policy"
    )
    delete_after_days = models.PositiveIntegerField(null=True, blank=True)
    keep_pinned = models.BooleanField(default=True)
    keep_archived = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(delete_after_days__isnull=True)
                | Q(delete_after_days__gte=1, delete_after_days__lte=3650),
                name="retention_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.delete_after_days or '-'} days"


# --- Shared links (docs/api-behaviour.md#shared-links) -----------------------------------------
SHARE_ID_MAX_LENGTH = 64
# The one answer for a share id that names no readable link: never created, revoked, expired,
# another user's (on the owner's routes) or malformed (docs/api-behaviour.md#share-not-found).
SHARE_NOT_FOUND = "Shared link not found"
SCOPED_ID_SALT = "chatcore.shares.scoped-id"


def share_scoped_id(share_id: str, original: str) -> str:
    """The share-scoped stand-in for one of the owner's ids: a UUID derived with the server's
    secret from (share id, original id), so it is stable for one share across re-publishes and
    links neither to the owner's id nor to the same message in another share."""
    digest = salted_hmac(SCOPED_ID_SALT, f"{share_id}\x00{original}", algorithm="sha256").digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


class SharedLinkQuerySet(OwnedQuerySet):
    def live(self) -> SharedLinkQuerySet:
        """Links that still answer: neither past ``expires_at`` (a temporary chat's expiry,
        copied at publish) nor of a conversation past its own ``expired_at``."""
        now = timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            Q(conversation__expired_at__isnull=True) | Q(conversation__expired_at__gt=now),
        )

    def named(self, share_id: str) -> SharedLinkQuerySet:
        """The live link with this id (empty for ids no link can have), as a queryset."""
        if not public_id_is_usable(share_id):
            return self.none()
        return self.live().filter(share_id=share_id)

    def access(self, user: User, share_id: str, *, lock: bool = False) -> SharedLink:
        """The user's live link with this id, or the one 404; ``lock`` takes its row lock."""
        queryset = self.named(share_id).filter(user=user)
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        link = queryset.first()
        if link is None:
            raise NotFound(SHARE_NOT_FOUND)
        return link


class SharedLink(OwnedModel):
    """A published, read-only snapshot of (a path of) one conversation, named by ``share_id``.

    The snapshot is its ``SharedMessage`` rows, copied at publish time, so later edits of the
    conversation do not show until the owner re-publishes (which bumps ``updated_at``, the
    revision a fork from the share must name). Revoking deletes the row: a revoked id is then
    exactly a never-existing one. ``expires_at`` is the hook for links of temporary chats
    (reads ignore a link whose time has passed); ``hide_model`` is the publish option that
    withholds endpoint and model. ``target_message_id`` is the owner's own message id (``None``
    for the whole conversation) and never leaves the owner's routes.
    """

    share_id = models.CharField(max_length=SHARE_ID_MAX_LENGTH, unique=True)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="shared_links"
    )
    target_message_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, null=True, blank=True)
    title = models.CharField(max_length=TITLE_MAX_LENGTH, default=DEFAULT_TITLE)
    # The share-scoped stand-in for the conversation id on the public read.
    public_conversation_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH)
    hide_model = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = SharedLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            # One active link per (conversation, target); NULL (whole conversation) counts once.
            models.UniqueConstraint(
                fields=["conversation", "target_message_id"],
                name="share_one_per_target",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            # One per keyset order of GET /api/share (docs/api-behaviour.md#pagination).
            models.Index(fields=["user", "created_at", "id"], name="share_user_created"),
            models.Index(fields=["user", "title", "id"], name="share_user_title"),
            models.Index(fields=["user", "-updated_at"], name="share_user_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.share_id})"

    @property
    def public_target_id(self) -> str | None:
        """The target as readers see it (share-scoped), ``None`` for a whole-conversation link."""
        if self.target_message_id is None:
            return None
        return share_scoped_id(self.share_id, self.target_message_id)


class SharedMessage(models.Model):
    """One message of a link's snapshot, already anonymized: share-scoped ids, the sanitized
    content parts as shown, no owner, no feedback, no files. ``position`` is the payload order
    a fork's ``targetMessageIndex`` counts in."""

    link = models.ForeignKey(SharedLink, on_delete=models.CASCADE, related_name="messages")
    position = models.PositiveIntegerField()
    message_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH)
    parent_message_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH)
    sender = models.CharField(max_length=255, blank=True, default="")
    text = models.TextField(blank=True, default="")
    content = models.JSONField(null=True, blank=True)
    is_created_by_user = models.BooleanField(default=False)
    endpoint = models.CharField(max_length=128, null=True, blank=True)
    model = models.CharField(max_length=255, null=True, blank=True)
    error = models.BooleanField(default=False)
    unfinished = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["link_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["link", "position"], name="shared_message_position"),
        ]

    def __str__(self) -> str:
        return f"{self.link_id}#{self.position}"


# The usage ledger, price versions and balances live in their own module; imported so Django
# registers them with this app.
from convos_app.usage_models import Balance, PriceVersion, UsageRecord  # noqa: E402, F401

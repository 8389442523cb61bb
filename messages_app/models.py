"""Message tree rows, their ordered content parts, per-message feedback, and the user's
memories that replies may use (docs/architecture.md#data-model, docs/api-behaviour.md#memories)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from chatcore.errors import MESSAGE_NOT_FOUND, MessageNotFound, NotFound
from chatcore.models import (
    NO_PARENT,
    PUBLIC_ID_MAX_LENGTH,
    OwnedModel,
    OwnedQuerySet,
    User,
    new_public_id,
    public_id_is_usable,
)
from chatcore.validators import text_problem
from convos_app.models import Conversation

FEEDBACK_TEXT_MAX_LENGTH = 1024
MEMORY_KEY_MAX_LENGTH = 100
MEMORY_NOT_FOUND = "Memory not found"
MEMORY_KEY_PATTERN = r"^[a-z0-9_]{1,100}$"
# The width of the ``memory_id`` column messages already had: the reference keeps its column.
MEMORY_ID_MAX_LENGTH = 255
MEMORY_AGENT_ID_MAX_LENGTH = 255


class MessageQuerySet(OwnedQuerySet):
    """``access`` is the one "the user's message, or 404" (and "lock that message") of every
    write path; see ``ConversationQuerySet`` for why it is a queryset method.

    Owner-scoped reads leave out messages of expired conversations: the conversation's
    ``expired_at`` is the one source of truth (docs/api-behaviour.md#temporary-chats)."""

    def unexpired(self) -> MessageQuerySet:
        """Messages whose conversation's ``expired_at`` has not passed (or that has none)."""
        now = timezone.now()
        return self.filter(
            Q(conversation__expired_at__isnull=True) | Q(conversation__expired_at__gt=now)
        )

    def for_user(self, user: User) -> MessageQuerySet:
        return self.filter(user=user).unexpired()

    def owned(
        self, user: User, message_id: str, *, conversation: Conversation | None = None
    ) -> MessageQuerySet:
        """The user's message with this public id (inside ``conversation`` when given), as a
        queryset; empty for ids no row can have."""
        if not public_id_is_usable(message_id):
            return self.none()
        queryset = self.filter(user=user, message_id=message_id)
        if conversation is not None:
            # The caller resolved the conversation through its access helper already.
            return queryset.filter(conversation=conversation)
        return queryset.unexpired()

    def access(
        self,
        user: User,
        message_id: str,
        *,
        conversation: Conversation | None = None,
        lock: bool = False,
        not_found: str = MESSAGE_NOT_FOUND,
    ) -> Message:
        """The user's message, or ``MessageNotFound(not_found)``.

        ``lock`` takes the row lock first, so a read-modify-write of the message (an edit's
        token-count delta, a like) serialises with concurrent ones. Only the message row is
        locked, also when the caller joined its conversation with ``select_related``.
        """
        queryset = self.owned(user, message_id, conversation=conversation)
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        message = queryset.first()
        if message is None:
            raise MessageNotFound(not_found)
        return message


class Message(OwnedModel):
    """One node of a conversation's tree; ``parent_message_id`` is a public id string.

    The parent is kept as the public string (not a foreign key) because LibreChat clients send
    it before the parent exists, and imports/forks remap it in bulk; NO_PARENT marks a root.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    message_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, default=new_public_id)
    parent_message_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, default=NO_PARENT)
    sender = models.CharField(max_length=255, blank=True, default="")
    text = models.TextField(blank=True, default="")
    is_created_by_user = models.BooleanField(default=False)
    endpoint = models.CharField(max_length=128, null=True, blank=True)
    model = models.CharField(max_length=255, null=True, blank=True)
    token_count = models.IntegerField(null=True, blank=True)
    summary = models.TextField(null=True, blank=True)
    summary_token_count = models.IntegerField(null=True, blank=True)
    unfinished = models.BooleanField(default=False)
    error = models.BooleanField(default=False)
    finish_reason = models.CharField(max_length=64, null=True, blank=True)
    icon_url = models.CharField(max_length=2048, null=True, blank=True)
    thread_id = models.CharField(max_length=255, null=True, blank=True)
    is_temporary = models.BooleanField(default=False)
    expired_at = models.DateTimeField(null=True, blank=True)
    attachments = models.JSONField(null=True, blank=True)
    files = models.JSONField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    # Chats API fields: USD cost of an assistant reply, memory reference, workflow recorded.
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True)
    # The memory a reply used (docs/api-behaviour.md#memories): the memory's public id, kept in
    # the ``memory_id`` column. The database holds the same-user rule with a composite foreign
    # key (user_id, memory_id) -> memory (user_id, memory_id) ON DELETE SET NULL (memory_id),
    # added by the "memories" migration; Django's own single-column constraint is therefore off, and
    # ``DO_NOTHING`` leaves the clearing to that constraint (also for raw and bulk deletes).
    memory = models.ForeignKey(
        "messages_app.Memory",
        to_field="memory_id",
        db_column="memory_id",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="messages",
    )
    workflow_id = models.UUIDField(null=True, blank=True)
    # LibreChat keys with no column (clientId, invocationId, conversationSignature, plugin...).
    extra = models.JSONField(default=dict, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "message_id"], name="message_public_id_per_user"
            ),
            models.CheckConstraint(condition=~Q(message_id=""), name="message_public_id_not_empty"),
            models.CheckConstraint(
                condition=Q(token_count__isnull=True) | Q(token_count__gte=0),
                name="message_token_count_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(summary_token_count__isnull=True) | Q(summary_token_count__gte=0),
                name="message_summary_tokens_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0), name="message_cost_non_negative"
            ),
            models.CheckConstraint(
                condition=~Q(parent_message_id=models.F("message_id")),
                name="message_not_own_parent",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at", "id"], name="msg_convo_created"),
            models.Index(fields=["conversation", "updated_at", "id"], name="msg_convo_updated"),
            models.Index(fields=["conversation", "endpoint", "id"], name="msg_convo_endpoint"),
            models.Index(fields=["conversation", "parent_message_id"], name="msg_convo_parent"),
            models.Index(fields=["user", "created_at", "id"], name="msg_user_created"),
            models.Index(fields=["user", "updated_at", "id"], name="msg_user_updated"),
            models.Index(fields=["user", "endpoint", "id"], name="msg_user_endpoint"),
            # Few messages name a memory: a partial index serves the ON DELETE SET NULL lookup.
            models.Index(fields=["memory"], name="msg_memory", condition=Q(memory__isnull=False)),
            # Staff usage analytics count messages per day across all users.
            models.Index(fields=["created_at"], name="msg_created"),
        ]

    def __str__(self) -> str:
        return self.message_id


class ContentPart(models.Model):
    """One element of a message's ``content[]``, stored whole in ``payload``.

    ``payload`` is the part exactly as the client sent it (so every key round-trips); ``type``,
    ``text`` (extracted, for search and token counts) and ``agent_id`` are columns so that one
    part can be edited by index and a parallel response branched by agent with plain SQL.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="content_parts")
    index = models.PositiveIntegerField()
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    text = models.TextField(blank=True, default="")
    agent_id = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        ordering = ["message_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["message", "index"], name="content_part_index_unique"),
            models.CheckConstraint(condition=~Q(type=""), name="content_part_type_not_empty"),
        ]
        indexes = [
            models.Index(fields=["message", "agent_id"], name="content_part_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.type}#{self.index}"


class Feedback(models.Model):
    """Thumbs feedback on one message (at most one row per message)."""

    class Rating(models.TextChoices):
        THUMBS_UP = "thumbsUp", "Thumbs up"
        THUMBS_DOWN = "thumbsDown", "Thumbs down"

    class CommentKey(models.TextChoices):
        """Which wire key the client used for the free text: LibreChat's or the documented API's."""

        TEXT = "text", "text (LibreChat)"
        COMMENT = "comment", "comment (seed)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="feedback")
    rating = models.CharField(max_length=16, choices=Rating.choices)
    tag = models.CharField(max_length=64, null=True, blank=True)
    text = models.CharField(max_length=FEEDBACK_TEXT_MAX_LENGTH, null=True, blank=True)
    comment_key = models.CharField(
        max_length=8, choices=CommentKey.choices, default=CommentKey.TEXT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__in=["thumbsUp", "thumbsDown"]), name="feedback_rating_valid"
            ),
            models.CheckConstraint(
                condition=Q(comment_key__in=["text", "comment"]), name="feedback_comment_key_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating} on {self.message_id}"


def _usable(value: str, limit: int) -> bool:
    """Whether a path/query value could name a stored memory (NUL or overlong ones never do,
    and would make PostgreSQL raise instead of matching nothing)."""
    return 0 < len(value) <= limit and text_problem(value) is None


class MemoryQuerySet(OwnedQuerySet):
    """``access`` is the one "the user's memory, or 404" of the memories API."""

    def owned(
        self,
        user: User,
        *,
        key: str | None = None,
        memory_id: str | None = None,
        agent_id: str | None = "",
    ) -> MemoryQuerySet:
        """The user's memory by ``key`` within the ``agent_id`` partition ("" is the shared
        pool), or by public ``memory_id`` (then ``agent_id`` None means any partition); empty for
        values no row can have."""
        queryset = self.filter(user=user)
        if memory_id is not None:
            if not _usable(memory_id, MEMORY_ID_MAX_LENGTH):
                return self.none()
            queryset = queryset.filter(memory_id=memory_id)
        else:
            if key is None or not _usable(key, MEMORY_KEY_MAX_LENGTH):
                return self.none()
            queryset = queryset.filter(key=key)
        if agent_id is not None:
            if agent_id and not _usable(agent_id, MEMORY_AGENT_ID_MAX_LENGTH):
                return self.none()
            queryset = queryset.filter(agent_id=agent_id)
        return queryset

    def access(
        self,
        user: User,
        *,
        key: str | None = None,
        memory_id: str | None = None,
        agent_id: str | None = "",
        lock: bool = False,
        not_found: str = MEMORY_NOT_FOUND,
    ) -> Memory:
        queryset = self.owned(user, key=key, memory_id=memory_id, agent_id=agent_id)
        if lock:
            queryset = queryset.select_for_update()
        memory = queryset.first()
        if memory is None:
            raise NotFound(not_found)
        return memory


class Memory(OwnedModel):
    """Something the assistant remembers about a user: ``key`` → ``value`` text.

    ``memory_id`` is the public id (``_id`` on the wire), minted by the server and globally
    unique, so a message can reference it by value; ``(user, memory_id)`` is unique too, as the
    target of the messages' same-user foreign key. ``agent_id`` is the partition ("" is the
    user's shared pool); a key is unique within its partition. ``token_count`` is the value's
    size in tokens, kept for the per-user token limit.
    """

    memory_id = models.CharField(
        max_length=MEMORY_ID_MAX_LENGTH, unique=True, default=new_public_id, editable=False
    )
    key = models.CharField(max_length=MEMORY_KEY_MAX_LENGTH)
    value = models.TextField()
    token_count = models.PositiveIntegerField(default=0)
    agent_id = models.CharField(max_length=MEMORY_AGENT_ID_MAX_LENGTH, blank=True, default="")

    objects = MemoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "memories"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agent_id", "key"], name="memory_key_per_user_partition"
            ),
            models.UniqueConstraint(fields=["user", "memory_id"], name="memory_public_id_per_user"),
            models.CheckConstraint(
                condition=Q(key__regex=MEMORY_KEY_PATTERN), name="memory_key_format"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "updated_at", "id"], name="memory_user_updated"),
        ]

    def __str__(self) -> str:
        return self.key


class MemoryPreference(models.Model):
    """The user's "use memories" switch (LibreChat's ``personalization.memories``).

    A row of its own in this app rather than a column on the kernel's user table: memories are
    this app's feature, so the kernel stays unaware of them and adding the switch rewrites no
    user row. No row means the default, on (as in LibreChat); with no memories saved, "on"
    changes nothing in a reply.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="memory_preference",
    )
    memories = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"memories {'on' if self.memories else 'off'}"

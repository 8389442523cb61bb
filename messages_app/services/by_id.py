"""The chats API's writes to one message by its public id: like/unlike and delete
(docs/api-behaviour.md#messages-by-id)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from chatcore.models import User
from messages_app.models import Feedback, Message
from messages_app.selectors.by_id import ChatMessageRecord, chat_message_record_get
from messages_app.signals import messages_deleted


@transaction.atomic
def chat_message_like_update(
    *, user: User, message_id: str, liked: bool | None
) -> ChatMessageRecord:
    """Set ``liked``: true → thumbs up, false → thumbs down, null → no feedback.

    The message row is locked first (concurrent likes serialise). A LibreChat ``tag`` belongs
    to one rating, so it is dropped when the rating flips; a comment text is kept.
    """
    message = Message.objects.access(user, message_id, lock=True)
    if liked is None:
        Feedback.objects.filter(message=message).delete()
    else:
        rating = Feedback.Rating.THUMBS_UP if liked else Feedback.Rating.THUMBS_DOWN
        current = Feedback.objects.filter(message=message).first()
        if current is None:
            Feedback.objects.create(user=user, message=message, rating=rating)
        elif current.rating != rating:
            current.rating = rating
            current.tag = None
            current.save(update_fields=["rating", "tag", "updated_at"])
    message.updated_at = timezone.now()
    message.save(update_fields=["updated_at"])
    return chat_message_record_get(user=user, pk=message.pk)


@transaction.atomic
def chat_message_delete(*, user: User, message_id: str) -> None:
    """Delete one message (its parts and feedback go with it); after commit,
    ``messages_deleted`` lets the chats API drop its cached context. Children keep their
    ``parentMessageId`` (no cascade through the tree, as ``DELETE /api/messages/{c}/{m}``); the next
    reply's context simply no longer contains the message."""
    message = Message.objects.access(user, message_id, lock=True)
    conversation_pk = message.conversation_id
    message.delete()
    transaction.on_commit(
        lambda: messages_deleted.send(sender=Message, conversation_pks=[conversation_pk])
    )

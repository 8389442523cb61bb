"""DELETE /api/messages/{c}/{m}: one message, no cascade, 404 when missing
(docs/api-behaviour.md#message-delete)."""

from __future__ import annotations

import pytest

from messages_app.models import ContentPart, Feedback, Message
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    MessageFactory,
    message_chain,
)


@pytest.fixture
def chain(user):
    return message_chain(ConversationFactory(user=user), 3)


def url(message):
    return f"/api/messages/{message.conversation.conversation_id}/{message.message_id}"


def test_delete_removes_only_that_message_and_keeps_its_children(auth_client, chain):
    first, middle, last = chain
    ContentPartFactory(message=middle, index=0)
    FeedbackFactory(message=middle)
    r = auth_client.delete(url(middle))
    assert r.status_code == 204
    assert r.content == b""
    assert list(Message.objects.order_by("created_at").values_list("message_id", flat=True)) == [
        first.message_id,
        last.message_id,
    ]
    last.refresh_from_db()
    assert last.parent_message_id == middle.message_id
    assert not ContentPart.objects.filter(message_id=middle.pk).exists()
    assert not Feedback.objects.filter(message_id=middle.pk).exists()


def test_delete_of_a_missing_message_answers_404(auth_client, chain):
    first = chain[0]
    auth_client.delete(url(first))
    r = auth_client.delete(url(first))
    assert (r.status_code, r.json()) == (404, {"error": "Message not found"})


def test_delete_of_unknown_conversation_answers_404(auth_client, chain):
    r = auth_client.delete(f"/api/messages/unknown/{chain[0].message_id}")
    assert (r.status_code, r.json()) == (404, {"error": "Conversation not found"})
    assert Message.objects.count() == 3


def test_delete_never_touches_another_users_message_with_the_same_id(
    auth_client, other_client, other_user, chain
):
    target = chain[0]
    theirs = MessageFactory(
        conversation=ConversationFactory(
            user=other_user, conversation_id=target.conversation.conversation_id
        ),
        message_id=target.message_id,
    )
    r = other_client.delete(url(theirs))
    assert r.status_code == 204
    assert Message.objects.filter(pk=target.pk).exists()
    assert not Message.objects.filter(pk=theirs.pk).exists()


def test_delete_by_another_user_answers_404_and_deletes_nothing(other_client, chain):
    r = other_client.delete(url(chain[0]))
    assert (r.status_code, r.json()) == (404, {"error": "Conversation not found"})
    assert Message.objects.count() == 3


def test_delete_runs_a_constant_number_of_queries(auth_client, chain, django_assert_num_queries):
    ContentPartFactory(message=chain[1], index=0)
    # auth, savepoint, conversation, lock message, delete parts, feedback, message, release
    with django_assert_num_queries(8):
        r = auth_client.delete(url(chain[1]))
    assert r.status_code == 204

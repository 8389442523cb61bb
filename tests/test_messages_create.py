"""POST /api/messages/{conversationId}: create with conversation upsert (cases 10-11)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from chatcore.models import NO_PARENT
from chatcore.serializers import iso
from chatcore.tokens import count_tokens
from convos_app.models import Conversation
from messages_app.models import ContentPart, Message
from tests.factories import ConversationFactory, MessageFactory


def uid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def convo(user):
    old = timezone.now() - timedelta(days=2)
    return ConversationFactory(user=user, created_at=old, updated_at=old, endpoint=None, model=None)


def post(client, conversation_id, body):
    return client.post(f"/api/messages/{conversation_id}", body, format="json")


def test_create_answers_201_with_the_stored_message(auth_client, user, convo):
    message_id, parent_id = uid(), uid()
    body = {
        "messageId": message_id,
        "conversationId": convo.conversation_id,
        "parentMessageId": parent_id,
        "text": "Tell me more about neural networks",
        "sender": "User",
        "isCreatedByUser": True,
    }
    r = post(auth_client, convo.conversation_id, body)
    assert r.status_code == 201, r.json()
    stored = Message.objects.get(user=user, message_id=message_id)
    assert r.json() == {
        "messageId": message_id,
        "conversationId": convo.conversation_id,
        "parentMessageId": parent_id,
        "sender": "User",
        "text": "Tell me more about neural networks",
        "isCreatedByUser": True,
        "endpoint": None,
        "model": None,
        "tokenCount": count_tokens("Tell me more about neural networks"),
        "unfinished": False,
        "error": False,
        "createdAt": iso(stored.created_at),
        "updatedAt": iso(stored.updated_at),
    }
    assert stored.conversation_id == convo.pk


def test_create_bumps_the_conversation_and_copies_endpoint_model_icon(auth_client, convo):
    before = convo.updated_at
    body = {
        "messageId": uid(),
        "text": "hi",
        "sender": "GPT-4o",
        "isCreatedByUser": False,
        "endpoint": "openAI",
        "model": "gpt-4o",
        "iconURL": "https://icons.example/o.png",
        "tokenCount": 42,
    }
    r = post(auth_client, convo.conversation_id, body)
    assert r.status_code == 201, r.json()
    assert r.json()["tokenCount"] == 42
    convo.refresh_from_db()
    assert convo.updated_at > before
    assert (convo.endpoint, convo.model, convo.icon_url) == (
        "openAI",
        "gpt-4o",
        "https://icons.example/o.png",
    )


def test_create_into_an_unknown_conversation_creates_it_for_this_user(auth_client, user):
    conversation_id = uid()
    r = post(auth_client, conversation_id, {"messageId": uid(), "text": "first"})
    assert r.status_code == 201, r.json()
    convo = Conversation.objects.get(user=user, conversation_id=conversation_id)
    assert convo.title == "New Chat"
    assert Message.objects.filter(conversation=convo).count() == 1


def test_create_stores_structured_content_as_ordered_parts(auth_client, user, convo):
    content = [
        {"type": "think", "think": "hmm", "agentId": "a1", "groupId": 1},
        {"type": "text", "text": {"value": "answer", "annotations": [{"k": 1}]}},
        {"type": "image_url", "image_url": {"url": "https://img.example/1.png"}},
    ]
    message_id = uid()
    r = post(
        auth_client,
        convo.conversation_id,
        {"messageId": message_id, "content": content, "isCreatedByUser": False, "model": "gpt-4o"},
    )
    assert r.status_code == 201, r.json()
    assert r.json()["content"] == content
    assert "text" not in r.json()
    assert r.json()["sender"] == "Assistant"
    assert r.json()["tokenCount"] == count_tokens("hmm\nanswer\n", model="gpt-4o")
    rows = ContentPart.objects.filter(message__message_id=message_id).order_by("index")
    assert [(p.index, p.type, p.text, p.agent_id, p.user_id) for p in rows] == [
        (0, "think", "hmm", "a1", user.pk),
        (1, "text", "answer", None, user.pk),
        (2, "image_url", "", None, user.pk),
    ]


def test_create_mints_a_message_id_when_absent_and_defaults_the_parent(auth_client, convo):
    r = post(auth_client, convo.conversation_id, {"text": "no id", "isCreatedByUser": True})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert uuid.UUID(body["messageId"]).version == 4
    assert body["parentMessageId"] == NO_PARENT
    assert body["sender"] == "User"


def test_create_accepts_new_message_id_and_temporary_flag(auth_client, user, convo):
    new_id = uid()
    r = post(
        auth_client,
        convo.conversation_id,
        {"messageId": uid(), "newMessageId": new_id, "text": "t", "isTemporary": True},
    )
    assert r.status_code == 201, r.json()
    stored = Message.objects.get(user=user, message_id=new_id)
    assert stored.is_temporary
    convo.refresh_from_db()
    # The first message made the conversation temporary; the message carries its expiry.
    assert convo.is_temporary
    assert stored.expired_at == convo.expired_at
    assert convo.expired_at - convo.updated_at == timedelta(days=30)


def test_create_with_an_existing_message_id_answers_409_and_changes_nothing(
    auth_client, user, convo
):
    existing = MessageFactory(conversation=convo, text="original")
    r = post(
        auth_client,
        convo.conversation_id,
        {"messageId": existing.message_id, "text": "overwrite?"},
    )
    assert r.status_code == 409
    assert r.json() == {"error": "Message already exists"}
    existing.refresh_from_db()
    assert existing.text == "original"
    assert Message.objects.filter(user=user).count() == 1


def test_another_user_may_reuse_a_message_id(other_client, convo):
    existing = MessageFactory(conversation=convo)
    r = post(other_client, convo.conversation_id, {"messageId": existing.message_id, "text": "x"})
    assert r.status_code == 201, r.json()
    # the other user got a conversation of their own under the same public id
    assert Conversation.objects.filter(conversation_id=convo.conversation_id).count() == 2
    existing.refresh_from_db()
    assert existing.conversation_id == convo.pk


@pytest.mark.parametrize(
    "conversation_id", ["not-a-uuid", "new", "0F8FAD5B-D9CB-469F-A165-70867728950E"]
)
def test_create_under_a_non_uuid_conversation_id_answers_400(auth_client, conversation_id):
    r = post(auth_client, conversation_id, {"messageId": uid(), "text": "x"})
    assert r.status_code == 400
    assert r.json() == {
        "error": "Message not saved",
        "message": "conversationId must be a lowercase UUID",
    }
    assert Message.objects.count() == 0
    assert Conversation.objects.count() == 0


def test_create_with_a_different_body_conversation_id_answers_400(auth_client, convo):
    r = post(
        auth_client,
        convo.conversation_id,
        {"messageId": uid(), "conversationId": uid(), "text": "x"},
    )
    assert r.status_code == 400
    assert r.json() == {"error": "conversationId in the body does not match the URL"}
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"messageId": "msg125"}, "messageId: Must be a lowercase UUID"),
        ({"messageId": NO_PARENT}, "messageId: Must not be the root placeholder"),
        ({"parentMessageId": "p"}, "parentMessageId: Must be a lowercase UUID"),
        ({"text": 123}, "text: Must be a string"),
        ({"isCreatedByUser": "yes"}, "isCreatedByUser: Must be true or false"),
        ({"tokenCount": "5"}, "tokenCount: Must be an integer"),
        ({"tokenCount": -1}, "tokenCount: Ensure this value is greater than or equal to 0"),
        ({"content": "text"}, 'content: Expected a list of items but got type "str"'),
        ({"content": [1]}, "content: Every item must be an object"),
        (
            {"content": [{"text": "no type"}]},
            'content: Every part needs a "type" string (1-64 chars)',
        ),
        ({"metadata": []}, 'metadata: Expected a dictionary of items but got type "list"'),
        ({"attachments": {"a": 1}}, 'attachments: Expected a list of items but got type "dict"'),
    ],
)
def test_create_with_wrong_types_answers_400_and_writes_nothing(auth_client, convo, body, error):
    r = post(auth_client, convo.conversation_id, body)
    assert r.status_code == 400
    assert r.json()["error"] == error
    assert Message.objects.count() == 0


def test_create_with_a_non_object_body_answers_400(auth_client, convo):
    r = post(auth_client, convo.conversation_id, [{"text": "x"}])
    assert r.status_code == 400
    assert r.json()["error"] == "Invalid data. Expected a dictionary, but got list."


def test_create_runs_a_constant_number_of_queries(auth_client, convo, django_assert_num_queries):
    content = [{"type": "text", "text": str(i)} for i in range(5)]
    # auth, savepoint, conversation upsert + message insert (one statement), parts insert,
    # search document upsert, release (a real request has BEGIN/COMMIT instead of the
    # savepoint pair: test_messages_create_statements.py)
    with django_assert_num_queries(6):
        r = post(auth_client, convo.conversation_id, {"messageId": uid(), "content": content})
    assert r.status_code == 201


def test_post_into_another_users_conversation_id_never_touches_their_conversation(
    other_client, other_user, convo
):
    MessageFactory(conversation=convo)
    before = (convo.updated_at, convo.endpoint, convo.model)
    r = post(other_client, convo.conversation_id, {"text": "x", "model": "evil"})
    assert r.status_code == 201, r.json()
    convo.refresh_from_db()
    assert (convo.updated_at, convo.endpoint, convo.model) == before
    assert Message.objects.filter(conversation=convo).count() == 1
    assert Message.objects.get(user=other_user).conversation.user_id == other_user.pk


def test_a_message_without_text_or_content_is_refused_and_writes_nothing(auth_client, user):
    conversation_id = "7d5c8a52-4a1f-4b55-9a3e-6f2b1c0d9e11"
    r = auth_client.post(f"/api/messages/{conversation_id}", {}, format="json")
    assert r.status_code == 400
    assert r.json()["error"] == "text or content is required"
    assert not Message.objects.filter(user=user).exists()
    assert not Conversation.objects.filter(user=user).exists()
    empty = auth_client.post(f"/api/messages/{conversation_id}", {"content": []}, format="json")
    assert (empty.status_code, empty.json()["error"]) == (400, "text or content is required")
    assert not Message.objects.filter(user=user).exists()
    placeholder = auth_client.post(
        f"/api/messages/{conversation_id}", {"text": "", "isCreatedByUser": False}, format="json"
    )
    assert placeholder.status_code == 201, placeholder.json()


def test_a_message_that_is_its_own_parent_is_a_400(auth_client, user):
    same = "0b0c6f0e-3b7e-4d2a-9a55-2f3c1d4e5f60"
    r = auth_client.post(
        "/api/messages/7d5c8a52-4a1f-4b55-9a3e-6f2b1c0d9e12",
        {"messageId": same, "parentMessageId": same, "text": "loop"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["fields"] == {"parentMessageId": ["A message cannot be its own parent."]}
    assert not Message.objects.filter(user=user).exists()

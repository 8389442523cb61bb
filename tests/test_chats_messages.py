"""The chats API's ``GET/PUT/DELETE /api/messages/{id}``, sharing its path with the Messages
API's ``GET /api/messages/{conversationId}``: a conversation id wins
(docs/api-behaviour.md#messages-by-id)."""

from __future__ import annotations

import pytest

from chatcore.serializers import iso
from convos_app.services.chat_context import context_cache_key
from messages_app.models import ContentPart, Feedback, Message
from tests import fake_providers
from tests.factories import ContentPartFactory, ConversationFactory, FeedbackFactory, message_chain

pytestmark = pytest.mark.django_db
fake_llm = fake_providers.fake_llm
ai_settings = fake_providers.ai_settings


def test_get_by_message_id_is_the_seed_003_message(auth_client, user):
    chat = ConversationFactory(user=user)
    _, answer = message_chain(chat, 2)
    r = auth_client.get(f"/api/messages/{answer.message_id}")
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "id": answer.message_id,
        "chatId": chat.conversation_id,
        "role": "assistant",
        "content": answer.text,
        "liked": None,
        "cost": None,
        "memoryId": None,
        "toolUses": [],
        "createdAt": iso(answer.created_at),
    }


def test_get_by_conversation_id_is_still_the_message_array(auth_client, user):
    chat = ConversationFactory(user=user)
    message_chain(chat, 2)
    r = auth_client.get(f"/api/messages/{chat.conversation_id}")
    assert r.status_code == 200 and isinstance(r.json(), list) and len(r.json()) == 2


def test_get_unknown_or_other_users_id_is_404(auth_client, user, other_user):
    theirs = ConversationFactory(user=other_user)
    (their_message,) = message_chain(theirs, 1)
    for item in (their_message.message_id, theirs.conversation_id, "unknown"):
        r = auth_client.get(f"/api/messages/{item}")
        assert (r.status_code, r.json()) == (404, {"error": "Conversation not found"})


@pytest.mark.parametrize(("liked", "rating"), [(True, "thumbsUp"), (False, "thumbsDown")])
def test_put_liked_sets_the_feedback(auth_client, user, liked, rating):
    chat = ConversationFactory(user=user)
    _, answer = message_chain(chat, 2)
    r = auth_client.put(f"/api/messages/{answer.message_id}", {"liked": liked}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["liked"] is liked and r.json()["id"] == answer.message_id
    assert Feedback.objects.get(message=answer).rating == rating


def test_put_liked_flip_drops_the_rating_tag_and_null_clears(auth_client, user):
    chat = ConversationFactory(user=user)
    _, answer = message_chain(chat, 2)
    FeedbackFactory(message=answer, rating="thumbsUp", tag="accurate_reliable", text="nice")
    r = auth_client.put(f"/api/messages/{answer.message_id}", {"liked": False}, format="json")
    feedback = Feedback.objects.get(message=answer)
    assert (r.json()["liked"], feedback.rating, feedback.tag, feedback.text) == (
        False,
        "thumbsDown",
        None,
        "nice",
    )
    r = auth_client.put(f"/api/messages/{answer.message_id}", {"liked": None}, format="json")
    assert r.status_code == 200 and r.json()["liked"] is None
    assert not Feedback.objects.filter(message=answer).exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "liked is required"),
        ({"liked": "yes"}, "liked: Must be true, false or null"),
        ({"liked": 1}, "liked: Must be true, false or null"),
        ({"liked": True, "content": "edited"}, "Unknown field: content"),
    ],
)
def test_put_accepts_only_liked(auth_client, user, body, error):
    chat = ConversationFactory(user=user)
    _, answer = message_chain(chat, 2)
    r = auth_client.put(f"/api/messages/{answer.message_id}", body, format="json")
    assert (r.status_code, r.json()["error"]) == (400, error)
    assert not Feedback.objects.exists()


def test_put_and_delete_of_other_users_message_are_404(auth_client, other_user):
    theirs = ConversationFactory(user=other_user)
    (message,) = message_chain(theirs, 1)
    r = auth_client.put(f"/api/messages/{message.message_id}", {"liked": True}, format="json")
    assert (r.status_code, r.json()) == (404, {"error": "Message not found"})
    r = auth_client.delete(f"/api/messages/{message.message_id}")
    assert (r.status_code, r.json()) == (404, {"error": "Message not found"})
    assert Message.objects.filter(pk=message.pk).exists()
    assert not Feedback.objects.exists()


def test_delete_removes_the_message_with_its_parts(auth_client, user):
    chat = ConversationFactory(user=user)
    first, second, third = message_chain(chat, 3)
    ContentPartFactory(message=second, index=0)
    FeedbackFactory(message=second)
    r = auth_client.delete(f"/api/messages/{second.message_id}")
    assert r.status_code == 204
    assert list(Message.objects.filter(conversation=chat).order_by("created_at")) == [first, third]
    assert not ContentPart.objects.exists() and not Feedback.objects.exists()
    third.refresh_from_db()
    assert third.parent_message_id == second.message_id  # no cascade through the tree
    assert auth_client.delete(f"/api/messages/{second.message_id}").status_code == 404


def test_delete_invalidates_the_cached_context(
    auth_client, user, fake_llm, ai_settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    chat = ConversationFactory(user=user)
    first, second = message_chain(chat, 2)
    body = {"content": "next", "modelId": "gpt-4o", "userId": str(user.pk)}
    auth_client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")
    assert cache.get(context_cache_key(chat.pk)) is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete(f"/api/messages/{first.message_id}").status_code == 204
    assert cache.get(context_cache_key(chat.pk)) is None
    # The leaf is the last reply; its branch now stops at the deleted message's child.
    r = auth_client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")
    assert r.status_code == 201, r.json()
    sent = [m["content"] for m in fake_llm.requests[-1]["body"]["messages"]]
    assert first.text not in sent
    assert sent == [second.text, "next", "Hello from gpt-4o", "next"]


def test_cached_context_is_not_used_after_an_edit(auth_client, user, fake_llm, ai_settings):
    chat = ConversationFactory(user=user)
    first, _ = message_chain(chat, 2)
    body = {"content": "next", "modelId": "gpt-4o", "userId": str(user.pk)}
    auth_client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")
    # An edit through PUT /api/messages/{c}/{m} (another service) makes the cached branch stale.
    r = auth_client.put(
        f"/api/messages/{chat.conversation_id}/{first.message_id}",
        {"text": "edited"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    auth_client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")
    assert fake_llm.requests[-1]["body"]["messages"][0]["content"] == "edited"

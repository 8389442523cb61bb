"""``POST /api/chats/{id}/messages``: ``userId`` and ``modelId`` are optional (the caller, the
chat's model), and a ``userId`` that is not the caller is still a 403
(docs/api-behaviour.md#chat-replies)."""

from __future__ import annotations

import pytest

from convos_app.services.chat_replies import MODEL_ID_REQUIRED
from messages_app.models import Message
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["messages", "messages/stream"])
def test_content_alone_uses_the_caller_and_the_chats_model(auth_client, user, path):
    chat = ConversationFactory(user=user, model="echo", endpoint="echo")
    r = auth_client.post(
        f"/api/chats/{chat.conversation_id}/{path}", {"content": "hi there"}, format="json"
    )
    assert r.status_code in (200, 201), r.content
    if path == "messages":
        response = r.json()["data"]["response"]
        assert (response["role"], response["content"]) == ("assistant", "Echo: hi there")
    else:
        assert b"Echo:" in b"".join(r.streaming_content)
    assert list(Message.objects.order_by("id").values_list("model", "is_created_by_user")) == [
        ("echo", True),
        ("echo", False),
    ]


def test_null_ids_mean_the_defaults_too(auth_client, user):
    chat = ConversationFactory(user=user, model="echo", endpoint="echo")
    body = {"content": "hi", "modelId": None, "userId": None}
    r = auth_client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")
    assert r.status_code == 201, r.json()


def test_another_users_id_is_still_403_and_writes_nothing(auth_client, user, other_user):
    chat = ConversationFactory(user=user, model="echo", endpoint="echo")
    body = {"content": "hi", "userId": str(other_user.pk)}
    r = auth_client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")
    assert (r.status_code, r.json()) == (
        403,
        {"error": "Forbidden", "message": "userId does not match the signed-in user"},
    )
    assert not Message.objects.exists()


def test_a_chat_without_a_model_needs_a_model_id(auth_client, user):
    chat = ConversationFactory(user=user, model=None, endpoint=None)
    r = auth_client.post(
        f"/api/chats/{chat.conversation_id}/messages", {"content": "hi"}, format="json"
    )
    assert r.status_code == 400
    assert r.json() == {"error": MODEL_ID_REQUIRED, "fields": {"modelId": [MODEL_ID_REQUIRED]}}
    assert not Message.objects.exists()


def test_a_given_model_id_wins_over_the_chats_model(auth_client, user):
    chat = ConversationFactory(user=user, model="gpt-4o")
    r = auth_client.post(
        f"/api/chats/{chat.conversation_id}/messages",
        {"content": "hi", "modelId": "echo"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    chat.refresh_from_db()
    assert chat.model == "echo"

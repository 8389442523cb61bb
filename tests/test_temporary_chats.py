"""Temporary chats (docs/api-behaviour.md#temporary-chats): how they are made and kept, and that
an expired conversation is gone from every read path the moment ``expiredAt`` passes — before
any purge. The clock is "frozen" honestly: ``expired_at`` is written into the past, and the
reads compare it with the database time they run at."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from chatcore.search.models import SearchDocument
from convos_app.models import Conversation, SharedLink
from messages_app.models import Message
from tests.conftest import bearer_client
from tests.factories import ConversationFactory, MessageFactory, UserFactory, message_chain

pytestmark = pytest.mark.django_db


def uid() -> str:
    return str(uuid.uuid4())


def expire(conversation: Conversation) -> None:
    """Let time pass the conversation's expiry (what the clock would do)."""
    past = timezone.now() - timedelta(seconds=1)
    Conversation.objects.filter(pk=conversation.pk).update(expired_at=past, is_temporary=True)
    Message.objects.filter(conversation=conversation).update(expired_at=past, is_temporary=True)
    SharedLink.objects.filter(conversation=conversation).update(expires_at=past)


def first_message(client, conversation_id: str, **extra) -> dict:
    body = {"messageId": uid(), "text": "hello", "isCreatedByUser": True, **extra}
    r = client.post(f"/api/messages/{conversation_id}", body, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


# --- making a chat temporary ------------------------------------------------------------------
def test_a_first_message_with_is_temporary_makes_a_temporary_conversation(auth_client, user):
    conversation_id = uid()
    before = timezone.now()
    message = first_message(auth_client, conversation_id, isTemporary=True)
    reply = first_message(
        auth_client, conversation_id, parentMessageId=message["messageId"], isCreatedByUser=False
    )

    r = auth_client.get(f"/api/convos/{conversation_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["isTemporary"] is True
    expiry = Conversation.objects.get(conversation_id=conversation_id).expired_at
    assert timedelta(hours=720) <= expiry - before <= timedelta(hours=720, minutes=1)
    # Both messages, the reply too (sent without the flag), carry the conversation's expiry.
    listed_messages = auth_client.get(f"/api/messages/{conversation_id}").json()
    assert [m["messageId"] for m in listed_messages] == [message["messageId"], reply["messageId"]]
    stored = Message.objects.filter(conversation__conversation_id=conversation_id)
    assert set(stored.values_list("is_temporary", "expired_at")) == {(True, expiry)}
    # LibreChat's list never shows temporary chats.
    listed = auth_client.get("/api/convos").json()["conversations"]
    assert conversation_id not in [c["conversationId"] for c in listed]


@override_settings(TEMP_CHAT_RETENTION_HOURS=2)
def test_the_retention_hours_setting_decides_the_expiry(auth_client, user):
    conversation_id = uid()
    before = timezone.now()
    first_message(auth_client, conversation_id, isTemporary=True)
    expiry = Conversation.objects.get(conversation_id=conversation_id).expired_at
    assert timedelta(hours=2) <= expiry - before <= timedelta(hours=2, minutes=1)


def test_is_temporary_on_a_conversation_that_has_messages_changes_nothing(auth_client, user):
    conversation = ConversationFactory(user=user)
    MessageFactory(conversation=conversation)
    first_message(auth_client, conversation.conversation_id, isTemporary=True)
    conversation.refresh_from_db()
    assert (conversation.is_temporary, conversation.expired_at) == (False, None)
    assert not Message.objects.filter(conversation=conversation, is_temporary=True).exists()


def test_post_api_chats_with_is_temporary_creates_an_expiring_chat(auth_client, user):
    r = auth_client.post("/api/chats", {"title": "Scratch", "isTemporary": True}, format="json")
    assert r.status_code == 201, r.json()
    chat = Conversation.objects.get(conversation_id=r.json()["id"])
    assert chat.is_temporary and chat.expired_at > timezone.now() + timedelta(hours=719)
    assert auth_client.get(f"/api/chats/{chat.conversation_id}").status_code == 200
    r = auth_client.post("/api/chats", {"isTemporary": "yes"}, format="json")
    assert r.status_code == 400
    assert "isTemporary" in r.json()["fields"]


def test_is_temporary_false_clears_the_expiry_on_conversation_messages_and_shares(
    auth_client, user
):
    conversation = ConversationFactory(user=user)
    message_chain(conversation, 2)
    share = auth_client.post(f"/api/share/{conversation.conversation_id}", {}, format="json")
    assert share.status_code in (200, 201)
    arg = {"conversationId": conversation.conversation_id, "isTemporary": True}

    r = auth_client.post("/api/convos/temporary", {"arg": arg}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["isTemporary"] is True
    expiry = Conversation.objects.get(pk=conversation.pk).expired_at
    assert expiry is not None
    stored = Message.objects.filter(conversation=conversation)
    assert set(stored.values_list("expired_at", flat=True)) == {expiry}
    assert SharedLink.objects.get(conversation=conversation).expires_at == expiry

    r = auth_client.post(
        "/api/convos/temporary", {"arg": {**arg, "isTemporary": False}}, format="json"
    )
    assert r.status_code == 200
    assert (r.json()["isTemporary"], r.json()["expiredAt"]) == (False, None)
    assert not Message.objects.filter(conversation=conversation, expired_at__isnull=False).exists()
    assert SharedLink.objects.get(conversation=conversation).expires_at is None
    assert not Message.objects.filter(conversation=conversation, is_temporary=True).exists()


def test_temporary_switch_answers_404_for_another_users_conversation_and_400_for_bad_input(
    auth_client, other_user
):
    theirs = ConversationFactory(user=other_user)
    arg = {"conversationId": theirs.conversation_id, "isTemporary": True}
    r = auth_client.post("/api/convos/temporary", {"arg": arg}, format="json")
    assert r.status_code == 404
    assert r.json() == {"error": "Conversation not found"}
    theirs.refresh_from_db()
    assert theirs.expired_at is None
    r = auth_client.post("/api/convos/temporary", {"arg": {**arg, "isTemporary": 1}}, format="json")
    assert r.status_code == 400
    assert r.json()["error"]


# --- expired is gone at once, on every read path ----------------------------------------------
@pytest.fixture
def expiring(user):
    conversation = ConversationFactory(
        user=user, is_temporary=True, expired_at=timezone.now() + timedelta(hours=1)
    )
    messages = message_chain(conversation, 2)
    return conversation, messages


def test_an_unexpired_temporary_chat_is_readable_by_id_and_its_messages_listable(
    auth_client, expiring
):
    conversation, messages = expiring
    cid = conversation.conversation_id
    assert auth_client.get(f"/api/convos/{cid}").status_code == 200
    assert len(auth_client.get(f"/api/messages/{cid}").json()) == 2
    assert auth_client.get(f"/api/messages/{cid}/{messages[0].message_id}").status_code == 200
    assert auth_client.get(f"/api/chats/{cid}").status_code == 200
    assert auth_client.get(f"/api/chats/{cid}/messages").json()["total"] == 2


def test_once_expired_every_read_path_answers_404_or_leaves_it_out(auth_client, user, expiring):
    conversation, messages = expiring
    cid, mid = conversation.conversation_id, messages[0].message_id
    share_id = auth_client.post(f"/api/share/{cid}", {}, format="json").json()["shareId"]
    assert bearer_client(UserFactory()).get(f"/api/share/{share_id}").status_code == 200
    expire(conversation)

    not_found = {
        f"/api/convos/{cid}": "Conversation not found",
        f"/api/messages/{cid}": "Conversation not found",
        f"/api/messages/{cid}/{mid}": "Conversation not found",
        f"/api/messages/{mid}": "Conversation not found",
        f"/api/chats/{cid}": "Chat not found",
        f"/api/chats/{cid}/messages": "Chat not found",
        f"/api/convos/{cid}/export": "Conversation not found",
        f"/api/share/{share_id}": "Shared link not found",
    }
    for path, error in not_found.items():
        r = auth_client.get(path)
        assert (path, r.status_code, r.json()["error"]) == (path, 404, error)
    assert bearer_client(UserFactory()).get(f"/api/share/{share_id}").status_code == 404
    # Lists and by-id lookups leave it out.
    assert auth_client.get("/api/messages").json()["messages"] == []
    assert auth_client.get("/api/messages", {"messageId": mid}).json()["messages"] == []
    assert auth_client.get("/api/chats").json()["count"] == 0
    assert auth_client.get("/api/share").json()["links"] == []
    # Writes see nothing either (and change nothing).
    r = auth_client.post(
        "/api/convos/update", {"arg": {"conversationId": cid, "title": "x"}}, format="json"
    )
    assert r.status_code == 404
    r = auth_client.put(
        f"/api/messages/{cid}/{mid}/feedback", {"feedback": {"rating": "thumbsUp"}}, format="json"
    )
    assert r.status_code == 404
    assert Conversation.objects.get(pk=conversation.pk).title == conversation.title


def test_admin_activity_counts_leave_out_expired_conversations(admin_client, user, expiring):
    conversation, _ = expiring
    ConversationFactory(user=user)
    url = reverse("admin:chatcore_user_change", args=[user.pk])
    assert "2 conversation(s)" in admin_client.get(url).content.decode()
    expire(conversation)
    page = admin_client.get(url).content.decode()
    assert "1 conversation(s)" in page
    assert "0 message(s)" in page


def test_an_expired_chat_of_ones_own_is_404_not_403_when_posting(auth_client, expiring):
    conversation, _ = expiring
    expire(conversation)
    r = auth_client.post(
        f"/api/chats/{conversation.conversation_id}/messages",
        {"content": "hi", "modelId": "echo"},
        format="json",
    )
    assert r.status_code == 404
    assert r.json()["error"] == "Chat not found"


def test_search_never_finds_temporary_or_expired_chats(auth_client, user, expiring):
    conversation, _ = expiring
    kept = ConversationFactory(user=user, title="zebra notes")
    MessageFactory(conversation=kept, text="the zebra crossing")
    MessageFactory(conversation=conversation, text="another zebra sighting")
    Conversation.objects.filter(pk=conversation.pk).update(title="zebra temporary")

    def found() -> tuple[list[str], list[str]]:
        messages = auth_client.get("/api/messages", {"search": "zebra"}).json()["messages"]
        convos = auth_client.get("/api/convos", {"search": "zebra"}).json()["conversations"]
        return [m["text"] for m in messages], [c["conversationId"] for c in convos]

    assert found() == (["the zebra crossing"], [kept.conversation_id])
    expire(conversation)
    assert found() == (["the zebra crossing"], [kept.conversation_id])


def test_temporary_chats_have_no_search_documents_and_a_kept_one_is_indexed_again(
    auth_client, user
):
    conversation_id = uid()
    first_message(auth_client, conversation_id, isTemporary=True, text="quokka temporary")
    pk = Conversation.objects.get(conversation_id=conversation_id).pk
    assert not SearchDocument.objects.filter(group_id=pk).exists()

    arg = {"conversationId": conversation_id, "isTemporary": False}
    assert auth_client.post("/api/convos/temporary", {"arg": arg}, format="json").status_code == 200
    assert SearchDocument.objects.filter(group_id=pk).count() == 2  # conversation + message
    texts = [
        m["text"] for m in auth_client.get("/api/messages", {"search": "quokka"}).json()["messages"]
    ]
    assert texts == ["quokka temporary"]

    arg["isTemporary"] = True
    assert auth_client.post("/api/convos/temporary", {"arg": arg}, format="json").status_code == 200
    assert not SearchDocument.objects.filter(group_id=pk).exists()


def test_posting_a_message_into_an_expired_chat_is_404_and_stores_nothing(auth_client, expiring):
    conversation, _ = expiring
    expire(conversation)
    r = auth_client.post(
        f"/api/messages/{conversation.conversation_id}",
        {"messageId": uid(), "text": "too late", "isCreatedByUser": True},
        format="json",
    )
    assert r.status_code == 404
    assert r.json() == {"error": "Conversation not found"}
    assert not Message.objects.filter(text="too late").exists()

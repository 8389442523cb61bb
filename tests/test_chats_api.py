"""Chats API (docs/api-behaviour.md#chats-api): chat CRUD, the HAL message list, clearing, and
replies from the offline ``echo`` model; ownership and validation cases."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from chatcore.serializers import iso
from convos_app.models import Conversation
from messages_app.models import ContentPart, Feedback, Message
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    MemoryFactory,
    MessageFactory,
    TagFactory,
    message_chain,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_echo(settings):
    """Whatever the developer's environment configures, these tests see only ``echo``."""
    settings.OPENAI_API_KEY = ""
    settings.ANTHROPIC_API_KEY = ""
    settings.AI_CUSTOM_ENDPOINTS = []


def post_echo(client, chat_id: str, user, content: str = "Hello there", **extra):
    body = {"content": content, "modelId": "echo", "userId": str(user.pk), **extra}
    return client.post(f"/api/chats/{chat_id}/messages", body, format="json")


# --- chats -------------------------------------------------------------------------------------
def test_chat_create_returns_the_new_chat(auth_client, user):
    r = auth_client.post("/api/chats", {"title": "Research", "modelId": "echo"}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    chat = Conversation.objects.get(user=user)
    assert body == {
        "_links": {
            "self": {"href": f"/api/chats/{chat.conversation_id}"},
            "messages": {"href": f"/api/chats/{chat.conversation_id}/messages"},
        },
        "id": chat.conversation_id,
        "title": "Research",
        "modelId": "echo",
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
    }
    assert (chat.title, chat.model, chat.endpoint) == ("Research", "echo", "echo")
    uuid.UUID(chat.conversation_id)


def test_chat_create_without_body_is_a_new_chat(auth_client, user):
    r = auth_client.post("/api/chats", {}, format="json")
    assert r.status_code == 201, r.json()
    assert (r.json()["title"], r.json()["modelId"]) == ("New Chat", None)


def test_chat_create_with_unknown_model_is_400_listing_models(auth_client, user):
    r = auth_client.post("/api/chats", {"modelId": "gpt-9"}, format="json")
    assert r.status_code == 400
    assert r.json() == {
        "error": "Unknown modelId",
        "message": "Available models: echo",
        "fields": {"modelId": ["Unknown model 'gpt-9'. Available: echo."]},
    }
    assert not Conversation.objects.exists()


def test_chat_create_rejects_a_non_string_title(auth_client, user):
    r = auth_client.post("/api/chats", {"title": 5}, format="json")
    assert (r.status_code, r.json()["error"]) == (400, "title: Must be a string")
    assert not Conversation.objects.exists()


def test_chat_list_is_newest_first_and_paged_by_cursor(auth_client, user, other_user):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    chats = [
        ConversationFactory(user=user, created_at=now - timedelta(minutes=i)) for i in range(3)
    ]
    ConversationFactory(user=other_user)
    r = auth_client.get("/api/chats?count=2")
    assert r.status_code == 200, r.json()
    page = r.json()
    assert [c["id"] for c in page["_embedded"]["inf:chat"]] == [
        chats[0].conversation_id,
        chats[1].conversation_id,
    ]
    assert page["count"] == 2 and page["nextCursor"]
    assert page["_links"]["next"]["href"] == f"/api/chats?count=2&cursor={page['nextCursor']}"
    r = auth_client.get(f"/api/chats?count=2&cursor={page['nextCursor']}")
    assert [c["id"] for c in r.json()["_embedded"]["inf:chat"]] == [chats[2].conversation_id]
    assert r.json()["nextCursor"] is None and "next" not in r.json()["_links"]


def test_chat_list_rejects_bad_count_and_cursor(auth_client, user):
    assert auth_client.get("/api/chats?count=0").json() == {
        "error": "count must be a positive integer",
        "fields": {"count": ["Must be a positive integer."]},
    }
    r = auth_client.get("/api/chats?cursor=forged")
    assert (r.status_code, r.json()) == (400, {"error": "Invalid cursor"})


def test_chat_get_and_404_for_other_users_chat(auth_client, user, other_user):
    mine = ConversationFactory(user=user, title="Mine", model="gpt-4o")
    theirs = ConversationFactory(user=other_user)
    r = auth_client.get(f"/api/chats/{mine.conversation_id}")
    assert r.status_code == 200 and r.json()["title"] == "Mine" and r.json()["modelId"] == "gpt-4o"
    r = auth_client.get(f"/api/chats/{theirs.conversation_id}")
    assert (r.status_code, r.json()) == (404, {"error": "Chat not found"})
    assert auth_client.get("/api/chats/nope").status_code == 404


def test_chat_delete_removes_everything_and_keeps_tag_counts(auth_client, user, other_user):
    tag = TagFactory(user=user, name="work")
    chat = ConversationFactory(user=user, tags=["work"])
    message_chain(chat, 3)
    theirs = ConversationFactory(user=other_user)
    MessageFactory(conversation=theirs)
    assert auth_client.delete(f"/api/chats/{theirs.conversation_id}").status_code == 404
    r = auth_client.delete(f"/api/chats/{chat.conversation_id}")
    assert r.status_code == 204
    assert not Conversation.objects.filter(pk=chat.pk).exists()
    assert not Message.objects.filter(user=user).exists()
    tag.refresh_from_db()
    assert tag.count == 0
    assert Message.objects.filter(conversation=theirs).count() == 1


def test_anonymous_requests_are_401(api_client):
    for method, path in [
        ("get", "/api/chats"),
        ("post", "/api/chats"),
        ("get", "/api/chats/x/messages"),
        ("post", "/api/chats/x/messages"),
        ("post", "/api/chats/x/messages/stream"),
    ]:
        r = getattr(api_client, method)(path)
        assert r.status_code == 401, (method, path)
        assert r.json()["error"] == "Unauthorized"


# --- GET /api/chats/{id}/messages (docs/api-behaviour.md#chat-messages) ---------------------------
def test_chat_messages_is_the_seed_hal_document(auth_client, user):
    chat = ConversationFactory(user=user)
    question, answer = message_chain(chat, 2)
    Message.objects.filter(pk=question.pk).update(text="What were the Q4 sales figures?", cost=0)
    MemoryFactory(user=user, memory_id="mem-789")
    Message.objects.filter(pk=answer.pk).update(
        text="", cost=Decimal("0.0042"), memory_id="mem-789"
    )
    ContentPartFactory(message=answer, index=0, type="text", text="Based on the data,")
    ContentPartFactory(
        message=answer,
        index=1,
        type="tool_call",
        payload={
            "type": "tool_call",
            "tool_call": {"name": "dataset_query", "args": '{"query": "SELECT SUM(sales)"}'},
        },
        text="",
    )
    ContentPartFactory(message=answer, index=2, type="text", text="Q4 sales reached $2.5M")
    FeedbackFactory(message=answer, rating="thumbsUp")
    question.refresh_from_db()
    answer.refresh_from_db()

    r = auth_client.get(f"/api/chats/{chat.conversation_id}/messages")
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "_links": {"self": {"href": f"/api/chats/{chat.conversation_id}/messages"}},
        "_embedded": {
            "inf:message": [
                {
                    "id": question.message_id,
                    "chatId": chat.conversation_id,
                    "role": "user",
                    "content": "What were the Q4 sales figures?",
                    "liked": None,
                    "cost": 0,
                    "memoryId": None,
                    "createdAt": iso(question.created_at),
                },
                {
                    "id": answer.message_id,
                    "chatId": chat.conversation_id,
                    "role": "assistant",
                    "content": "Based on the data,\nQ4 sales reached $2.5M",
                    "liked": True,
                    "cost": 0.0042,
                    "memoryId": "mem-789",
                    "toolUses": [
                        {"toolName": "dataset_query", "args": {"query": "SELECT SUM(sales)"}}
                    ],
                    "createdAt": iso(answer.created_at),
                },
            ]
        },
        "start": 0,
        "count": 2,
        "total": 2,
    }


def test_chat_messages_pages_with_start_and_count(auth_client, user):
    chat = ConversationFactory(user=user)
    messages = message_chain(chat, 5)
    r = auth_client.get(f"/api/chats/{chat.conversation_id}/messages?start=1&count=2")
    body = r.json()
    assert [m["id"] for m in body["_embedded"]["inf:message"]] == [
        messages[1].message_id,
        messages[2].message_id,
    ]
    assert (body["start"], body["count"], body["total"]) == (1, 2, 5)
    r = auth_client.get(f"/api/chats/{chat.conversation_id}/messages?start=9")
    assert (r.json()["count"], r.json()["total"], r.json()["_embedded"]["inf:message"]) == (
        0,
        5,
        [],
    )
    r = auth_client.get(f"/api/chats/{chat.conversation_id}/messages?count=500")
    assert r.json()["count"] == 5


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("start=-1", "start: Ensure this value is greater than or equal to 0"),
        ("count=0", "count: Ensure this value is greater than or equal to 1"),
        ("count=abc", "count: A valid integer is required"),
    ],
)
def test_chat_messages_rejects_bad_paging(auth_client, user, query, error):
    chat = ConversationFactory(user=user)
    r = auth_client.get(f"/api/chats/{chat.conversation_id}/messages?{query}")
    assert (r.status_code, r.json()["error"]) == (400, error)


def test_chat_messages_query_count_does_not_grow(auth_client, user, django_assert_num_queries):
    chat = ConversationFactory(user=user)
    message_chain(chat, 30)
    # auth user, chat, count, messages, parts
    with django_assert_num_queries(5):
        r = auth_client.get(f"/api/chats/{chat.conversation_id}/messages")
    assert r.json()["total"] == 30


def test_chat_messages_of_other_users_chat_is_404(auth_client, other_user):
    chat = ConversationFactory(user=other_user)
    MessageFactory(conversation=chat)
    r = auth_client.get(f"/api/chats/{chat.conversation_id}/messages")
    assert (r.status_code, r.json()) == (404, {"error": "Chat not found"})


def test_clear_chat_messages_keeps_the_chat_and_its_settings(auth_client, user, other_user):
    chat = ConversationFactory(user=user, title="Keep me", settings={"promptPrefix": "Be brief"})
    first, second = message_chain(chat, 2)
    ContentPartFactory(message=first, index=0)
    FeedbackFactory(message=second)
    theirs = ConversationFactory(user=other_user)
    MessageFactory(conversation=theirs)
    assert auth_client.delete(f"/api/chats/{theirs.conversation_id}/messages").status_code == 404
    r = auth_client.delete(f"/api/chats/{chat.conversation_id}/messages")
    assert r.status_code == 204
    chat.refresh_from_db()
    assert (chat.title, chat.settings) == ("Keep me", {"promptPrefix": "Be brief"})
    assert not Message.objects.filter(conversation=chat).exists()
    assert not ContentPart.objects.filter(user=user).exists()
    assert not Feedback.objects.filter(user=user).exists()
    assert Message.objects.filter(conversation=theirs).count() == 1


# --- POST /api/chats/{id}/messages with echo (docs/api-behaviour.md#chat-replies) -----------------
def test_echo_reply_is_stored_and_returned(auth_client, user):
    chat = ConversationFactory(user=user, title="Echoes")
    r = post_echo(auth_client, chat.conversation_id, user, "How can I automate my research?")
    assert r.status_code == 201, r.json()
    data = r.json()["data"]
    question = Message.objects.get(message_id=data["id"])
    answer = Message.objects.get(message_id=data["response"]["id"])
    assert data == {
        "id": question.message_id,
        "chatId": chat.conversation_id,
        "role": "user",
        "content": "How can I automate my research?",
        "liked": None,
        "cost": 0,
        "memoryId": None,
        "createdAt": data["createdAt"],
        "response": {
            "id": answer.message_id,
            "chatId": chat.conversation_id,
            "role": "assistant",
            "content": "Echo: How can I automate my research?",
            "liked": None,
            "cost": 0,
            "memoryId": None,
            "toolUses": [],
            "createdAt": data["response"]["createdAt"],
        },
    }
    assert answer.parent_message_id == question.message_id
    assert question.token_count == 7 and answer.token_count == 9
    assert (answer.model, answer.endpoint, answer.unfinished, answer.error) == (
        "echo",
        "echo",
        False,
        False,
    )
    assert answer.metadata == {
        "usage": {"inputTokens": answer.metadata["usage"]["inputTokens"], "outputTokens": 9,
                  "source": "estimate"}
    }  # fmt: skip


def test_replies_follow_the_current_branch(auth_client, user):
    chat = ConversationFactory(user=user)
    first = post_echo(auth_client, chat.conversation_id, user, "one").json()["data"]
    second = post_echo(auth_client, chat.conversation_id, user, "two").json()["data"]
    assert (
        Message.objects.get(message_id=second["id"]).parent_message_id == (first["response"]["id"])
    )


def test_workflow_id_is_recorded_on_both_messages(auth_client, user):
    chat = ConversationFactory(user=user)
    workflow = str(uuid.uuid4())
    r = post_echo(auth_client, chat.conversation_id, user, workflowId=workflow)
    assert r.status_code == 201, r.json()
    data = r.json()["data"]
    assert data["workflowId"] == workflow and data["response"]["workflowId"] == workflow
    assert {str(m.workflow_id) for m in Message.objects.filter(conversation=chat)} == {workflow}


def test_workflow_id_null_is_accepted(auth_client, user):
    chat = ConversationFactory(user=user)
    r = post_echo(auth_client, chat.conversation_id, user, workflowId=None)
    assert r.status_code == 201 and "workflowId" not in r.json()["data"]


def test_first_reply_titles_a_new_chat(auth_client, user, django_capture_on_commit_callbacks):
    chat = ConversationFactory(user=user, title="New Chat")
    with django_capture_on_commit_callbacks(execute=True):
        post_echo(auth_client, chat.conversation_id, user, "Explain the quarterly sales report")
    chat.refresh_from_db()
    assert chat.title == "Quarterly sales report"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"modelId": "echo", "userId": "1"}, "content is required"),
        ({"content": "", "modelId": "echo", "userId": "1"}, "content may not be blank"),
        ({"content": "   ", "modelId": "echo", "userId": "1"}, "content may not be blank"),
        ({"content": 5, "modelId": "echo", "userId": "1"}, "content: Must be a string"),
        ({"content": "hi", "modelId": 5}, "modelId: Must be a string"),
        ({"content": "hi", "userId": True}, "userId: Must be a string"),
        ({"content": "hi", "modelId": "echo", "userId": "1", "workflowId": "wf-1"},
         "workflowId: Must be a UUID"),
    ],
)  # fmt: skip
def test_create_message_validation_is_400_and_writes_nothing(auth_client, user, body, error):
    chat = ConversationFactory(user=user)
    r = auth_client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")
    assert (r.status_code, r.json()["error"]) == (400, error)
    assert not Message.objects.exists()


def test_create_message_with_unknown_model_is_400_and_writes_nothing(auth_client, user):
    chat = ConversationFactory(user=user)
    body = {"content": "hi", "modelId": "gpt-4", "userId": str(user.pk)}
    r = auth_client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")
    assert r.status_code == 400
    assert r.json()["error"] == "Unknown modelId"
    assert r.json()["message"] == "Available models: echo"
    assert not Message.objects.exists()


def test_create_message_in_other_users_chat_is_403(auth_client, user, other_user):
    theirs = ConversationFactory(user=other_user)
    for path in ("messages", "messages/stream"):
        r = auth_client.post(
            f"/api/chats/{theirs.conversation_id}/{path}",
            {"content": "hi", "modelId": "echo", "userId": str(user.pk)},
            format="json",
        )
        assert (r.status_code, r.json()) == (
            403,
            {"error": "Forbidden", "message": "Cannot post to another user's chat"},
        )
    assert not Message.objects.exists()


def test_create_message_in_unknown_chat_is_404(auth_client, user):
    r = post_echo(auth_client, str(uuid.uuid4()), user)
    assert (r.status_code, r.json()) == (404, {"error": "Chat not found"})


def test_create_message_as_someone_else_is_403(auth_client, user, other_user):
    chat = ConversationFactory(user=user)
    r = post_echo(auth_client, chat.conversation_id, other_user)
    assert (r.status_code, r.json()) == (
        403,
        {"error": "Forbidden", "message": "userId does not match the signed-in user"},
    )
    assert not Message.objects.exists()


def test_numeric_user_id_of_the_caller_is_accepted(auth_client, user):
    chat = ConversationFactory(user=user)
    body = {"content": "hi", "modelId": "echo", "userId": user.pk}
    r = auth_client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")
    assert r.status_code == 201, r.json()


def test_echo_can_be_switched_off(auth_client, user, settings):
    settings.AI_ECHO_MODEL = False
    chat = ConversationFactory(user=user)
    r = post_echo(auth_client, chat.conversation_id, user)
    assert r.status_code == 400
    assert r.json()["message"] == "Available models: none are configured"

"""Reading messages: GET /api/messages, /api/messages/{c}, /api/messages/{c}/{m} (cases 1-9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chatcore.serializers import iso
from messages_app.models import Feedback
from messages_app.selectors.messages import message_list_for_conversation
from messages_app.serializers.messages import MessageSerializer
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    MessageFactory,
    message_chain,
)


@pytest.fixture
def convo(user):
    return ConversationFactory(user=user)


def timed_messages(convo, count, *, step=timedelta(minutes=1), same_time=False):
    start = timezone.now() - timedelta(days=1)
    return [
        MessageFactory(
            conversation=convo,
            created_at=start if same_time else start + i * step,
            text=f"message {i}",
        )
        for i in range(count)
    ]


def ids(messages):
    return [m["messageId"] for m in messages]


# --- GET /api/messages/{conversationId} ------------------------------------------------------
def test_conversation_messages_come_oldest_first_as_a_bare_array(auth_client, convo):
    messages = message_chain(convo, 3)
    r = auth_client.get(f"/api/messages/{convo.conversation_id}")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert isinstance(body, list)
    assert ids(body) == [m.message_id for m in messages]
    first = messages[0]
    assert body[0] == {
        "messageId": first.message_id,
        "conversationId": convo.conversation_id,
        "parentMessageId": "00000000-0000-0000-0000-000000000000",
        "sender": "User",
        "text": first.text,
        "isCreatedByUser": True,
        "endpoint": "openAI",
        "model": "gpt-4o",
        "unfinished": False,
        "error": False,
        "createdAt": iso(first.created_at),
        "updatedAt": iso(first.updated_at),
    }
    for item in body:
        assert not {"_id", "__v", "user", "id", "pk"} & set(item)


def test_conversation_messages_carry_content_parts_in_order_and_feedback(auth_client, convo):
    message = MessageFactory(conversation=convo, is_created_by_user=False, token_count=7)
    ContentPartFactory(message=message, index=1, type="text", payload={"type": "text", "text": "b"})
    ContentPartFactory(
        message=message, index=0, type="think", payload={"type": "think", "think": "a"}
    )
    FeedbackFactory(message=message, rating="thumbsDown", tag="other", text="meh")
    [item] = auth_client.get(f"/api/messages/{convo.conversation_id}").json()
    assert item["content"] == [{"type": "think", "think": "a"}, {"type": "text", "text": "b"}]
    assert item["feedback"] == {"rating": "thumbsDown", "tag": "other", "text": "meh"}
    assert item["tokenCount"] == 7


def test_feedback_given_as_comment_comes_back_as_comment(auth_client, convo):
    message = MessageFactory(conversation=convo, is_created_by_user=False)
    FeedbackFactory(
        message=message, rating="thumbsUp", tag=None, text="nice", comment_key="comment"
    )
    [item] = auth_client.get(f"/api/messages/{convo.conversation_id}").json()
    assert item["feedback"] == {"rating": "thumbsUp", "comment": "nice"}


def test_new_conversation_placeholder_answers_an_empty_array(auth_client):
    r = auth_client.get("/api/messages/new")
    assert r.status_code == 200
    assert r.json() == []


@pytest.mark.parametrize("conversation_id", ["unknown", "a" * 300, "%00x"])
def test_unknown_conversation_answers_404(auth_client, conversation_id):
    r = auth_client.get(f"/api/messages/{conversation_id}")
    assert r.status_code == 404
    assert r.json() == {"error": "Conversation not found"}


def test_another_users_conversation_answers_404(other_client, convo):
    message_chain(convo, 2)
    r = other_client.get(f"/api/messages/{convo.conversation_id}")
    assert r.status_code == 404
    assert r.json() == {"error": "Conversation not found"}


def test_conversation_listing_runs_constant_queries_whatever_its_size(
    auth_client, convo, django_assert_num_queries
):
    messages = message_chain(convo, 60)
    for message in messages[1::2]:
        ContentPartFactory(message=message, index=0)
        ContentPartFactory(message=message, index=1, type="think", payload={"type": "think"})
        FeedbackFactory(message=message)
    # auth user, conversation, messages with feedback and their content parts
    with django_assert_num_queries(3):
        r = auth_client.get(f"/api/messages/{convo.conversation_id}")
    assert len(r.json()) == 60


def test_record_renderer_matches_the_declared_schema_fields(user, convo):
    message = MessageFactory(
        conversation=convo,
        token_count=3,
        finish_reason="stop",
        icon_url="i",
        thread_id="t",
        attachments=[{"a": 1}],
        files=[{"f": 1}],
        metadata={"m": 1},
        cost="0.0042",
    )
    ContentPartFactory(message=message, index=0)
    FeedbackFactory(message=message)
    [record] = message_list_for_conversation(user=user, conversation_id=convo.conversation_id)
    rendered = MessageSerializer(record).data
    assert set(rendered) == set(MessageSerializer().fields)


# --- GET /api/messages/{conversationId}/{messageId} ------------------------------------------
def test_single_message_is_an_object(auth_client, convo):
    first, second = message_chain(convo, 2)
    r = auth_client.get(f"/api/messages/{convo.conversation_id}/{second.message_id}")
    assert r.status_code == 200, r.json()
    assert r.json()["messageId"] == second.message_id
    assert r.json()["parentMessageId"] == first.message_id


def test_single_message_unknown_answers_404(auth_client, convo):
    r = auth_client.get(f"/api/messages/{convo.conversation_id}/nope")
    assert r.status_code == 404
    assert r.json() == {"error": "Message not found"}


def test_single_message_of_another_conversation_answers_404(auth_client, user, convo):
    elsewhere = MessageFactory(conversation=ConversationFactory(user=user))
    r = auth_client.get(f"/api/messages/{convo.conversation_id}/{elsewhere.message_id}")
    assert r.status_code == 404
    assert r.json() == {"error": "Message not found"}


def test_single_message_of_another_user_answers_404(other_client, convo):
    message = MessageFactory(conversation=convo)
    r = other_client.get(f"/api/messages/{convo.conversation_id}/{message.message_id}")
    assert r.status_code == 404
    assert r.json() == {"error": "Conversation not found"}


def test_single_message_runs_constant_queries(auth_client, convo, django_assert_num_queries):
    message = MessageFactory(conversation=convo)
    ContentPartFactory(message=message, index=0)
    with django_assert_num_queries(4):
        r = auth_client.get(f"/api/messages/{convo.conversation_id}/{message.message_id}")
    assert r.status_code == 200


# --- GET /api/messages ----------------------------------------------------------------------
def test_list_pages_newest_first_with_a_cursor(auth_client, convo):
    messages = timed_messages(convo, 30)
    r = auth_client.get("/api/messages", {"conversationId": convo.conversation_id, "pageSize": 25})
    assert r.status_code == 200, r.json()
    page1 = r.json()
    assert ids(page1["messages"]) == [m.message_id for m in reversed(messages)][:25]
    assert page1["nextCursor"]
    r = auth_client.get(
        "/api/messages",
        {"conversationId": convo.conversation_id, "pageSize": 25, "cursor": page1["nextCursor"]},
    )
    page2 = r.json()
    assert ids(page2["messages"]) == [m.message_id for m in reversed(messages)][25:]
    assert page2["nextCursor"] is None


def test_list_26_messages_leaves_exactly_the_oldest_on_page_two(auth_client, convo):
    messages = timed_messages(convo, 26)
    page1 = auth_client.get("/api/messages", {"conversationId": convo.conversation_id}).json()
    page2 = auth_client.get(
        "/api/messages",
        {"conversationId": convo.conversation_id, "cursor": page1["nextCursor"]},
    ).json()
    assert ids(page2["messages"]) == [messages[0].message_id]
    assert page2["nextCursor"] is None


def test_list_exactly_one_page_has_no_cursor(auth_client, convo):
    timed_messages(convo, 25)
    body = auth_client.get("/api/messages", {"conversationId": convo.conversation_id}).json()
    assert len(body["messages"]) == 25
    assert body["nextCursor"] is None


def test_list_never_loses_rows_sharing_one_timestamp(auth_client, convo):
    messages = timed_messages(convo, 7, same_time=True)
    seen, cursor = [], None
    while True:
        params = {"conversationId": convo.conversation_id, "pageSize": 2, "sortDirection": "asc"}
        if cursor:
            params["cursor"] = cursor
        body = auth_client.get("/api/messages", params).json()
        seen += ids(body["messages"])
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(m.message_id for m in messages)
    assert len(seen) == 7


def test_list_ascending_walks_oldest_first(auth_client, convo):
    messages = timed_messages(convo, 3)
    seen, cursor = [], ""
    for _ in range(3):
        body = auth_client.get(
            "/api/messages",
            {
                "conversationId": convo.conversation_id,
                "pageSize": 1,
                "sortDirection": "asc",
                "cursor": cursor,
            },
        ).json()
        seen += ids(body["messages"])
        cursor = body["nextCursor"]
    assert seen == [m.message_id for m in messages]
    assert cursor is None


def test_list_sorts_by_endpoint_and_updated_at(auth_client, convo):
    a = MessageFactory(conversation=convo, endpoint="anthropic")
    b = MessageFactory(conversation=convo, endpoint=None)
    c = MessageFactory(conversation=convo, endpoint="openAI")
    body = auth_client.get(
        "/api/messages",
        {"conversationId": convo.conversation_id, "sortBy": "endpoint", "sortDirection": "asc"},
    ).json()
    assert ids(body["messages"]) == [b.message_id, a.message_id, c.message_id]
    c.updated_at = timezone.now() - timedelta(days=3)
    c.save()
    body = auth_client.get(
        "/api/messages", {"conversationId": convo.conversation_id, "sortBy": "updatedAt"}
    ).json()
    assert ids(body["messages"])[-1] == c.message_id


def test_list_without_conversation_spans_all_of_the_users_messages_only(
    auth_client, user, other_user, convo
):
    mine = timed_messages(convo, 2) + timed_messages(ConversationFactory(user=user), 1)
    MessageFactory(conversation=ConversationFactory(user=other_user))
    body = auth_client.get("/api/messages").json()
    assert sorted(ids(body["messages"])) == sorted(m.message_id for m in mine)
    assert body["nextCursor"] is None


def test_list_with_no_messages_is_empty(auth_client):
    r = auth_client.get("/api/messages")
    assert r.status_code == 200
    assert r.json() == {"messages": [], "nextCursor": None}


def test_list_never_returns_another_users_rows_with_the_same_conversation_id(
    auth_client, other_user, convo
):
    mine = timed_messages(convo, 2)
    theirs = ConversationFactory(user=other_user, conversation_id=convo.conversation_id)
    MessageFactory(conversation=theirs)
    body = auth_client.get("/api/messages", {"conversationId": convo.conversation_id}).json()
    assert sorted(ids(body["messages"])) == sorted(m.message_id for m in mine)


def test_list_single_lookup(auth_client, convo):
    message = MessageFactory(conversation=convo)
    params = {"conversationId": convo.conversation_id, "messageId": message.message_id}
    body = auth_client.get("/api/messages", params).json()
    assert ids(body["messages"]) == [message.message_id]
    assert body["nextCursor"] is None
    params["messageId"] = "unknown"
    assert auth_client.get("/api/messages", params).json() == {"messages": [], "nextCursor": None}


def test_list_of_unknown_or_foreign_conversation_answers_404(auth_client, other_user):
    theirs = ConversationFactory(user=other_user)
    MessageFactory(conversation=theirs)
    for conversation_id in ("unknown", theirs.conversation_id):
        r = auth_client.get("/api/messages", {"conversationId": conversation_id})
        assert r.status_code == 404
        assert r.json() == {"error": "Conversation not found"}


def test_list_search_without_searchable_words_is_400(auth_client):
    r = auth_client.get("/api/messages", {"search": "--"})
    assert r.status_code == 400
    assert r.json() == {"error": "Search query has no searchable words"}


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"sortBy": "password"}, "sortBy: Must be one of: endpoint, createdAt, updatedAt"),
        ({"sortDirection": "up"}, "sortDirection: Must be one of: asc, desc"),
        ({"pageSize": "0"}, "pageSize must be a positive integer"),
        ({"pageSize": "abc"}, "pageSize must be a positive integer"),
        ({"pageSize": "-1"}, "pageSize must be a positive integer"),
        ({"cursor": "garbage"}, "Invalid cursor"),
        ({"conversationId": "a\x00b"}, "conversationId: Null characters are not allowed"),
    ],
)
def test_list_bad_query_answers_400(auth_client, params, error):
    r = auth_client.get("/api/messages", params)
    assert r.status_code == 400
    assert r.json()["error"] == error


def test_list_page_size_is_clamped_to_100(auth_client, convo):
    timed_messages(convo, 101)
    body = auth_client.get(
        "/api/messages", {"conversationId": convo.conversation_id, "pageSize": "5000"}
    ).json()
    assert len(body["messages"]) == 100
    assert body["nextCursor"]


def test_cursor_of_one_conversation_is_refused_by_another(auth_client, user, convo):
    timed_messages(convo, 3)
    other = ConversationFactory(user=user)
    timed_messages(other, 3)
    cursor = auth_client.get(
        "/api/messages", {"conversationId": convo.conversation_id, "pageSize": 1}
    ).json()["nextCursor"]
    r = auth_client.get(
        "/api/messages", {"conversationId": other.conversation_id, "cursor": cursor}
    )
    assert r.status_code == 400
    assert r.json() == {"error": "Invalid cursor"}


def test_list_first_and_deep_pages_run_the_same_queries(
    auth_from_database, auth_client, convo, django_assert_num_queries
):
    for message in timed_messages(convo, 12):
        ContentPartFactory(message=message, index=0)
    params = {"conversationId": convo.conversation_id, "pageSize": 3}
    # auth user, conversation, page keys, messages with feedback, content parts
    with django_assert_num_queries(5):
        cursor = auth_client.get("/api/messages", params).json()["nextCursor"]
    for _ in range(2):
        cursor = auth_client.get("/api/messages", {**params, "cursor": cursor}).json()["nextCursor"]
    with django_assert_num_queries(5):
        body = auth_client.get("/api/messages", {**params, "cursor": cursor}).json()
    assert len(body["messages"]) == 3


def test_list_requires_authentication(api_client, convo):
    for path in ("/api/messages", f"/api/messages/{convo.conversation_id}"):
        r = api_client.get(path)
        assert r.status_code == 401
        assert r.json()["error"] == "Unauthorized"


def test_feedback_factory_default_is_thumbs_up(convo):
    # guards the fixture assumption used above
    assert (
        FeedbackFactory(message=MessageFactory(conversation=convo)).rating
        == Feedback.Rating.THUMBS_UP
    )

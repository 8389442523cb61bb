"""POST /api/convos/fork (docs/api-behaviour.md#fork)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chatcore.models import NO_PARENT
from convos_app.models import Conversation
from convos_app.services.fork import conversation_fork
from messages_app.models import ContentPart, Feedback, Message
from tags_app.models import Tag
from tests.conftest import bearer_client
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    MessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FIXTURE_A = [
    ("0", NO_PARENT, "Root message 1"),
    ("1", NO_PARENT, "Root message 2"),
    ("2", "1", "Child of 1"),
    ("3", "1", "Child of 1"),
    ("4", "2", "Child of 2"),
    ("5", "2", "Child of 2"),
    ("6", "3", "Child of 3"),
    ("7", "3", "Child of 3"),
    ("8", "7", "Child of 7"),
]
FIXTURE_B = [
    ("7", NO_PARENT), ("8", NO_PARENT), ("5", "7"), ("6", "7"), ("9", "8"), ("2", "5"),
    ("3", "5"), ("1", "6"), ("4", "6"), ("10", "3"),
]  # fmt: skip


def build(user, rows, **convo_kwargs):
    convo = ConversationFactory(user=user, title="Source", **convo_kwargs)
    start = timezone.now() - timedelta(hours=1)
    for i, row in enumerate(rows):
        mid, parent = row[0], row[1]
        text = row[2] if len(row) > 2 else f"m{mid}"
        MessageFactory(
            conversation=convo,
            message_id=mid,
            parent_message_id=parent,
            text=text,
            created_at=start + timedelta(seconds=i),
            updated_at=start + timedelta(seconds=i, milliseconds=500),
        )
    return convo


def fork(client, convo, message_id, **extra):
    body = {"conversationId": convo.conversation_id, "messageId": message_id, **extra}
    return client.post("/api/convos/fork", body, format="json")


def texts_by_parent(body):
    """(text, parent text) pairs of the fork, parents resolved through the new ids."""
    by_id = {m["messageId"]: m for m in body["messages"]}
    return [
        (m["text"], by_id[m["parentMessageId"]]["text"] if m["parentMessageId"] in by_id else None)
        for m in body["messages"]
    ]


def test_direct_path_copies_the_target_and_ancestors_with_new_ids(auth_client, user):
    convo = build(user, FIXTURE_A)
    r = fork(auth_client, convo, "3", option="directPath")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["conversation"]["conversationId"] != convo.conversation_id
    assert body["conversation"]["title"] == "Source (Fork)"
    assert texts_by_parent(body) == [("Root message 2", None), ("Child of 1", "Root message 2")]
    assert body["messages"][0]["parentMessageId"] == NO_PARENT
    assert {m["messageId"] for m in body["messages"]}.isdisjoint({"1", "3"})
    assert all(
        m["conversationId"] == body["conversation"]["conversationId"] for m in body["messages"]
    )
    r = fork(auth_client, convo, "8", option="directPath")
    assert [m["text"] for m in r.json()["messages"]] == [
        "Root message 2", "Child of 1", "Child of 3", "Child of 7",
    ]  # fmt: skip


def test_include_branches_copies_path_and_siblings(auth_client, user):
    convo = build(user, FIXTURE_A)
    for option in ("includeBranches", "branch"):
        r = fork(auth_client, convo, "3", option=option)
        assert r.status_code == 200, r.json()
        assert sorted(m["text"] for m in r.json()["messages"]) == [
            "Child of 1", "Child of 1", "Root message 2",
        ]  # fmt: skip


@pytest.mark.parametrize("option", ["targetLevel", "", "target", None, "__absent__"])
def test_target_level_is_the_default(auth_client, user, option):
    convo = build(user, FIXTURE_A)
    extra = {} if option == "__absent__" else {"option": option}
    r = fork(auth_client, convo, "3", **extra)
    assert r.status_code == 200, r.json()
    assert sorted(m["text"] for m in r.json()["messages"]) == [
        "Child of 1", "Child of 1", "Root message 1", "Root message 2",
    ]  # fmt: skip


def test_split_at_target_reroots_the_target_level(auth_client, user):
    convo = build(user, FIXTURE_B)
    r = fork(auth_client, convo, "2", splitAtTarget=True, latestMessageId="10")
    assert r.status_code == 200, r.json()
    pairs = texts_by_parent(r.json())
    assert sorted(pairs, key=str) == sorted(
        [("m2", None), ("m3", None), ("m1", None), ("m4", None), ("m10", "m3")], key=str
    )
    roots = [m for m in r.json()["messages"] if m["parentMessageId"] == NO_PARENT]
    assert len(roots) == 4


def test_split_at_target_needs_latest_message_id(auth_client, user):
    convo = build(user, FIXTURE_B)
    r = fork(auth_client, convo, "2", splitAtTarget=True)
    assert r.status_code == 400
    assert r.json() == {"error": "latestMessageId is required when splitAtTarget is true"}
    r = fork(auth_client, convo, "10", splitAtTarget=True, latestMessageId="7")
    assert r.status_code == 400
    assert r.json()["error"] == "latestMessageId must be at or below the level of messageId"


@pytest.mark.parametrize(
    ("extra", "status", "error"),
    [
        ({"option": "default"}, 400, "option must be one of: directPath, includeBranches, "
         "targetLevel, target, branch"),
        ({"option": 5}, 400, "option must be a string"),
        ({"splitAtTarget": "yes"}, 400, "splitAtTarget must be a boolean"),
        ({"messageId": "nope"}, 404, "Message not found"),
        ({"conversationId": "nope"}, 404, "Conversation not found"),
    ],
)  # fmt: skip
def test_fork_rejects_bad_input_and_writes_nothing(auth_client, user, extra, status, error):
    convo = build(user, FIXTURE_A)
    body = {"conversationId": convo.conversation_id, "messageId": "3", **extra}
    r = auth_client.post("/api/convos/fork", body, format="json")
    assert r.status_code == status, r.json()
    assert r.json()["error"] == error
    assert Conversation.objects.count() == 1


def test_fork_requires_ids(auth_client, user):
    r = auth_client.post("/api/convos/fork", {"messageId": "1"}, format="json")
    assert r.status_code == 400 and r.json()["error"] == "conversationId is required"


def test_fork_of_a_foreign_conversation_is_404_and_nothing_changes(auth_client, other_user):
    foreign = build(other_user, FIXTURE_A)
    r = fork(auth_client, foreign, "3")
    assert r.status_code == 404 and r.json() == {"error": "Conversation not found"}
    assert Conversation.objects.count() == 1 and Message.objects.count() == 9


def test_children_are_strictly_later_and_updated_at_is_kept(auth_client, user):
    convo = ConversationFactory(user=user)
    same = timezone.now() - timedelta(minutes=5)
    a = MessageFactory(conversation=convo, created_at=same, updated_at=same)
    b = MessageFactory(
        conversation=convo, parent_message_id=a.message_id, created_at=same, updated_at=same
    )
    MessageFactory(
        conversation=convo,
        parent_message_id=b.message_id,
        created_at=same - timedelta(seconds=1),
        updated_at=same,
    )
    copy = conversation_fork(
        user=user, conversation_id=convo.conversation_id, message_id=b.message_id,
        option="includeBranches",
    )  # fmt: skip
    assert len(copy.messages) == 2
    stored = {m.message_id: m for m in Message.objects.filter(conversation=copy.conversation)}
    for message in stored.values():
        parent = stored.get(message.parent_message_id)
        if parent:
            assert message.created_at > parent.created_at
            assert message.created_at == parent.created_at + timedelta(milliseconds=1)
        assert message.updated_at == same


def test_fork_copies_fields_parts_feedback_and_tags_with_exact_counts(auth_client, user):
    convo = build(
        user, FIXTURE_A[:2], tags=["work", "ai"], settings={"temperature": 0.5}, is_archived=False
    )
    source = Message.objects.get(conversation=convo, message_id="1")
    Message.objects.filter(pk=source.pk).update(unfinished=True, error=True, token_count=7)
    ContentPartFactory(
        message=source, index=0, type="text", text="hi", payload={"type": "text", "text": "hi"}
    )
    FeedbackFactory(message=source, rating="thumbsDown", tag="not_helpful", text="meh")
    r = fork(auth_client, convo, "1", option="directPath")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["conversation"]["tags"] == ["work", "ai"]
    assert body["conversation"]["temperature"] == 0.5
    (message,) = body["messages"]
    assert message["unfinished"] is False and message["error"] is False
    assert message["tokenCount"] == 7
    assert message["content"] == [{"type": "text", "text": "hi"}]
    assert message["feedback"] == {"rating": "thumbsDown", "tag": "not_helpful", "text": "meh"}
    assert dict(Tag.objects.filter(user=user).values_list("name", "count")) == {"work": 2, "ai": 2}
    assert ContentPart.objects.count() == 2 and Feedback.objects.count() == 2


def test_fork_of_a_large_conversation_uses_bulk_inserts(user):
    convo = ConversationFactory(user=user)
    start = timezone.now() - timedelta(days=1)
    rows, parent = [], NO_PARENT
    for i in range(5000):
        mid = f"m{i}"
        rows.append(
            Message(
                user=user, conversation=convo, message_id=mid, parent_message_id=parent,
                text=f"t{i}", created_at=start + timedelta(seconds=i), updated_at=start,
            )
        )  # fmt: skip
        parent = mid
    Message.objects.bulk_create(rows, batch_size=2000)
    with CaptureQueriesContext(connection) as ctx:
        copy = conversation_fork(
            user=user, conversation_id=convo.conversation_id, message_id="m4999",
            option="directPath",
        )  # fmt: skip
    assert len(copy.messages) == 5000
    assert len(ctx) <= 25, len(ctx)


@override_settings(CONVERSATION_FORK_RATES={"user": (7, 60), "ip": (30, 60)})
def test_eighth_fork_or_duplicate_in_a_minute_is_429(user):
    convo = build(user, FIXTURE_A[:2])
    client = bearer_client(user)
    for i in range(7):
        path = "/api/convos/duplicate" if i % 2 else "/api/convos/fork"
        body = {"conversationId": convo.conversation_id, "messageId": "1"}
        assert client.post(path, body, format="json").status_code in (200, 201)
    r = client.post(
        "/api/convos/duplicate", {"conversationId": convo.conversation_id}, format="json"
    )
    assert r.status_code == 429
    assert r.json() == {"error": "Too many conversation fork requests. Try again later"}
    assert 1 <= int(r["Retry-After"]) <= 60
    # another user from another address still has a budget of their own
    other = bearer_client(UserFactory())
    r = other.post("/api/convos/fork", {"conversationId": "x", "messageId": "y"}, format="json",
                   REMOTE_ADDR="10.0.0.9")  # fmt: skip
    assert r.status_code == 404


@override_settings(CONVERSATION_FORK_RATES={"user": (100, 60), "ip": (2, 60)})
def test_per_ip_limit_applies_across_users(db):
    for _ in range(2):
        r = bearer_client(UserFactory()).post(
            "/api/convos/fork", {"conversationId": "x", "messageId": "y"}, format="json"
        )
        assert r.status_code == 404
    r = bearer_client(UserFactory()).post(
        "/api/convos/fork", {"conversationId": "x", "messageId": "y"}, format="json"
    )
    assert r.status_code == 429 and "Retry-After" in r

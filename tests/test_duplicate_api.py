"""POST /api/convos/duplicate (the whole tree: docs/api-behaviour.md#duplicate)."""

from __future__ import annotations

import pytest

from chatcore.models import NO_PARENT
from convos_app.models import Conversation
from messages_app.models import Message
from tags_app.models import Tag
from tests.test_fork_api import FIXTURE_B, build

pytestmark = pytest.mark.django_db


def duplicate(client, convo, **extra):
    body = {"conversationId": convo.conversation_id, **extra}
    return client.post("/api/convos/duplicate", body, format="json")


def test_duplicate_copies_the_whole_tree_with_new_ids(auth_client, user):
    convo = build(user, FIXTURE_B, tags=["t"])
    r = duplicate(auth_client, convo)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["conversation"]["title"] == "Source"
    assert body["conversation"]["tags"] == ["t"]
    assert len(body["messages"]) == 10
    by_id = {m["messageId"]: m for m in body["messages"]}
    shape = sorted(
        (
            m["text"],
            by_id[m["parentMessageId"]]["text"] if m["parentMessageId"] != NO_PARENT else None,
        )
        for m in body["messages"]
    )
    source = {m.message_id: m for m in Message.objects.filter(conversation=convo)}
    expected = sorted(
        (m.text, source[m.parent_message_id].text if m.parent_message_id != NO_PARENT else None)
        for m in source.values()
    )
    assert shape == expected
    assert set(by_id).isdisjoint(source)
    assert Tag.objects.get(user=user, name="t").count == 2


def test_duplicate_takes_the_given_title(auth_client, user):
    convo = build(user, FIXTURE_B[:1])
    r = duplicate(auth_client, convo, title="  Copy of Source  ")
    assert r.json()["conversation"]["title"] == "Copy of Source"
    r = duplicate(auth_client, convo, title="   ")
    assert r.json()["conversation"]["title"] == "Source"


def test_duplicate_of_an_empty_conversation(auth_client, user):
    convo = build(user, [])
    r = duplicate(auth_client, convo)
    assert r.status_code == 201 and r.json()["messages"] == []


def test_duplicate_foreign_or_unknown_is_404(auth_client, other_user):
    foreign = build(other_user, FIXTURE_B)
    r = duplicate(auth_client, foreign)
    assert r.status_code == 404 and r.json() == {"error": "Conversation not found"}
    assert Conversation.objects.count() == 1


def test_duplicate_bad_title_is_400(auth_client, user):
    convo = build(user, [])
    r = duplicate(auth_client, convo, title=3)
    assert r.status_code == 400 and r.json()["error"] == "title must be a string"

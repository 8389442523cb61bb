"""Parallel-agent branching (docs/api-behaviour.md#branch): pure function, then endpoint."""

from __future__ import annotations

import pytest

from chatcore.models import NO_PARENT
from convos_app.models import Conversation
from messages_app.branching import (
    MESSAGE_HAS_NO_CONTENT,
    NO_ATTRIBUTED_CONTENT,
    NO_CONTENT_FOR_AGENT,
    BranchError,
    branch_parts,
)
from messages_app.models import ContentPart, Message
from tests.factories import ContentPartFactory, ConversationFactory, MessageFactory

PARTS = [
    {"type": "text", "text": "A", "agentId": "a1", "groupId": 1},
    {"type": "text", "text": "B", "agentId": "a2", "groupId": 1},
    {"type": "think", "think": "A thinks", "agentId": "a1", "groupId": 2, "phase": "x"},
]


def test_branch_parts_keeps_one_agents_parts_in_order_without_attribution():
    assert branch_parts(PARTS, "a1") == [
        {"type": "text", "text": "A"},
        {"type": "think", "think": "A thinks", "phase": "x"},
    ]
    assert PARTS[0]["agentId"] == "a1"  # the source parts are not modified


@pytest.mark.parametrize(
    ("parts", "agent", "error"),
    [
        ([], "a1", MESSAGE_HAS_NO_CONTENT),
        ([{"type": "text", "text": "plain"}], "a1", NO_ATTRIBUTED_CONTENT),
        (PARTS, "a3", NO_CONTENT_FOR_AGENT),
    ],
)
def test_branch_parts_refuses(parts, agent, error):
    with pytest.raises(BranchError) as exc:
        branch_parts(parts, agent)
    assert str(exc.value) == error


URL = "/api/messages/branch"


@pytest.fixture
def parallel(user):
    convo = ConversationFactory(user=user)
    parent = MessageFactory(conversation=convo, is_created_by_user=True)
    source = MessageFactory(
        conversation=convo,
        parent_message_id=parent.message_id,
        is_created_by_user=False,
        sender="Agent X",
        icon_url="https://icons.example/x.png",
        attachments=[{"file_id": "f1"}],
    )
    for index, payload in enumerate(PARTS[:2]):
        ContentPartFactory(
            message=source,
            index=index,
            type="text",
            text=payload["text"],
            payload=payload,
            agent_id=payload["agentId"],
        )
    return parent, source


def test_branch_creates_a_sibling_with_the_agents_content(auth_client, parallel):
    parent, source = parallel
    convo_updated = source.conversation.updated_at
    r = auth_client.post(URL, {"messageId": source.message_id, "agentId": "a1"}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["messageId"] not in (source.message_id, parent.message_id)
    created = Message.objects.get(user=source.user, message_id=body["messageId"])
    assert body == {
        "messageId": created.message_id,
        "conversationId": source.conversation.conversation_id,
        "parentMessageId": parent.message_id,
        "sender": "Agent X",
        "isCreatedByUser": False,
        "endpoint": "openAI",
        "model": "gpt-4o",
        "unfinished": False,
        "error": False,
        "content": [{"type": "text", "text": "A"}],
        "iconURL": "https://icons.example/x.png",
        "attachments": [{"file_id": "f1"}],
        "metadata": {"agentId": "a1"},
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
    }
    assert "text" not in body
    assert list(ContentPart.objects.filter(message=created).values_list("index", "agent_id")) == [
        (0, None)
    ]
    assert Conversation.objects.get(pk=source.conversation.pk).updated_at > convo_updated


@pytest.mark.parametrize(
    "body",
    [
        {"messageId": "m"},
        {"agentId": "a1"},
        {"messageId": "", "agentId": "a1"},
        {"messageId": 5, "agentId": "a1"},
        [],
    ],
)
def test_branch_without_both_ids_answers_400(auth_client, body):
    r = auth_client.post(URL, body, format="json")
    assert r.status_code == 400
    assert r.json() == {"error": "messageId and agentId are required"}


def test_branch_of_unknown_or_foreign_message_answers_404(auth_client, other_client, parallel):
    _, source = parallel
    for client, message_id in ((auth_client, "unknown"), (other_client, source.message_id)):
        r = client.post(URL, {"messageId": message_id, "agentId": "a1"}, format="json")
        assert r.status_code == 404
        assert r.json() == {"error": "Source message not found"}
    assert Message.objects.count() == 2


def test_branch_of_a_user_message_answers_400(auth_client, parallel):
    parent, _ = parallel
    r = auth_client.post(URL, {"messageId": parent.message_id, "agentId": "a1"}, format="json")
    assert r.status_code == 400
    assert r.json() == {"error": "Cannot branch from user messages"}


@pytest.mark.parametrize(
    ("parts", "agent", "error"),
    [
        ([], "a1", "Message does not have content"),
        ([{"type": "text", "text": "plain"}], "a1", NO_ATTRIBUTED_CONTENT),
        (PARTS[:2], "a9", "No content found for the specified agentId"),
    ],
)
def test_branch_content_errors_answer_400_and_write_nothing(auth_client, user, parts, agent, error):
    message = MessageFactory(
        conversation=ConversationFactory(user=user),
        is_created_by_user=False,
        parent_message_id=NO_PARENT,
    )
    for index, payload in enumerate(parts):
        ContentPartFactory(message=message, index=index, type="text", payload=payload)
    r = auth_client.post(URL, {"messageId": message.message_id, "agentId": agent}, format="json")
    assert r.status_code == 400
    assert r.json() == {"error": error}
    assert Message.objects.count() == 1


def test_branch_runs_a_constant_number_of_queries(auth_client, parallel, django_assert_num_queries):
    _, source = parallel
    # auth, savepoint, lock source, parts, insert message, insert parts, touch conversation,
    # read back (message, parts), release savepoint; search document (read, upsert) after the
    # insert and again after the parts
    with django_assert_num_queries(14):
        r = auth_client.post(URL, {"messageId": source.message_id, "agentId": "a2"}, format="json")
    assert r.status_code == 201

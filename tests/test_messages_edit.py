"""PUT /api/messages/{c}/{m}: whole-text edit and one content part by index (cases 12-16)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from chatcore.tokens import count_tokens
from messages_app.models import ContentPart, Message
from messages_app.services.messages import message_content_part_update
from tests.factories import ContentPartFactory, ConversationFactory, FeedbackFactory, MessageFactory

SUBSET = {
    "messageId",
    "conversationId",
    "parentMessageId",
    "sender",
    "text",
    "isCreatedByUser",
    "tokenCount",
    "feedback",
    "endpoint",
}


@pytest.fixture
def message(user):
    return MessageFactory(
        conversation=ConversationFactory(user=user),
        is_created_by_user=False,
        text="Original response",
        token_count=10,
    )


def put(client, message, body):
    url = f"/api/messages/{message.conversation.conversation_id}/{message.message_id}"
    return client.put(url, body, format="json")


def test_whole_text_edit_answers_the_subset_with_a_new_token_count(auth_client, message):
    FeedbackFactory(message=message)
    r = put(auth_client, message, {"text": "edited", "model": "gpt-4o"})
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "messageId": message.message_id,
        "conversationId": message.conversation.conversation_id,
        "parentMessageId": message.parent_message_id,
        "sender": message.sender,
        "text": "edited",
        "isCreatedByUser": False,
        "tokenCount": count_tokens("edited", model="gpt-4o"),
        "feedback": {"rating": "thumbsUp", "tag": "accurate_reliable"},
        "endpoint": "openAI",
    }
    assert set(r.json()) <= SUBSET
    message.refresh_from_db()
    assert (message.text, message.token_count) == ("edited", count_tokens("edited"))


def test_part_edit_keeps_the_other_keys_and_adjusts_the_token_count(auth_client, message):
    original = {
        "type": "text",
        "text": "Original response",
        "phase": "commentary",
        "agentId": "agent-1",
        "tool_call_ids": ["tool-1"],
    }
    ContentPartFactory(
        message=message, index=0, type="text", text="Original response", payload=original
    )
    r = put(auth_client, message, {"index": 0, "text": "Edited response", "model": "gpt-5"})
    assert r.status_code == 200, r.json()
    expected_tokens = max(0, 10 - count_tokens("Original response", model="gpt-5")) + count_tokens(
        "Edited response", model="gpt-5"
    )
    assert r.json()["tokenCount"] == expected_tokens
    part = ContentPart.objects.get(message=message, index=0)
    assert part.payload == {**original, "text": "Edited response"}
    assert part.text == "Edited response"
    message.refresh_from_db()
    assert message.text == "Original response"  # the legacy text is not the part


def test_part_edit_of_structured_text_keeps_its_annotations(auth_client, message):
    payload = {"type": "text", "text": {"value": "Original response", "annotations": [{"a": 1}]}}
    ContentPartFactory(
        message=message, index=0, type="text", text="Original response", payload=payload
    )
    r = put(auth_client, message, {"index": 0, "text": "Edited response"})
    assert r.status_code == 200, r.json()
    assert ContentPart.objects.get(message=message, index=0).payload == {
        "type": "text",
        "text": {"value": "Edited response", "annotations": [{"a": 1}]},
    }


def test_part_edit_of_a_think_part(auth_client, message):
    ContentPartFactory(
        message=message,
        index=0,
        type="think",
        text="old",
        payload={"type": "think", "think": "old"},
    )
    r = put(auth_client, message, {"index": 0, "text": "new thought"})
    assert r.status_code == 200, r.json()
    assert ContentPart.objects.get(message=message).payload == {
        "type": "think",
        "think": "new thought",
    }


def test_part_edit_leaves_an_absent_token_count_absent(auth_client, message):
    Message.objects.filter(pk=message.pk).update(token_count=None)
    ContentPartFactory(
        message=message, index=0, type="text", text="a", payload={"type": "text", "text": "a"}
    )
    r = put(auth_client, message, {"index": 0, "text": "b"})
    assert r.status_code == 200, r.json()
    assert "tokenCount" not in r.json()


@pytest.mark.parametrize("index", [-1, "0", 1.5, True, None, [0]])
def test_part_edit_with_an_invalid_index_answers_400(auth_client, message, index):
    ContentPartFactory(message=message, index=0, type="text")
    r = put(auth_client, message, {"index": index, "text": "x"})
    assert r.status_code == 400
    assert r.json() == {"error": "Invalid index"}


def test_part_edit_past_the_last_part_or_without_parts_answers_invalid_index(auth_client, message):
    r = put(auth_client, message, {"index": 0, "text": "x"})
    assert (r.status_code, r.json()) == (
        400,
        {
            "error": "Invalid index",
            "message": "This message has no content parts; send its new text without an index.",
        },
    )
    message.refresh_from_db()
    assert message.text != "x"
    ContentPartFactory(message=message, index=0, type="text")
    r = put(auth_client, message, {"index": 1, "text": "x"})
    assert (r.status_code, r.json()) == (400, {"error": "Invalid index"})


def test_part_edit_of_a_missing_slot_answers_content_part_not_found(auth_client, message):
    ContentPartFactory(message=message, index=2, type="text")
    r = put(auth_client, message, {"index": 1, "text": "x"})
    assert (r.status_code, r.json()) == (400, {"error": "Content part not found"})


@pytest.mark.parametrize("kind", ["image_url", "tool_call", "error", "agent_update"])
def test_part_edit_of_non_text_content_answers_400(auth_client, message, kind):
    ContentPartFactory(message=message, index=0, type=kind, payload={"type": kind, kind: {"x": 1}})
    r = put(auth_client, message, {"index": 0, "text": "x"})
    assert (r.status_code, r.json()) == (400, {"error": "Cannot update non-text content"})
    assert ContentPart.objects.get(message=message).payload == {"type": kind, kind: {"x": 1}}


def test_edit_of_unknown_message_answers_404(auth_client, message):
    url = f"/api/messages/{message.conversation.conversation_id}/nope"
    for body in ({"text": "x"}, {"text": "x", "index": 0}):
        r = auth_client.put(url, body, format="json")
        assert (r.status_code, r.json()) == (404, {"error": "Message not found"})


def test_edit_of_unknown_conversation_answers_404(auth_client, message):
    r = auth_client.put(f"/api/messages/unknown/{message.message_id}", {"text": "x"}, format="json")
    assert (r.status_code, r.json()) == (404, {"error": "Conversation not found"})


def test_edit_of_another_users_message_answers_404_and_changes_nothing(other_client, message):
    ContentPartFactory(
        message=message, index=0, type="text", text="a", payload={"type": "text", "text": "a"}
    )
    for body in ({"text": "x"}, {"text": "x", "index": 0}):
        r = put(other_client, message, body)
        assert r.status_code == 404
        assert r.json() == {"error": "Conversation not found"}
    message.refresh_from_db()
    assert message.text == "Original response"
    assert ContentPart.objects.get(message=message).payload == {"type": "text", "text": "a"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "text is required"),
        ({"text": None}, "text may not be null"),
        ({"text": 5}, "text: Must be a string"),
        ({"text": "x", "model": 5}, "model: Must be a string"),
    ],
)
def test_edit_with_a_bad_body_answers_400(auth_client, message, body, error):
    r = put(auth_client, message, body)
    assert r.status_code == 400
    assert r.json()["error"] == error


def test_edit_runs_a_constant_number_of_queries(auth_client, message, django_assert_num_queries):
    ContentPartFactory(message=message, index=0, type="text")
    ContentPartFactory(message=message, index=1, type="text")
    # auth, savepoint, conversation, lock, parts, update part, update message, read back x2,
    # release; search document (read, upsert) after the part and after the message
    with django_assert_num_queries(14):
        r = put(auth_client, message, {"index": 1, "text": "x"})
    assert r.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_different_parts_both_survive(user):
    message = MessageFactory(
        conversation=ConversationFactory(user=user), is_created_by_user=False, token_count=100
    )
    for index in range(2):
        ContentPartFactory(
            message=message,
            index=index,
            type="text",
            text="old",
            payload={"type": "text", "text": "old"},
        )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def edit(index: int) -> None:
        try:
            barrier.wait()
            message_content_part_update(
                user=user,
                conversation_id=message.conversation.conversation_id,
                message_id=message.message_id,
                index=index,
                text=f"new text number {index}",
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    texts = list(
        ContentPart.objects.filter(message=message).order_by("index").values_list("text", flat=True)
    )
    assert texts == ["new text number 0", "new text number 1"]
    message.refresh_from_db()
    old = count_tokens("old", model="gpt-4o")
    expected = (
        100 - 2 * old + sum(count_tokens(f"new text number {i}", model="gpt-4o") for i in range(2))
    )
    assert message.token_count == expected

"""``POST /api/chats/{id}/messages/stream``: Server-Sent Events from echo and from the real SDKs
against the local fake providers; disconnects and provider failures keep what was said."""

from __future__ import annotations

import json

import pytest

from messages_app.models import Message
from tests import fake_providers
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db
fake_llm = fake_providers.fake_llm
ai_settings = fake_providers.ai_settings


def open_stream(client, chat, user, content="Tell me a story", model="echo", **headers):
    body = {"content": content, "modelId": model, "userId": str(user.pk)}
    return client.post(
        f"/api/chats/{chat.conversation_id}/messages/stream", body, format="json", **headers
    )


def parse(frame: bytes) -> tuple[str, dict]:
    text = frame.decode()
    assert text.endswith("\n\n"), text
    event_line, data_line = text.strip().split("\n")
    assert event_line.startswith("event: ") and data_line.startswith("data: ")
    return event_line[len("event: ") :], json.loads(data_line[len("data: ") :])


def client_goes_away(frames) -> None:
    """Stop reading as a client that disconnects: closing the test client's stream wrapper
    makes it close the response the way a WSGI server does (and keeps the test's database
    connection open, which a real ``request_finished`` would recycle)."""
    frames.close()


def stream_frames(response):
    """The test client's closable wrapper around the response body (``streaming_content``
    returns a fresh, unclosable ``map`` over it on every access)."""
    return response._iterator


def read_all(response) -> list[tuple[str, dict]]:
    return [parse(frame) for frame in response.streaming_content]


def test_echo_stream_sends_start_content_and_end(auth_client, user):
    chat = ConversationFactory(user=user)
    r = open_stream(auth_client, chat, user, "Tell me a story")
    assert r.status_code == 200
    assert r["Content-Type"] == "text/event-stream; charset=utf-8"
    assert r["Cache-Control"] == "no-cache"
    events = read_all(r)
    names = [name for name, _ in events]
    assert names == ["start", "content", "content", "content", "content", "content", "end"]
    start = events[0][1]
    question = Message.objects.get(conversation=chat, is_created_by_user=True)
    answer = Message.objects.get(conversation=chat, is_created_by_user=False)
    assert start["chatId"] == chat.conversation_id and start["responseModel"] == "echo"
    assert start["message"]["id"] == question.message_id
    assert "".join(data["delta"] for name, data in events if name == "content") == (
        "Echo: Tell me a story"
    )
    end = events[-1][1]
    assert end["data"]["id"] == question.message_id
    assert end["data"]["response"] == {
        "id": answer.message_id,
        "chatId": chat.conversation_id,
        "role": "assistant",
        "content": "Echo: Tell me a story",
        "liked": None,
        "cost": 0,
        "memoryId": None,
        "toolUses": [],
        "createdAt": end["data"]["response"]["createdAt"],
    }
    assert (answer.parent_message_id, answer.unfinished, answer.error) == (
        question.message_id,
        False,
        False,
    )


def test_openai_stream_with_usage_cost(auth_client, user, fake_llm, ai_settings):
    fake_llm.chunks = ["Once ", "upon ", "a time."]
    fake_llm.usage = (1000, 100)
    chat = ConversationFactory(user=user)
    events = read_all(open_stream(auth_client, chat, user, model="gpt-4o"))
    assert [d["delta"] for n, d in events if n == "content"] == ["Once ", "upon ", "a time."]
    response = events[-1][1]["data"]["response"]
    assert events[-1][0] == "end"
    assert response["content"] == "Once upon a time."
    assert response["cost"] == 0.0035  # 1000 * 2.5 + 100 * 10 per million
    sent = fake_llm.requests[-1]["body"]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_anthropic_stream_with_a_tool_call(auth_client, user, fake_llm, ai_settings):
    fake_llm.chunks = ["Let me ", "check."]
    fake_llm.usage = (200, 40)
    fake_llm.tool_calls = [("toolu_1", "dataset_query", {"query": "SELECT 1"})]
    chat = ConversationFactory(user=user)
    events = read_all(open_stream(auth_client, chat, user, model="claude-haiku-4-5"))
    assert [n for n, _ in events] == ["start", "content", "content", "tool_call", "end"]
    assert events[3][1] == {
        "id": "toolu_1",
        "toolName": "dataset_query",
        "args": {"query": "SELECT 1"},
    }
    response = events[-1][1]["data"]["response"]
    assert response["content"] == "Let me check."
    assert response["toolUses"] == [{"toolName": "dataset_query", "args": {"query": "SELECT 1"}}]
    assert response["cost"] == 0.0004  # 200 * 1 + 40 * 5 per million
    assert fake_llm.requests[-1]["body"]["stream"] is True


@pytest.mark.parametrize("model", ["gpt-4o", "claude-haiku-4-5"])
def test_client_disconnect_stores_the_partial_reply_as_unfinished(
    auth_client, user, fake_llm, ai_settings, model
):
    fake_llm.chunks = ["Once ", "upon ", "a time ", "there was..."]
    fake_llm.hold_after = 2
    chat = ConversationFactory(user=user)
    r = open_stream(auth_client, chat, user, model=model)
    frames = stream_frames(r)
    assert [parse(next(frames))[0] for _ in range(3)] == ["start", "content", "content"]
    client_goes_away(frames)
    question = Message.objects.get(conversation=chat, is_created_by_user=True)
    answer = Message.objects.get(conversation=chat, is_created_by_user=False)
    assert (answer.text, answer.unfinished, answer.error) == ("Once upon ", True, False)
    assert answer.parent_message_id == question.message_id
    listed = auth_client.get(f"/api/chats/{chat.conversation_id}/messages").json()
    assert listed["_embedded"]["inf:message"][1]["unfinished"] is True


def test_echo_disconnect_right_after_start_keeps_an_empty_unfinished_reply(auth_client, user):
    chat = ConversationFactory(user=user)
    r = open_stream(auth_client, chat, user)
    frames = stream_frames(r)
    assert parse(next(frames))[0] == "start"
    client_goes_away(frames)
    answer = Message.objects.get(conversation=chat, is_created_by_user=False)
    assert (answer.text, answer.unfinished) == ("", True)


@pytest.mark.parametrize("model", ["gpt-4o", "claude-haiku-4-5"])
def test_provider_failure_mid_stream_stores_the_partial_reply_as_error(
    auth_client, user, fake_llm, ai_settings, model
):
    fake_llm.chunks = ["Once ", "upon ", "a time."]
    fake_llm.fail_after = 2
    chat = ConversationFactory(user=user)
    events = read_all(open_stream(auth_client, chat, user, model=model))
    assert [n for n, _ in events] == ["start", "content", "content", "error"]
    answer = Message.objects.get(conversation=chat, is_created_by_user=False)
    question = Message.objects.get(conversation=chat, is_created_by_user=True)
    error = events[-1][1]
    assert error["error"] == "The AI provider failed to answer"
    assert (
        error["message"] == f"Your message {question.message_id} was saved; send it again to retry."
    )
    assert error["response"]["id"] == answer.message_id and error["response"]["error"] is True
    assert (answer.text, answer.error, question.error) == ("Once upon ", True, False)


def test_provider_failure_before_the_first_token_marks_the_user_message(
    auth_client, user, fake_llm, ai_settings
):
    fake_llm.status = 500
    chat = ConversationFactory(user=user)
    events = read_all(open_stream(auth_client, chat, user, model="gpt-4o"))
    assert [n for n, _ in events] == ["start", "error"]
    assert events[-1][1]["response"] is None
    question = Message.objects.get(conversation=chat)
    assert (question.is_created_by_user, question.error) == (True, True)


def test_errors_before_the_stream_are_json_or_one_sse_error_event(auth_client, user):
    chat = ConversationFactory(user=user)
    r = open_stream(auth_client, chat, user, model="nope")
    assert r.status_code == 400 and r.json()["error"] == "Unknown modelId"
    r = open_stream(auth_client, chat, user, model="nope", HTTP_ACCEPT="text/event-stream")
    assert r.status_code == 400
    name, data = parse(r.content)
    assert (name, data["error"]) == ("error", "Unknown modelId")
    assert not Message.objects.exists()

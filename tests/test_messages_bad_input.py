"""Bad input on every write endpoint of the Messages API → 400/413/415 JSON, nothing written
(docs/api-behaviour.md#input-limits)."""

from __future__ import annotations

import json
import uuid

import pytest

from convos_app.models import Conversation
from messages_app.models import ContentPart, Feedback, Message
from tests.factories import ContentPartFactory, ConversationFactory, MessageFactory


@pytest.fixture
def target(user):
    message = MessageFactory(
        conversation=ConversationFactory(user=user),
        is_created_by_user=False,
        text=":::artifact\n```\nx = 1\n```\n:::",
    )
    ContentPartFactory(
        message=message, index=0, type="text", text="a", payload={"type": "text", "text": "a"}
    )
    return message


def endpoints(message):
    """(method, url, a valid body) for each write endpoint."""
    c, m = message.conversation.conversation_id, message.message_id
    return [
        ("post", f"/api/messages/{c}", {"messageId": str(uuid.uuid4()), "text": "x"}),
        ("put", f"/api/messages/{c}/{m}", {"text": "x", "index": 0}),
        ("put", f"/api/messages/{c}/{m}/feedback", {"feedback": {"rating": "thumbsUp"}}),
        ("post", "/api/messages/branch", {"messageId": m, "agentId": "a1"}),
        ("post", f"/api/messages/artifact/{m}", {"index": 0, "original": "x = 1", "updated": "y"}),
    ]


def snapshot():
    return (
        list(Message.objects.order_by("pk").values_list("pk", "text", "token_count", "updated_at")),
        list(ContentPart.objects.order_by("pk").values_list("pk", "payload")),
        list(Feedback.objects.values_list("pk", "rating")),
        list(Conversation.objects.order_by("pk").values_list("pk", "updated_at")),
    )


def send(client, method, url, raw: str, content_type="application/json"):
    return getattr(client, method)(
        url, data=raw.encode("utf-8", "surrogatepass"), content_type=content_type
    )


def poison(body: dict, value) -> dict:
    """``body`` with ``value`` planted in every string slot (keys kept)."""

    def walk(item):
        if isinstance(item, dict):
            return {key: walk(child) for key, child in item.items()}
        if isinstance(item, str):
            return value
        return item

    return walk(body)


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ("a\u0000b", "Text must not contain NUL characters"),
        ("a\ud800b", "Text must not contain unpaired surrogate characters"),
    ],
)
def test_nul_and_lone_surrogates_anywhere_answer_400(auth_client, target, index, bad, error):
    method, url, body = endpoints(target)[index]
    before = snapshot()
    r = send(auth_client, method, url, json.dumps(poison(body, bad)))
    assert r.status_code == 400, r.content
    assert r.json() == {"error": error}
    assert snapshot() == before


@pytest.mark.parametrize("where", ["content", "metadata", "attachments"])
def test_nul_nested_inside_structured_fields_answers_400(auth_client, target, where):
    c = target.conversation.conversation_id
    nested = {
        "content": [{"type": "text", "text": {"value": "ok", "annotations": [{"k": "a\u0000"}]}}],
        "metadata": {"deep": {"k": ["a\u0000"]}},
        "attachments": [{"file\u0000": "x"}],
    }[where]
    before = snapshot()
    r = send(auth_client, "post", f"/api/messages/{c}", json.dumps({"text": "x", where: nested}))
    assert (r.status_code, r.json()) == (400, {"error": "Text must not contain NUL characters"})
    assert snapshot() == before


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize("depth", [101, 5000, 100_000])
def test_deep_nesting_answers_400(auth_client, target, index, depth):
    method, url, body = endpoints(target)[index]
    raw = json.dumps(body)[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    before = snapshot()
    r = send(auth_client, method, url, raw)
    assert r.status_code == 400, r.content
    assert r.json() == {"error": "JSON nesting is deeper than 100 levels"}
    assert snapshot() == before


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize("raw", ["{", "[]", '"text"', "NaN", '{"text": NaN}', "\ufeff{}"])
def test_malformed_or_non_object_json_answers_400(auth_client, target, index, raw):
    method, url, _ = endpoints(target)[index]
    before = snapshot()
    r = send(auth_client, method, url, raw)
    assert r.status_code == 400, r.content
    assert isinstance(r.json()["error"], str)
    assert snapshot() == before


@pytest.mark.parametrize("index", range(5))
def test_form_encoded_bodies_answer_415(auth_client, target, index):
    method, url, _ = endpoints(target)[index]
    r = send(auth_client, method, url, "text=x", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415
    assert r.json()["error"].startswith("Unsupported media type")


def test_text_over_the_configured_maximum_answers_400(auth_client, target, settings):
    settings.CHATCORE_MAX_TEXT_CHARS = 10
    c, m = target.conversation.conversation_id, target.message_id
    before = snapshot()
    cases = [
        (
            "post",
            f"/api/messages/{c}",
            {"text": "x" * 11},
            "text: Text is longer than 10 characters",
        ),
        (
            "post",
            f"/api/messages/{c}",
            {"content": [{"type": "text", "text": "x" * 11}]},
            "content: Part text is longer than 10 characters",
        ),
        (
            "put",
            f"/api/messages/{c}/{m}",
            {"text": "x" * 11},
            "text: Text is longer than 10 characters",
        ),
        (
            "put",
            f"/api/messages/{c}/{m}",
            {"text": "x" * 11, "index": 0},
            "text: Text is longer than 10 characters",
        ),
        (
            "post",
            f"/api/messages/artifact/{m}",
            {"index": 0, "original": "x = 1", "updated": "y" * 11},
            "Invalid request parameters",
        ),
    ]
    for method, url, body, error in cases:
        r = getattr(auth_client, method)(url, body, format="json")
        assert r.status_code == 400, (url, r.content)
        assert r.json()["error"] == error
    assert snapshot() == before


def test_text_at_exactly_the_maximum_is_accepted(auth_client, target, settings):
    settings.CHATCORE_MAX_TEXT_CHARS = 10
    r = auth_client.put(
        f"/api/messages/{target.conversation.conversation_id}/{target.message_id}",
        {"text": "x" * 10},
        format="json",
    )
    assert r.status_code == 200, r.json()


def test_body_over_the_upload_limit_answers_413(auth_client, target, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = snapshot()
    c = target.conversation.conversation_id
    r = auth_client.post(f"/api/messages/{c}", {"text": "x" * 2000}, format="json")
    assert (r.status_code, r.json()) == (413, {"error": "Request body too large"})
    assert snapshot() == before


def test_tricky_but_valid_unicode_round_trips(auth_client, user):
    text = "family 👨‍👩‍👧 rtl \u202e bom \ufeff sep \u2028 e\u0301"
    c = str(uuid.uuid4())
    r = auth_client.post(
        f"/api/messages/{c}",
        {"text": text, "content": [{"type": "text", "text": text}]},
        format="json",
    )
    assert r.status_code == 201, r.json()
    [item] = auth_client.get(f"/api/messages/{c}").json()
    assert item["text"] == text
    assert item["content"] == [{"type": "text", "text": text}]

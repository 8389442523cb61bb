"""Text PostgreSQL cannot store (NUL, lone surrogates) in a string field of any app's API is a
400 JSON error, and nothing is written.

A JSON body is checked whole by the JSON parser; query strings and form bodies never pass
through it, so the shared ``StrictCharField`` refuses the same text field by field.
"""

from __future__ import annotations

import json
import uuid

import pytest
from rest_framework import serializers

from chatcore.errors import NUL_NOT_ALLOWED, SURROGATE_NOT_ALLOWED
from chatcore.serializers import StrictCharField, messages_for
from convos_app.models import Conversation
from messages_app.models import Message
from tags_app.models import Tag
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

BAD_TEXT = [("a\u0000b", NUL_NOT_ALLOWED), ("a\ud800b", SURROGATE_NOT_ALLOWED)]


def send_json(client, method, url, body):
    # json.dumps escapes the lone surrogate as \ud800, as a JavaScript client would send it.
    return client.generic(method.upper(), url, json.dumps(body), content_type="application/json")


def snapshot():
    return (
        list(Conversation.objects.order_by("pk").values_list("pk", "title", "is_archived")),
        Message.objects.count(),
        list(Tag.objects.order_by("pk").values_list("pk", "name", "description")),
    )


def json_writes(convo):
    """(app, method, url, body with a text field set to BAD) — one write of each app's API."""
    c = convo.conversation_id
    return [
        ("messages", "post", f"/api/messages/{c}", {"messageId": str(uuid.uuid4()), "text": "BAD"}),
        ("convos", "post", "/api/convos/update", {"arg": {"conversationId": c, "title": "BAD"}}),
        ("convos", "post", "/api/convos/duplicate", {"conversationId": c, "title": "BAD"}),
        ("tags", "post", "/api/tags", {"tag": "BAD"}),
        ("tags", "put", f"/api/tags/convo/{c}", {"tags": ["ok", "BAD"]}),
        ("chats", "post", "/api/chats", {"title": "BAD"}),
        ("chats", "post", f"/api/chats/{c}/messages",
         {"content": "BAD", "modelId": "echo", "userId": str(convo.user_id)}),
    ]  # fmt: skip


def poison(body, bad):
    if isinstance(body, dict):
        return {key: poison(value, bad) for key, value in body.items()}
    if isinstance(body, list):
        return [poison(item, bad) for item in body]
    return bad if body == "BAD" else body


@pytest.mark.parametrize("index", range(7))
@pytest.mark.parametrize(("bad", "error"), BAD_TEXT)
def test_bad_text_in_a_json_string_field_is_400_and_writes_nothing(
    auth_client, user, index, bad, error
):
    convo = ConversationFactory(user=user, title="Kept")
    app, method, url, body = json_writes(convo)[index]
    before = snapshot()
    r = send_json(auth_client, method, url, poison(body, bad))
    assert r.status_code == 400, (app, url, r.content)
    assert r.json() == {"error": error}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/tags", {"tag": "a\u0000b"}),
        ("/api/convos/duplicate", {"conversationId": "CONVO", "title": "a\u0000b"}),
    ],
)
def test_a_form_body_is_415_and_writes_nothing(auth_client, user, url, body):
    """Form bodies are not parsed on JSON endpoints, so nothing in them (a NUL here) is ever
    stored: the one 415 body names the type to send (docs/api-behaviour.md#input-limits)."""
    convo = ConversationFactory(user=user)
    body = {
        key: convo.conversation_id if value == "CONVO" else value for key, value in body.items()
    }
    before = snapshot()
    r = auth_client.post(url, body, format="multipart")
    assert r.status_code == 415, r.content
    assert r.json() == {
        "error": "Unsupported media type",
        "message": "Send the body as application/json",
    }
    assert snapshot() == before


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("/api/convos?search=a%00b", NUL_NOT_ALLOWED),
        ("/api/convos?tags=a%00b", NUL_NOT_ALLOWED),
        ("/api/messages?conversationId=a%00b", "conversationId: Null characters are not allowed"),
        ("/api/messages?search=a%00b", "search: Null characters are not allowed"),
        ("/api/chats?cursor=a%00b", "cursor: Null characters are not allowed"),
    ],
)
def test_nul_in_a_query_string_field_is_a_400_json_error(auth_client, user, url, error):
    r = auth_client.get(url)
    assert r.status_code == 400, r.content
    assert r.json()["error"] == error


@pytest.mark.parametrize(("bad", "error"), BAD_TEXT)
def test_strict_char_field_refuses_what_postgresql_cannot_store(bad, error):
    """Serializers also run on data that no parser saw (form bodies, query strings)."""

    class Body(serializers.Serializer):
        plain = StrictCharField(required=False)
        worded = StrictCharField(required=False, error_messages=messages_for("worded"))

    wording = {NUL_NOT_ALLOWED: "Null characters are not allowed."}
    for name, expected in (("plain", wording.get(error, error)), ("worded", error)):
        body = Body(data={name: bad})
        assert not body.is_valid()
        assert body.errors == {name: [expected]}


@pytest.mark.parametrize("value", [5, 1.5, True, ["a"], {"a": "b"}])
def test_strict_char_field_refuses_non_strings(value):
    class Body(serializers.Serializer):
        name = StrictCharField()

    body = Body(data={"name": value})
    assert not body.is_valid()
    assert body.errors == {"name": ["Must be a string."]}

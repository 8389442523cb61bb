"""``POST /api/messages/{conversationId}`` in at most six statements, BEGIN and COMMIT
included, counted outside a test transaction as a real request runs
(docs/api-behaviour.md#message-create). The user lookup of the bearer check is one of them
with the database cache the suite runs on; with a shared cache it is none."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chatcore.search.models import SearchDocument
from convos_app.models import DEFAULT_TITLE, Conversation
from messages_app.models import ContentPart, Message
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db(transaction=True)

PARTS = [{"type": "text", "text": "alpha beta"}, {"type": "think", "think": "gamma"}]


def post(client, conversation_id, body):
    return client.post(f"/api/messages/{conversation_id}", body, format="json")


def _documents(message: Message) -> list[str]:
    return list(
        SearchDocument.objects.filter(
            django_ct="messages_app.message", django_id=message.pk
        ).values_list("body", flat=True)
    )


def test_append_to_an_existing_conversation_is_six_statements(
    auth_client, user, django_assert_num_queries
):
    old = timezone.now() - timedelta(days=1)
    convo = ConversationFactory(user=user, created_at=old, updated_at=old)
    MessageFactory.create_batch(3, conversation=convo)
    # auth user, BEGIN, conversation upsert + message insert (one statement), parts insert,
    # search document upsert, COMMIT
    with django_assert_num_queries(6):
        r = post(auth_client, convo.conversation_id, {"messageId": str(uuid4()), "content": PARTS})
    assert r.status_code == 201, r.json()
    message = Message.objects.get(message_id=r.json()["messageId"])
    assert [part.payload for part in ContentPart.objects.filter(message=message)] == PARTS
    assert _documents(message) == ["alpha beta\ngamma"]
    convo.refresh_from_db()
    assert convo.updated_at > old


def test_first_message_of_a_new_conversation_is_five_statements(
    auth_client, user, django_assert_num_queries
):
    conversation_id = str(uuid4())
    # auth user, BEGIN, conversation + message insert, the search documents of both in one
    # upsert, COMMIT; no parts
    with django_assert_num_queries(5):
        r = post(auth_client, conversation_id, {"text": "hello", "isCreatedByUser": True})
    assert r.status_code == 201, r.json()
    convo = Conversation.objects.get(user=user, conversation_id=conversation_id)
    assert convo.title == DEFAULT_TITLE
    assert SearchDocument.objects.filter(
        django_ct="convos_app.conversation", django_id=convo.pk
    ).exists()
    assert _documents(Message.objects.get(message_id=r.json()["messageId"])) == ["hello"]


def test_assistant_reply_into_a_new_chat_asks_for_a_title_without_another_statement(
    auth_client, user, django_assert_num_queries
):
    convo = ConversationFactory(user=user, title=DEFAULT_TITLE)
    MessageFactory(conversation=convo, is_created_by_user=True)
    with CaptureQueriesContext(connection) as capture:
        r = post(auth_client, convo.conversation_id, {"text": "reply", "content": PARTS})
        statements = [q["sql"] for q in capture]
    assert r.status_code == 201, r.json()
    # The write itself: auth user, BEGIN, conversation + message (with the first-reply check
    # in its RETURNING), parts, documents; then the title state in the cache (database
    # cache statements here, none with Redis), COMMIT, and the titler after the commit.
    writes = [
        sql for sql in statements[: statements.index("COMMIT")] if "chatcore_cache" not in sql
    ]
    assert len([sql for sql in writes if not sql.startswith(("SAVEPOINT", "RELEASE"))]) == 5, writes
    convo.refresh_from_db()
    assert convo.title != DEFAULT_TITLE  # the first reply got the chat its title
    # A second reply does not ask again.
    r = post(auth_client, convo.conversation_id, {"text": "again"})
    assert r.status_code == 201, r.json()


def test_a_taken_message_id_is_409_and_changes_nothing(auth_client, user):
    old = timezone.now() - timedelta(days=1)
    convo = ConversationFactory(user=user, created_at=old, updated_at=old, model=None)
    taken = MessageFactory(conversation=convo, text="original")
    r = post(
        auth_client,
        convo.conversation_id,
        {"messageId": taken.message_id, "text": "overwrite", "model": "gpt-x"},
    )
    assert r.status_code == 409, r.json()
    assert r.json() == {"error": "Message already exists"}
    convo.refresh_from_db()
    assert (convo.updated_at, convo.model) == (old, None)
    taken.refresh_from_db()
    assert taken.text == "original"
    assert Message.objects.filter(conversation=convo).count() == 1
    # A taken id in a conversation that does not exist yet creates no conversation either.
    r = post(auth_client, str(uuid4()), {"messageId": taken.message_id, "text": "x"})
    assert r.status_code == 409
    assert Conversation.objects.filter(user=user).count() == 1


def test_the_answer_is_what_a_read_of_the_stored_message_answers(auth_client, user):
    convo = ConversationFactory(user=user)
    body = {
        "messageId": str(uuid4()),
        "text": "Ünïcode “text”",
        "content": [
            {
                "type": "text",
                "text": {"value": "v", "annotations": []},
                "zeta": 1,
                "a": {"yy": 1, "x": [{"bb": 1, "a": 2}]},
            },
            {"type": "tool_call", "tool_call": {"name": "n", "args": "{}"}},
        ],
        "metadata": {"longer_key": 1, "k": 2, "mid": 3},
        "files": [{"file_id": "f", "a": 1}],
        "attachments": [],
        "model": "gpt-4o",
        "tokenCount": 12,
    }
    created = post(auth_client, convo.conversation_id, body)
    assert created.status_code == 201, created.json()
    read = auth_client.get(f"/api/messages/{convo.conversation_id}/{body['messageId']}")
    assert read.status_code == 200, read.json()
    assert created.content == read.content

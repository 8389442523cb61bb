"""A message's ``memoryId`` is a checked same-user reference (docs/api-behaviour.md#memories):
deleting a memory clears the references, deleting messages keeps every memory, no reference can
cross users or name nothing, and the migration's data step nulls values that name no memory."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from messages_app import migrations as messages_migrations
from messages_app.models import Memory, Message
from tests.factories import ConversationFactory, MemoryFactory, message_chain

pytestmark = pytest.mark.django_db
MIGRATIONS = Path(messages_migrations.__file__).parent

# Found by name, so the test follows the migration when it is renumbered.
migration = importlib.import_module(
    "messages_app.migrations." + next(p.stem for p in MIGRATIONS.glob("*_memories.py"))
)


@pytest.fixture
def linked(user):
    """A chat of three messages whose reply names a memory; another memory stays unlinked."""
    chat = ConversationFactory(user=user)
    question, answer, follow_up = message_chain(chat, 3)
    memory = MemoryFactory(user=user, key="city", value="Lisbon")
    MemoryFactory(user=user, key="name", value="Alice")
    Message.objects.filter(pk=answer.pk).update(memory_id=memory.memory_id)
    return chat, question, answer, follow_up, memory


def memories() -> list[tuple]:
    return list(
        Memory.objects.order_by("pk").values_list("pk", "key", "value", "token_count", "updated_at")
    )


def test_get_message_shows_the_memory_id(auth_client, linked):
    _chat, question, answer, _follow_up, memory = linked
    assert auth_client.get(f"/api/messages/{answer.message_id}").json()["memoryId"] == (
        memory.memory_id
    )
    assert auth_client.get(f"/api/messages/{question.message_id}").json()["memoryId"] is None


def test_deleting_a_memory_clears_the_reference_and_nothing_else(auth_client, linked):
    _chat, _question, answer, _follow_up, memory = linked
    before = Message.objects.values("text", "updated_at", "token_count").get(pk=answer.pk)
    r = auth_client.delete(f"/api/memories/{memory.key}")
    assert r.status_code == 200, r.json()
    assert auth_client.get(f"/api/messages/{answer.message_id}").json()["memoryId"] is None
    assert Message.objects.values("text", "updated_at", "token_count").get(pk=answer.pk) == before
    assert Message.objects.count() == 3


def test_a_bulk_delete_of_memories_clears_references_too(linked):
    _chat, _question, answer, _follow_up, _memory = linked
    Memory.objects.all().delete()
    assert Message.objects.get(pk=answer.pk).memory_id is None


def test_updating_or_renaming_a_memory_keeps_the_reference(auth_client, linked):
    _chat, _question, answer, _follow_up, memory = linked
    r = auth_client.patch("/api/memories/city", {"key": "home", "value": "Porto"}, format="json")
    assert r.status_code == 200, r.json()
    assert auth_client.get(f"/api/messages/{answer.message_id}").json()["memoryId"] == (
        memory.memory_id
    )


@pytest.mark.parametrize(
    "delete",
    [
        pytest.param(lambda c, chat, m: c.delete(f"/api/messages/{m.message_id}"), id="one-by-id"),
        pytest.param(
            lambda c, chat, m: c.delete(f"/api/messages/{chat.conversation_id}/{m.message_id}"),
            id="one-in-conversation",
        ),
        pytest.param(
            lambda c, chat, m: c.delete(f"/api/chats/{chat.conversation_id}/messages"),
            id="clear-chat",
        ),
        pytest.param(lambda c, chat, m: c.delete(f"/api/chats/{chat.conversation_id}"), id="chat"),
        pytest.param(
            lambda c, chat, m: c.delete(
                "/api/convos", {"arg": {"conversationId": chat.conversation_id}}, format="json"
            ),
            id="conversation",
        ),
        pytest.param(lambda c, chat, m: c.delete("/api/convos/all"), id="all"),
    ],
)
def test_deleting_messages_keeps_every_memory_unchanged(auth_client, linked, delete):
    chat, _question, answer, _follow_up, _memory = linked
    before = memories()
    r = delete(auth_client, chat, answer)
    assert r.status_code in (200, 204), r.content
    assert not Message.objects.filter(pk=answer.pk).exists()
    assert memories() == before


def test_a_message_cannot_name_another_users_memory(user, other_user):
    chat = ConversationFactory(user=user)
    (message,) = message_chain(chat, 1)
    theirs = MemoryFactory(user=other_user, key="secret")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.filter(pk=message.pk).update(memory_id=theirs.memory_id)
    assert Message.objects.get(pk=message.pk).memory_id is None


def test_a_message_cannot_name_a_memory_that_does_not_exist(user):
    chat = ConversationFactory(user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        message_chain(chat, 1, memory_id="mem-789")
    assert not Message.objects.exists()


def test_the_migration_nulls_values_that_name_no_memory_of_the_user(user, other_user):
    """The data step as it ran on existing rows: with the constraint out of the way (inside this
    test's transaction only), stale values are written, then the step's SQL runs."""
    chat = ConversationFactory(user=user)
    dangling, cross_user, valid, empty = message_chain(chat, 4)
    mine = MemoryFactory(user=user, key="mine")
    theirs = MemoryFactory(user=other_user, key="theirs")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before the ALTER
        cursor.execute(migration.DROP_SAME_USER_KEY)
        Message.objects.filter(pk=dangling.pk).update(memory_id="mem-789")
        Message.objects.filter(pk=cross_user.pk).update(memory_id=theirs.memory_id)
        Message.objects.filter(pk=valid.pk).update(memory_id=mine.memory_id)
        cursor.execute(migration.NULL_DANGLING_REFERENCES)
        cursor.execute(migration.ADD_SAME_USER_KEY)
    assert dict(Message.objects.values_list("pk", "memory_id")) == {
        dangling.pk: None,
        cross_user.pk: None,
        valid.pk: mine.memory_id,
        empty.pk: None,
    }


def test_a_fork_keeps_the_reference_inside_the_same_account(auth_client, linked):
    chat, _question, _answer, follow_up, memory = linked
    body = {
        "conversationId": chat.conversation_id,
        "messageId": follow_up.message_id,
        "option": "directPath",
    }
    r = auth_client.post("/api/convos/fork", body, format="json")
    assert r.status_code == 200, r.json()
    copies = Message.objects.exclude(conversation=chat)
    assert sorted(copies.values_list("memory_id", flat=True), key=str) == sorted(
        [None, memory.memory_id, None], key=str
    )


def test_an_import_drops_memory_ids_it_cannot_resolve(auth_client, user, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "mem"}
    }
    MemoryFactory(user=user, key="city")
    export = {
        "conversationId": "11111111-1111-4111-8111-111111111111",
        "endpoint": "openAI",
        "title": "Imported",
        "messages": [
            {
                "messageId": "22222222-2222-4222-8222-222222222222",
                "parentMessageId": "00000000-0000-0000-0000-000000000000",
                "text": "Hello",
                "isCreatedByUser": True,
                "memoryId": "mem-from-another-install",
            }
        ],
    }
    upload = SimpleUploadedFile("export.json", json.dumps(export).encode(), "application/json")
    r = auth_client.post("/api/convos/import", {"file": upload})
    assert r.status_code == 201, r.json()
    imported = Message.objects.get(conversation__title="Imported")  # ids are minted anew
    assert (imported.text, imported.memory_id) == ("Hello", None)

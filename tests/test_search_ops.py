"""Search operations: the GIN plan at scale, queued (after-commit) updates, a search outage,
haystack's management commands, deletes on every path and ``GET /api/search/enable``."""

from __future__ import annotations

import json
import logging

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import signals
from django.test.utils import CaptureQueriesContext
from haystack import connection_router, connections
from haystack.query import SearchQuerySet

from chatcore.search import sync
from chatcore.search.models import SearchDocument
from chatcore.search.signals import TransactionalSignalProcessor
from convos_app.models import Conversation
from convos_app.search import remove_conversations
from messages_app.models import ContentPart, Message
from tags_app.models import TaggedConversation
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

PG_ENGINE = "chatcore.search.backend.PostgresSearchEngine"


def found(user, query: str) -> set[int]:
    return {
        int(r.pk) for r in SearchQuerySet().models(Message).filter(owner=user.pk, content=query)
    }


@pytest.fixture
def search_connections(settings):
    """Swap HAYSTACK_CONNECTIONS for one test, with a signal processor built for it."""
    original_info = connections.connections_info
    original_processor = apps.get_app_config("haystack").signal_processor
    state: dict = {}

    def use(config: dict) -> None:
        settings.HAYSTACK_CONNECTIONS = config
        connections.connections_info = config
        connections.thread_local.connections = {}
        if "processor" in state:
            state["processor"].teardown()
        else:
            original_processor.teardown()
        state["processor"] = TransactionalSignalProcessor(connections, connection_router)

    yield use
    if "processor" in state:
        state["processor"].teardown()
    connections.connections_info = original_info
    connections.thread_local.connections = {}
    original_processor.setup()


# --- the plan -----------------------------------------------------------------------------------
def test_search_uses_the_gin_index_on_a_large_table(user, other_user):
    with connection.cursor() as cursor:
        # 120,000 documents, set-based: 1 in 100 is the user's, the rest another user's.
        cursor.execute(
            """
            INSERT INTO chatcore_search_document
                (django_ct, django_id, user_id, body, vector, data)
            SELECT 'messages_app.message', g, u.uid, 'topic' || (g %% 5000) || ' common words',
                   to_tsvector('simple', 'topic' || (g %% 5000) || ' common words')
                       || array_to_tsvector(ARRAY[' owner ' || u.uid]), '{}'::jsonb
            FROM generate_series(1, 120000) AS g,
                 LATERAL (SELECT CASE WHEN g %% 100 = 0 THEN %s ELSE %s END AS uid) AS u
            """,
            [user.pk, other_user.pk],
        )
        cursor.execute("ANALYZE chatcore_search_document")
    # A rare word is looked up in the GIN index; a word in every document is answered by
    # reading the user's documents newest first until the rank cap. Never a table scan.
    for query, index in (("topic4200", "search_doc_vector"), ("common", "search_doc_user_recent")):
        sqs = SearchQuerySet().models(Message).filter(owner=user.pk, content=query)
        with CaptureQueriesContext(connection) as captured:
            results = list(sqs[:25])
        assert results
        search_sql = next(q["sql"] for q in captured.captured_queries if "ts_rank" in q["sql"])
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + search_sql)
            plan = json.dumps(cursor.fetchone()[0])
        assert index in plan
        assert '"Seq Scan"' not in plan
    common = SearchQuerySet().models(Message).filter(owner=user.pk, content="common")
    assert common.count() == 1200


# --- queued updates -------------------------------------------------------------------------------
def test_queued_connection_indexes_after_commit_only(
    search_connections, user, django_capture_on_commit_callbacks
):
    search_connections({"default": {"ENGINE": PG_ENGINE, "QUEUE_UPDATES": True}})
    convo = ConversationFactory(user=user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = MessageFactory(conversation=convo, text="deferred-walrus note")
        # Written, but the index is untouched until the transaction commits.
        assert found(user, "deferred-walrus") == set()
    assert callbacks
    for callback in callbacks:
        callback()
    assert found(user, "deferred-walrus") == {message.pk}


def test_queued_connection_removes_after_commit(
    search_connections, user, django_capture_on_commit_callbacks
):
    search_connections({"default": {"ENGINE": PG_ENGINE, "QUEUE_UPDATES": True}})
    convo = ConversationFactory(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        message = MessageFactory(conversation=convo, text="doomed-otter")
    assert found(user, "doomed-otter") == {message.pk}
    with django_capture_on_commit_callbacks(execute=True):
        remove_conversations([convo.pk])
        Conversation.objects.filter(pk=convo.pk).delete()
    assert found(user, "doomed-otter") == set()


def test_queued_connection_removes_a_deleted_message_after_commit(
    search_connections, user, django_capture_on_commit_callbacks
):
    # No database trigger reaches a remote engine: the processor sends the removal.
    search_connections({"default": {"ENGINE": PG_ENGINE, "QUEUE_UPDATES": True}})
    convo = ConversationFactory(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        kept = MessageFactory(conversation=convo, text="queued-marten kept")
        doomed = MessageFactory(conversation=convo, text="queued-marten doomed")
    assert found(user, "queued-marten") == {kept.pk, doomed.pk}
    assert signals.post_delete.has_listeners(Message)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        doomed.delete()
    assert len(callbacks) == 1  # the removal, queued for after the commit
    callbacks[0]()
    assert found(user, "queued-marten") == {kept.pk}


def test_search_outage_never_fails_a_write(search_connections, user, caplog):
    # A real OpenSearch client pointed at a closed loopback port: every index call fails.
    search_connections(
        {
            "default": {
                "ENGINE": "django_haystack_opensearch.haystack.OpenSearchSearchEngine",
                "URL": "http://127.0.0.1:9",
                "INDEX_NAME": "chatcore-test",
                "TIMEOUT": 1,
                "SILENTLY_FAIL": False,
            }
        }
    )
    assert not sync.is_transactional("default")
    convo = ConversationFactory(user=user)
    with caplog.at_level(logging.ERROR, logger="chatcore.search"):
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            message = MessageFactory(conversation=convo, text="written anyway")
    assert Message.objects.filter(pk=message.pk, text="written anyway").exists()
    assert any("search update queued" in record.getMessage() for record in caplog.records)


# --- deletes cascade in the database --------------------------------------------------------------
def test_documents_die_with_their_rows_on_every_delete_path(user, other_user):
    convo = ConversationFactory(user=user, title="cascade-heron")
    kept = MessageFactory(conversation=convo, text="cascade-heron kept")
    single = MessageFactory(conversation=convo, text="cascade-heron single")
    single.delete()
    assert found(user, "cascade-heron") == {kept.pk}
    # Raw set-based SQL, as the bulk delete services use.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM messages_app_message WHERE conversation_id = %s", [convo.pk])
        cursor.execute("DELETE FROM convos_app_conversation WHERE id = %s", [convo.pk])
    assert not SearchDocument.objects.filter(user=user).exists()
    theirs = ConversationFactory(user=other_user, title="gone with the user")
    MessageFactory(conversation=theirs, text="gone")
    assert SearchDocument.objects.filter(user=other_user).count() == 2
    other_user.delete()
    assert not SearchDocument.objects.filter(user_id=other_user.pk).exists()


def test_documents_go_with_bulk_and_cascading_deletes(user):
    convo = ConversationFactory(user=user, title="bulk-puffin")
    first = MessageFactory(conversation=convo, text="bulk-puffin one")
    MessageFactory(conversation=convo, text="bulk-puffin two")
    # Django's set-based delete without the collector, as the delete services use it.
    Message.objects.filter(pk=first.pk)._raw_delete(using="default")
    assert len(found(user, "bulk-puffin")) == 1
    # The ORM cascade from the conversation to its messages.
    Conversation.objects.filter(pk=convo.pk).delete()
    assert found(user, "bulk-puffin") == set()
    assert not SearchDocument.objects.filter(user=user).exists()


def test_search_adds_no_delete_receivers_with_the_postgres_backend():
    # A delete receiver would cost Django's deletion collector its fast path (it would load
    # every deleted row); the database triggers make one unnecessary.
    assert not sync.any_queued()
    for model in (Message, Conversation, ContentPart, TaggedConversation):
        assert not signals.post_delete.has_listeners(model)
        assert not signals.pre_delete.has_listeners(model)


# --- haystack's commands --------------------------------------------------------------------------
def test_rebuild_and_update_index_commands(user):
    convo = ConversationFactory(user=user, title="Rebuilt title")
    message = MessageFactory(conversation=convo, text="rebuilt-ibis")
    SearchDocument.objects.all().delete()
    assert found(user, "rebuilt-ibis") == set()
    call_command("rebuild_index", interactive=False, verbosity=0)
    assert found(user, "rebuilt-ibis") == {message.pk}
    assert SearchDocument.objects.count() == 2
    Message.objects.filter(pk=message.pk).update(text="updated-ibis")  # no signal
    call_command("update_index", verbosity=0)
    assert found(user, "updated-ibis") == {message.pk}
    assert found(user, "rebuilt-ibis") == set()
    call_command("clear_index", interactive=False, verbosity=0)
    assert SearchDocument.objects.count() == 0


# --- API ------------------------------------------------------------------------------------------
def test_search_enable_answers_true(auth_client):
    response = auth_client.get("/api/search/enable")
    assert response.status_code == 200
    assert response.json() is True


def test_search_enable_requires_authentication(api_client):
    assert api_client.get("/api/search/enable").status_code == 401

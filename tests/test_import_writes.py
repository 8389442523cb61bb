"""How the import writes: ``COPY`` batches and search documents built from the written values.

The import builds no model instances (``convos_app/services/imports/service.py``), so these
tests pin what that must not change: the search documents are exactly those the indexes build
from the stored rows, and the statements per batch do not grow with the batch.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from haystack import connections, indexes

from chatcore.search.models import SearchDocument
from convos_app.models import Conversation
from convos_app.search import index_conversation_trees
from convos_app.services.imports import conversations_import
from messages_app.models import Message
from messages_app.search_indexes import MessageIndex
from tests.factories import ContentPartFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
DOCUMENT_COLUMNS = (
    "django_ct",
    "django_id",
    "user_id",
    "group_id",
    "body",
    "data",
    "created_at",
    "updated_at",
)


def documents(user) -> dict[tuple[str, int], tuple]:
    """Every search document of ``user``, with its vector as text."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(DOCUMENT_COLUMNS)}, vector::text "
            "FROM chatcore_search_document WHERE user_id = %s",
            [user.pk],
        )
        return {(row[0], row[1]): row for row in cursor.fetchall()}


@pytest.mark.parametrize(
    "name",
    [
        "chatgpt/browsing.json",
        "chatgpt/tree.json",
        "librechat/tree.json",
        "librechat/chatcore-export.json",
        "claude/export.json",
        "openwebui/export.json",
    ],
)
def test_imported_documents_are_what_a_reindex_builds(user, name):
    with (FIXTURES / name).open("rb") as stream:
        result = conversations_import(user=user, stream=stream)
    imported = documents(user)
    messages = Message.objects.filter(user=user).count()
    assert len(imported) == result.conversations + messages

    index_conversation_trees(Conversation.objects.filter(user=user).values_list("pk", flat=True))

    assert documents(user) == imported


def test_message_documents_are_haystacks(user):
    """The direct preparation of a message document gives haystack's generic one, for a
    message with searchable parts (one repeating its text), a temporary one and a root."""
    convo = ConversationFactory(user=user)
    plain = MessageFactory(conversation=convo, text="Lynx at dusk", sender="GPT-4o")
    ContentPartFactory(message=plain, index=0, type="text", text="Lynx at dusk")
    ContentPartFactory(message=plain, index=1, type="think", text="mulling the heron")
    ContentPartFactory(message=plain, index=2, type="tool_call", text="not searchable")
    temporary = MessageFactory(
        conversation=convo, is_temporary=True, expired_at=timezone.now() + timedelta(days=1)
    )
    empty = MessageFactory(conversation=convo, text="", sender="")
    index = connections["default"].get_unified_index().get_index(Message)
    assert isinstance(index, MessageIndex)
    rows = index.index_queryset().filter(pk__in=[plain.pk, temporary.pk, empty.pk])
    for message in rows:
        fast = index.full_prepare(message)
        generic = dict(indexes.SearchIndex.full_prepare(index, message))
        assert fast == generic
    assert index.full_prepare(rows.get(pk=plain.pk))["text"] == "Lynx at dusk\nmulling the heron"


def chatgpt_file(conversations: int) -> bytes:
    """A ChatGPT export of ``conversations`` chats of one question and one answer each."""
    chats = []
    for n in range(conversations):
        mapping = {"root": {"id": "root", "message": None, "parent": None, "children": ["q"]}}
        for node, parent, role, text in (
            ("q", "root", "user", f"Question {n}"),
            ("a", "q", "assistant", f"Answer {n}"),
        ):
            mapping[node] = {
                "id": node,
                "parent": parent,
                "children": [],
                "message": {
                    "id": node,
                    "author": {"role": role},
                    "create_time": 1_700_000_000 + n,
                    "content": {"content_type": "text", "parts": [text]},
                    "metadata": {},
                },
            }
        chats.append({"title": f"Chat {n}", "create_time": 1_700_000_000 + n, "mapping": mapping})
    return json.dumps(chats).encode()


def statements(user, data: bytes) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        conversations_import(user=user, stream=io.BytesIO(data))
    return [query["sql"] for query in queries.captured_queries]


def test_one_batch_is_a_fixed_number_of_statements(user, other_user):
    """A batch costs: the key reservation, one ``COPY`` per table written, the conversation
    documents' upsert and the message documents' staging table, ``COPY``, move and
    ``TRUNCATE``, whatever the number of conversations and messages in it (plus the
    transaction's own savepoint)."""
    small = statements(user, chatgpt_file(2))
    large = statements(other_user, chatgpt_file(200))
    assert len(large) == len(small)
    assert len(small) <= 10  # with the savepoint and its release
    assert sum(sql.startswith("COPY") for sql in large) == 3
    assert Message.objects.filter(user=other_user).count() == 400
    assert SearchDocument.objects.filter(user=other_user).count() == 600

"""Search through the API: ``GET /api/messages?search=``, ``GET /api/convos?search=``, and the
index staying right across create, edit, delete, fork, duplicate, import and rename."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from chatcore.search.models import SearchDocument
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def search(client, query: str, **params) -> dict:
    r = client.get("/api/messages", {"search": query, **params})
    assert r.status_code == 200, r.json()
    return r.json()


def texts(client, query: str) -> list[str]:
    return [m["text"] for m in search(client, query)["messages"]]


def convo_ids(client, query: str, **params) -> list[str]:
    r = client.get("/api/convos", {"search": query, **params})
    assert r.status_code == 200, r.json()
    return [c["conversationId"] for c in r.json()["conversations"]]


# --- GET /api/messages?search= -------------------------------------------------------------------
def test_message_search_hit_shape(auth_client, user):
    convo = ConversationFactory(user=user, title="Trip plans", model="claude-sonnet-4")
    message = MessageFactory(
        conversation=convo,
        text="Book the <ryokan> in Kyoto",
        model="gpt-4o",
        is_created_by_user=True,
    )
    body = search(auth_client, "kyoto ryokan")
    assert body["nextCursor"] is None
    [hit] = body["messages"]
    assert hit["messageId"] == message.message_id
    assert hit["conversationId"] == convo.conversation_id
    assert hit["text"] == "Book the <ryokan> in Kyoto"
    assert hit["title"] == "Trip plans"
    assert hit["model"] == "claude-sonnet-4"  # the conversation's model, as in LibreChat
    assert hit["isCreatedByUser"] is True
    assert hit["searchResult"] == "Book the &lt;<mark>ryokan</mark>&gt; in <mark>Kyoto</mark>"


def test_message_search_is_ranked_and_paginated_by_cursor(auth_client, user):
    convo = ConversationFactory(user=user)
    now = timezone.now()
    for i in range(5):
        MessageFactory(conversation=convo, text=f"ferry {i}", updated_at=now - timedelta(hours=i))
    MessageFactory(
        conversation=convo, text="ferry ferry ferry timetable", updated_at=now - timedelta(days=9)
    )
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        params = {"pageSize": 2, **({"cursor": cursor} if cursor else {})}
        body = search(auth_client, "ferry ", **params)
        seen.extend(m["text"] for m in body["messages"])
        cursor = body["nextCursor"]
    assert cursor is None
    assert seen == [
        "ferry ferry ferry timetable", "ferry 0", "ferry 1", "ferry 2", "ferry 3", "ferry 4"
    ]  # fmt: skip


def test_cursor_is_bound_to_its_query(auth_client, user):
    convo = ConversationFactory(user=user)
    for i in range(3):
        MessageFactory(conversation=convo, text=f"gecko {i}")
    cursor = search(auth_client, "gecko", pageSize=1)["nextCursor"]
    assert cursor
    for params in ({"search": "gecko 1", "cursor": cursor}, {"search": "gecko", "cursor": "x"}):
        r = auth_client.get("/api/messages", params)
        assert r.status_code == 400
        assert r.json() == {"error": "Invalid cursor"}


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("a" * 513, "Search query is too long (at most 512 characters)"),
        ("--", "Search query has no searchable words"),
        ("& | !", "Search query has no searchable words"),
    ],
)
def test_bad_search_queries_are_400(auth_client, user, query, error):
    r = auth_client.get("/api/messages", {"search": query})
    assert r.status_code == 400
    assert r.json() == {"error": error}
    r = auth_client.get("/api/convos", {"search": query})
    assert r.status_code == 400
    assert r.json()["error"] == error


def test_nul_in_search_is_400_not_500(auth_client, user):
    for path in ("/api/messages?search=a%00b", "/api/convos?search=a%00b"):
        r = auth_client.get(path)
        assert r.status_code == 400
        assert "error" in r.json()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("a & b | !c", 200),
        ("b:* <-> c", 200),
        ("🎉", 200),
        ("x" * 512, 200),
        ("'", 400),
        ("\\", 400),
        (":*", 400),
        ("<->", 400),
    ],
)
def test_fuzzed_queries_answer_200_or_a_clean_400(auth_client, user, query, status):
    MessageFactory(conversation=ConversationFactory(user=user), text="a b c 🎉")
    r = auth_client.get("/api/messages", {"search": query})
    assert r.status_code == status
    if status == 400:
        assert r.json() == {"error": "Search query has no searchable words"}


def test_no_observable_difference_between_their_canary_and_none(auth_client, user, other_user):
    theirs = ConversationFactory(user=other_user, title="canary-b1 title")
    MessageFactory(conversation=theirs, text="canary-b1 secret")
    ConversationFactory(user=user, title="mine")
    for path in ("/api/messages", "/api/convos"):
        for archived in ("false", "true"):
            has = auth_client.get(path, {"search": "canary-b1", "isArchived": archived})
            none = auth_client.get(path, {"search": "canary-zz", "isArchived": archived})
            assert has.status_code == none.status_code == 200
            assert has.json() == none.json()


# --- GET /api/convos?search= ---------------------------------------------------------------------
def test_convo_search_matches_titles_and_message_text(auth_client, user):
    by_title = ConversationFactory(user=user, title="Sourdough schedule")
    by_text = ConversationFactory(user=user, title="Kitchen")
    MessageFactory(conversation=by_text, text="my sourdough starter died")
    ConversationFactory(user=user, title="Unrelated")
    assert set(convo_ids(auth_client, "sourdough")) == {
        by_title.conversation_id,
        by_text.conversation_id,
    }


def test_convo_search_combines_with_archive_and_tags(auth_client, user):
    archived = ConversationFactory(user=user, title="Visa paperwork", is_archived=True)
    tagged = ConversationFactory(user=user, title="Visa photos", tags=["travel"])
    ConversationFactory(user=user, title="Visa fees")
    assert convo_ids(auth_client, "visa", isArchived="true") == [archived.conversation_id]
    assert convo_ids(auth_client, "visa", tags="travel") == [tagged.conversation_id]
    assert len(convo_ids(auth_client, "visa")) == 2


# --- consistency through the API ----------------------------------------------------------------
def test_create_edit_delete_message_keep_search_exact(auth_client, user):
    convo = ConversationFactory(user=user)
    mid = str(uuid.uuid4())
    r = auth_client.post(
        f"/api/messages/{convo.conversation_id}",
        {
            "messageId": mid,
            "text": "",
            "content": [{"type": "text", "text": "llama husbandry"}],
            "isCreatedByUser": True,
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert [m["messageId"] for m in search(auth_client, "husbandry")["messages"]] == [mid]
    r = auth_client.put(
        f"/api/messages/{convo.conversation_id}/{mid}",
        {"text": "alpaca husbandry", "index": 0},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert texts(auth_client, "llama ") == []
    assert len(search(auth_client, "alpaca")["messages"]) == 1
    r = auth_client.delete(f"/api/messages/{convo.conversation_id}/{mid}")
    assert r.status_code == 204
    assert search(auth_client, "alpaca")["messages"] == []


def test_fork_and_duplicate_copies_are_searchable(auth_client, user):
    convo = ConversationFactory(user=user, title="Origin")
    message = MessageFactory(conversation=convo, text="quokka facts")
    r = auth_client.post(
        "/api/convos/duplicate", {"conversationId": convo.conversation_id}, format="json"
    )
    assert r.status_code == 201, r.json()
    r = auth_client.post(
        "/api/convos/fork",
        {"conversationId": convo.conversation_id, "messageId": message.message_id},
        format="json",
    )
    assert r.status_code == 200, r.json()
    hits = search(auth_client, "quokka")["messages"]
    assert len(hits) == 3
    assert len({hit["conversationId"] for hit in hits}) == 3
    assert len(convo_ids(auth_client, "quokka")) == 3


def test_import_is_searchable_when_it_commits(auth_client, user):
    export = {
        "conversationId": "imported-1",
        "title": "Imported wombats",
        "endpoint": "openAI",
        "recursive": False,
        "messages": [
            {
                "messageId": "i-1",
                "parentMessageId": "00000000-0000-0000-0000-000000000000",
                "text": "wombat burrows",
                "sender": "User",
                "isCreatedByUser": True,
            }
        ],
    }
    upload = SimpleUploadedFile("e.json", json.dumps(export).encode(), "application/json")
    r = auth_client.post("/api/convos/import", {"file": upload})
    assert r.status_code == 201, r.json()
    assert texts(auth_client, "wombat") == ["wombat burrows"]
    assert len(convo_ids(auth_client, "wombats")) == 1


def test_rename_delete_and_delete_all_keep_the_index_exact(auth_client, user):
    convo = ConversationFactory(user=user, title="Old name")
    MessageFactory(conversation=convo, text="narwhal tusk")
    other = ConversationFactory(user=user, title="Narwhal two")
    r = auth_client.post(
        "/api/convos/update",
        {"arg": {"conversationId": convo.conversation_id, "title": "Cetacean notes"}},
        format="json",
    )
    assert r.status_code in (200, 201), r.json()
    assert convo_ids(auth_client, "cetacean") == [convo.conversation_id]
    assert convo_ids(auth_client, "old name") == []
    r = auth_client.delete(
        "/api/convos", {"arg": {"conversationId": convo.conversation_id}}, format="json"
    )
    assert r.status_code in (200, 201), r.json()
    assert search(auth_client, "narwhal")["messages"] == []
    assert convo_ids(auth_client, "narwhal") == [other.conversation_id]
    r = auth_client.delete("/api/convos/all")
    assert r.status_code in (200, 201), r.json()
    assert convo_ids(auth_client, "narwhal") == []
    assert not SearchDocument.objects.filter(user=user).exists()

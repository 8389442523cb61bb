"""Conversations API: list, get, rename, archive, delete
(docs/api-behaviour.md#conversations-api)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from convos_app.models import Conversation
from messages_app.models import ContentPart, Feedback, Message
from tags_app.models import Tag, TaggedConversation
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    message_chain,
)

pytestmark = pytest.mark.django_db


def _convos(user, n, **kwargs):
    base = timezone.now() - timedelta(days=1)
    return [
        ConversationFactory(user=user, created_at=base + timedelta(seconds=i), **kwargs)
        for i in range(n)
    ]


# --- GET /api/convos ------------------------------------------------------------------------
def test_list_returns_seed_shape_newest_first_with_tags_and_archive_flag(auth_client, user):
    old = ConversationFactory(user=user, title="Old", created_at=timezone.now() - timedelta(1))
    new = ConversationFactory(user=user, title="New", tags=["ai", "work"])
    r = auth_client.get("/api/convos")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["nextCursor"] is None
    assert (body["pageNumber"], body["pageSize"], body["pages"]) == (1, 25, 1)
    assert [c["conversationId"] for c in body["conversations"]] == [
        new.conversation_id,
        old.conversation_id,
    ]
    first = body["conversations"][0]
    assert first["tags"] == ["ai", "work"]
    assert first["isArchived"] is False
    assert first["title"] == "New"
    assert first["endpoint"] == "openAI"


def test_list_hides_archived_and_temporary_and_other_users(auth_client, user, other_user):
    visible = ConversationFactory(user=user)
    archived = ConversationFactory(user=user, is_archived=True)
    ConversationFactory(user=user, is_temporary=True, expired_at=timezone.now())
    ConversationFactory(user=other_user)
    r = auth_client.get("/api/convos")
    assert [c["conversationId"] for c in r.json()["conversations"]] == [visible.conversation_id]
    r = auth_client.get("/api/convos?isArchived=true")
    assert [c["conversationId"] for c in r.json()["conversations"]] == [archived.conversation_id]


def test_list_pages_with_cursor_without_loss_or_repeat_on_equal_timestamps(auth_client, user):
    same = timezone.now()
    ids = {
        ConversationFactory(user=user, created_at=same, updated_at=same).conversation_id
        for _ in range(30)
    }
    first = auth_client.get("/api/convos?limit=25").json()
    assert len(first["conversations"]) == 25 and first["nextCursor"]
    assert first["pages"] == 2
    second = auth_client.get(f"/api/convos?limit=25&cursor={first['nextCursor']}").json()
    assert len(second["conversations"]) == 5 and second["nextCursor"] is None
    assert second["pageNumber"] == 2
    seen = [c["conversationId"] for c in first["conversations"] + second["conversations"]]
    assert len(seen) == len(set(seen)) == 30 and set(seen) == ids


@pytest.mark.parametrize("sort_by", ["updatedAt", "createdAt", "title"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_list_sorts_by_each_field_and_pages_consistently(auth_client, user, sort_by, direction):
    rows = _convos(user, 7)
    for i, row in enumerate(rows):
        Conversation.objects.filter(pk=row.pk).update(title=f"t{i % 3}")
    collected, cursor = [], ""
    while True:
        url = f"/api/convos?limit=3&sortBy={sort_by}&sortDirection={direction}"
        body = auth_client.get(url + (f"&cursor={cursor}" if cursor else "")).json()
        collected += body["conversations"]
        cursor = body["nextCursor"]
        if not cursor:
            break
    field = {"updatedAt": "updated_at", "createdAt": "created_at", "title": "title"}[sort_by]
    expected = Conversation.objects.filter(user=user).order_by(
        *((f"-{field}", "-pk") if direction == "desc" else (field, "pk"))
    )
    assert [c["conversationId"] for c in collected] == [c.conversation_id for c in expected]


def test_list_filters_by_any_of_the_tags(auth_client, user):
    a = ConversationFactory(user=user, tags=["a"])
    both = ConversationFactory(user=user, tags=["a", "b"])
    ConversationFactory(user=user, tags=["c"])
    r = auth_client.get("/api/convos?tags=a&tags=b")
    ids = sorted(c["conversationId"] for c in r.json()["conversations"])
    assert ids == sorted([a.conversation_id, both.conversation_id])
    r = auth_client.get("/api/convos?tags[]=b")
    assert [c["conversationId"] for c in r.json()["conversations"]] == [both.conversation_id]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("sortBy=foo", "sortBy must be one of: updatedAt, createdAt, title, archivedAt"),
        ("sortBy=password", "sortBy must be one of: updatedAt, createdAt, title, archivedAt"),
        ("sortDirection=up", "sortDirection must be one of: asc, desc"),
        ("limit=0", "limit must be a positive integer"),
        ("limit=abc", "limit must be a positive integer"),
        ("isArchived=maybe", "isArchived must be true or false"),
        ("cursor=garbage", "Invalid cursor"),
        ("search=--", "Search query has no searchable words"),
        ("tags=%00", "Text must not contain NUL characters"),
    ],
)
def test_list_rejects_bad_query_with_400(auth_client, user, query, error):
    r = auth_client.get(f"/api/convos?{query}")
    assert r.status_code == 400, r.json()
    assert r.json()["error"] == error


def test_list_clamps_limit_to_100(auth_client, user):
    assert auth_client.get("/api/convos?limit=1000").json()["pageSize"] == 100


def test_list_cursor_of_another_ordering_is_refused(auth_client, user):
    _convos(user, 3)
    cursor = auth_client.get("/api/convos?limit=1").json()["nextCursor"]
    r = auth_client.get(f"/api/convos?limit=1&sortBy=title&cursor={cursor}")
    assert r.status_code == 400 and r.json() == {"error": "Invalid cursor"}


def test_list_query_count_is_the_same_on_page_one_and_a_deep_page(
    auth_from_database, auth_client, user
):
    _convos(user, 12)
    for i, convo in enumerate(Conversation.objects.filter(user=user)):
        TaggedConversation.objects.create(
            tag=Tag.objects.get_or_create(user=user, name=f"t{i % 2}")[0], conversation=convo
        )
    with CaptureQueriesContext(connection) as capture:
        body = auth_client.get("/api/convos?limit=2").json()
    # Read now: a capture's list is a slice of the connection's log, which later requests reset.
    page_one = [q["sql"] for q in capture]
    cursor = body["nextCursor"]
    for _ in range(3):
        cursor = auth_client.get(f"/api/convos?limit=2&cursor={cursor}").json()["nextCursor"]
    with CaptureQueriesContext(connection) as deep:
        auth_client.get(f"/api/convos?limit=2&cursor={cursor}")
    # Page 1: auth user lookup + one page SELECT (tags via an array subquery) + the COUNT for
    # ``pages``; a deep page carries ``pages`` in its cursor and counts nothing.
    assert len(page_one) == 3, page_one
    assert len(deep) == 2, [q["sql"] for q in deep]


def test_list_pages_is_counted_on_page_one_and_carried_by_the_cursor(auth_client, user):
    _convos(user, 5)
    first = auth_client.get("/api/convos?limit=2").json()
    assert (first["pageNumber"], first["pages"]) == (1, 3)
    _convos(user, 4)  # later rows do not change the count the cursor carries
    second = auth_client.get(f"/api/convos?limit=2&cursor={first['nextCursor']}").json()
    assert (second["pageNumber"], second["pages"]) == (2, 3)
    third = auth_client.get(f"/api/convos?limit=2&cursor={second['nextCursor']}").json()
    assert (third["pageNumber"], third["pages"]) == (3, 3)


def test_list_single_page_counts_its_rows_without_a_count_query(
    auth_from_database, auth_client, user, django_assert_num_queries
):
    _convos(user, 3)
    with django_assert_num_queries(2):  # auth user lookup + the page SELECT
        body = auth_client.get("/api/convos?limit=5").json()
    assert (body["pageNumber"], body["pageSize"], body["pages"], body["nextCursor"]) == (
        1,
        5,
        1,
        None,
    )
    with django_assert_num_queries(2):
        empty = auth_client.get("/api/convos?isArchived=true").json()
    assert (empty["conversations"], empty["pages"]) == ([], 0)


def test_list_and_get_items_are_the_whole_item_shape(auth_client, user):
    created = datetime(2024, 5, 29, 0, 33, 3, 661987, tzinfo=UTC)
    updated = datetime(2024, 5, 30, 1, 2, 3, tzinfo=UTC)
    convo = ConversationFactory(
        user=user,
        title="Ünïcode “title”",
        tags=["b", "a"],
        created_at=created,
        updated_at=updated,
        files=[{"file_id": "f1"}],
        settings={"temperature": 0.5, "promptPrefix": "Be brief", "notAKey": 1},
    )
    expected = {
        "conversationId": convo.conversation_id,
        "title": "Ünïcode “title”",
        "user": str(user.pk),
        "endpoint": convo.endpoint,
        "endpointType": convo.endpoint_type,
        "model": convo.model,
        "agent_id": None,
        "assistant_id": None,
        "spec": None,
        "iconURL": None,
        "isArchived": False,
        "archivedAt": None,
        "pinned": False,
        "projectId": None,
        "chatProjectId": None,
        "isTemporary": False,
        "expiredAt": None,
        "files": [{"file_id": "f1"}],
        "tags": ["b", "a"],
        "isShared": False,
        # Milliseconds always, cut (not rounded), even on a whole second.
        "createdAt": "2024-05-29T00:33:03.661Z",
        "updatedAt": "2024-05-30T01:02:03.000Z",
        "promptPrefix": "Be brief",
        "temperature": 0.5,
    }
    listed = auth_client.get("/api/convos")
    assert listed.status_code == 200, listed.json()
    assert listed.json()["conversations"] == [expected]
    got = auth_client.get(f"/api/convos/{convo.conversation_id}")
    assert got.status_code == 200, got.json()
    # The single read adds the ledger totals (docs/api-behaviour.md#conversation-usage).
    with_usage = {**expected, "usage": {"inputTokens": 0, "outputTokens": 0, "cost": 0.0}}
    assert got.json() == with_usage
    assert list(got.json()) == list(with_usage)  # key order too


def test_list_requires_authentication(api_client, db):
    r = api_client.get("/api/convos")
    assert r.status_code == 401 and r.json()["error"] == "Unauthorized"


# --- GET /api/convos/:id --------------------------------------------------------------------
def test_get_returns_all_fields_including_settings(auth_client, user):
    convo = ConversationFactory(
        user=user, title="T", tags=["x"], settings={"temperature": 0.2, "modelLabel": "GPT"}
    )
    r = auth_client.get(f"/api/convos/{convo.conversation_id}")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["conversationId"] == convo.conversation_id
    assert body["tags"] == ["x"]
    assert body["temperature"] == 0.2 and body["modelLabel"] == "GPT"
    assert body["isArchived"] is False
    assert body["user"] == str(user.pk)


def test_get_unknown_or_foreign_is_404(auth_client, other_user):
    foreign = ConversationFactory(user=other_user)
    for cid in ("nope", foreign.conversation_id):
        r = auth_client.get(f"/api/convos/{cid}")
        assert r.status_code == 404 and r.json() == {"error": "Conversation not found"}


def test_fixed_paths_are_not_swallowed_by_the_detail_route(auth_client, user):
    assert auth_client.get("/api/convos/fork").status_code == 405
    assert auth_client.get("/api/convos/all").status_code == 405


# --- POST /api/convos/update ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"arg": {"title": "x"}}, "conversationId is required"),
        ({"arg": {"conversationId": "c"}}, "title is required"),
        ({"arg": {"conversationId": "c", "title": 123}}, "title must be a string"),
        ({"arg": {"conversationId": "c", "title": None}}, "title must be a string"),
        ({}, "arg is required"),
        ({"arg": "x"}, "arg must be an object"),
        ([1], "Request body must be a JSON object"),
    ],
)
def test_update_validation_errors(auth_client, user, body, error):
    r = auth_client.post("/api/convos/update", body, format="json")
    assert r.status_code == 400, r.json()
    assert r.json()["error"] == error


def test_update_trims_then_cuts_to_1024(auth_client, user):
    convo = ConversationFactory(user=user)
    title = "  " + "a" * 2000 + "  "
    r = auth_client.post(
        "/api/convos/update",
        {"arg": {"conversationId": convo.conversation_id, "title": title}},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["title"] == "a" * 1024
    convo.refresh_from_db()
    assert convo.title == "a" * 1024


def test_update_unknown_or_foreign_is_404_and_nothing_changes(auth_client, other_user):
    foreign = ConversationFactory(user=other_user, title="Mine")
    for cid in ("nope", foreign.conversation_id):
        r = auth_client.post(
            "/api/convos/update", {"arg": {"conversationId": cid, "title": "x"}}, format="json"
        )
        assert r.status_code == 404 and r.json() == {"error": "Conversation not found"}
    foreign.refresh_from_db()
    assert foreign.title == "Mine"
    assert Conversation.objects.filter(conversation_id="nope").count() == 0


# --- POST /api/convos/archive -----------------------------------------------------------------
def test_archive_requires_a_real_boolean(auth_client, user):
    convo = ConversationFactory(user=user)
    r = auth_client.post(
        "/api/convos/archive",
        {"arg": {"conversationId": convo.conversation_id, "isArchived": "true"}},
        format="json",
    )
    assert r.status_code == 400 and r.json()["error"] == "isArchived must be a boolean"
    r = auth_client.post(
        "/api/convos/archive", {"arg": {"conversationId": convo.conversation_id}}, format="json"
    )
    assert r.status_code == 400 and r.json()["error"] == "isArchived is required"


def test_archive_then_unarchive(auth_client, user):
    convo = ConversationFactory(user=user)
    for flag in (True, False):
        r = auth_client.post(
            "/api/convos/archive",
            {"arg": {"conversationId": convo.conversation_id, "isArchived": flag}},
            format="json",
        )
        assert r.status_code == 200, r.json()
        assert r.json()["isArchived"] is flag
        convo.refresh_from_db()
        assert convo.is_archived is flag


def test_archive_foreign_is_404(auth_client, other_user):
    foreign = ConversationFactory(user=other_user)
    r = auth_client.post(
        "/api/convos/archive",
        {"arg": {"conversationId": foreign.conversation_id, "isArchived": True}},
        format="json",
    )
    assert r.status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_archived is False


# --- DELETE /api/convos and /api/convos/all -----------------------------------------------------
def _full_convo(user, tags=()):
    convo = ConversationFactory(user=user, tags=list(tags))
    messages = message_chain(convo, 3)
    ContentPartFactory(message=messages[1], index=0)
    FeedbackFactory(message=messages[1])
    return convo


def test_delete_one_removes_messages_parts_feedback_links_and_counts(auth_client, user):
    convo = _full_convo(user, tags=["keep", "gone"])
    other = _full_convo(user, tags=["keep"])
    r = auth_client.delete(
        "/api/convos", {"arg": {"conversationId": convo.conversation_id}}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json() == {"acknowledged": True, "deletedCount": 1, "messages": {"deletedCount": 3}}
    assert not Conversation.objects.filter(pk=convo.pk).exists()
    assert Message.objects.filter(conversation=other).count() == 3
    assert Message.objects.count() == 3
    assert ContentPart.objects.count() == 1 and Feedback.objects.count() == 1
    counts = dict(Tag.objects.filter(user=user).values_list("name", "count"))
    assert counts == {"keep": 1, "gone": 0}
    r = auth_client.delete(
        "/api/convos", {"arg": {"conversationId": convo.conversation_id}}, format="json"
    )
    assert r.status_code == 404 and r.json() == {"error": "Conversation not found"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"arg": {}}, "conversationId is required"),
        ({"arg": {"source": "button"}}, "conversationId is required"),
        ({"arg": {"thread_id": "t", "endpoint": "assistants"}}, "conversationId is required"),
        ({}, "arg is required"),
        (None, "arg is required"),
    ],
)
def test_delete_without_conversation_id_is_400_and_deletes_nothing(auth_client, user, body, error):
    ConversationFactory(user=user)
    r = auth_client.delete("/api/convos", body, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["error"] == error
    assert Conversation.objects.filter(user=user).count() == 1


def test_delete_foreign_is_404_and_nothing_changes(auth_client, other_user):
    foreign = _full_convo(other_user)
    r = auth_client.delete(
        "/api/convos", {"arg": {"conversationId": foreign.conversation_id}}, format="json"
    )
    assert r.status_code == 404
    assert Message.objects.filter(conversation=foreign).count() == 3


def test_delete_all_removes_only_the_users_data(auth_client, user, other_user):
    _full_convo(user, tags=["a"])
    _full_convo(user, tags=["a"])
    theirs = _full_convo(other_user, tags=["a"])
    r = auth_client.delete("/api/convos/all")
    assert r.status_code == 200, r.json()
    assert r.json() == {"acknowledged": True, "deletedCount": 2, "messages": {"deletedCount": 6}}
    assert list(Conversation.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert Tag.objects.get(user=user, name="a").count == 0
    assert Tag.objects.get(user=other_user, name="a").count == 1
    r = auth_client.delete("/api/convos/all")
    assert r.json() == {"acknowledged": True, "deletedCount": 0, "messages": {"deletedCount": 0}}


def test_delete_runs_a_bounded_number_of_statements(auth_client, user):
    convo = ConversationFactory(user=user, tags=["a"])
    message_chain(convo, 40)
    with CaptureQueriesContext(connection) as ctx:
        r = auth_client.delete(
            "/api/convos", {"arg": {"conversationId": convo.conversation_id}}, format="json"
        )
    assert r.json()["messages"]["deletedCount"] == 40
    assert len(ctx) <= 14, [q["sql"] for q in ctx]

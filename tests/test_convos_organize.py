"""Pin, archive-all and bulk actions (docs/api-behaviour.md#pin-and-archive,
docs/api-behaviour.md#bulk-actions)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chatcore.search.models import SearchDocument
from convos_app.models import Conversation, Project
from messages_app.models import Message
from tags_app.models import Tag, TaggedConversation
from tests.factories import ConversationFactory, message_chain

pytestmark = pytest.mark.django_db


def _old(user, n=1, **kwargs):
    base = timezone.now() - timedelta(days=3)
    return [
        ConversationFactory(user=user, created_at=base + timedelta(minutes=i), **kwargs)
        for i in range(n)
    ]


def _pin(client, conversation_id, pinned):
    return client.post(
        "/api/convos/pin",
        {"arg": {"conversationId": conversation_id, "pinned": pinned}},
        format="json",
    )


def _bulk(client, **body):
    return client.post("/api/convos/bulk", body, format="json")


# --- Pin ------------------------------------------------------------------------------------------
def test_pin_sets_the_flag_without_moving_updated_at(auth_client, user):
    (convo,) = _old(user)
    r = _pin(auth_client, convo.conversation_id, True)
    assert r.status_code == 200, r.json()
    assert r.json()["pinned"] is True
    stored = Conversation.objects.get(pk=convo.pk)
    assert stored.pinned is True and stored.updated_at == convo.updated_at
    assert _pin(auth_client, convo.conversation_id, False).json()["pinned"] is False


@pytest.mark.parametrize("pinned", ["true", 1, None])
def test_pin_is_boolean_only(auth_client, user, pinned):
    (convo,) = _old(user)
    r = _pin(auth_client, convo.conversation_id, pinned)
    assert r.status_code == 400
    assert r.json()["error"] == "pinned must be a boolean"
    assert Conversation.objects.get(pk=convo.pk).pinned is False


def test_pin_of_an_unknown_or_foreign_conversation_is_a_404(auth_client, other_user):
    (theirs,) = _old(other_user)
    for conversation_id in (theirs.conversation_id, "nope"):
        r = _pin(auth_client, conversation_id, True)
        assert r.status_code == 404 and r.json() == {"error": "Conversation not found"}
    assert Conversation.objects.get(pk=theirs.pk).pinned is False


# --- Archive ----------------------------------------------------------------------------------
def _archive(client, conversation_id, value):
    return client.post(
        "/api/convos/archive",
        {"arg": {"conversationId": conversation_id, "isArchived": value}},
        format="json",
    )


def test_archive_stamps_archived_at_once_and_unarchive_clears_it(auth_client, user):
    (convo,) = _old(user)
    first = _archive(auth_client, convo.conversation_id, True).json()["archivedAt"]
    assert first is not None
    again = _archive(auth_client, convo.conversation_id, True).json()["archivedAt"]
    assert again == first
    assert _archive(auth_client, convo.conversation_id, False).json()["archivedAt"] is None


def test_archive_all_sweeps_with_one_timestamp(auth_client, user, other_user):
    mine = _old(user, 3)
    (already,) = _old(user, is_archived=True, archived_at=timezone.now() - timedelta(days=9))
    ConversationFactory(user=user, is_temporary=True, expired_at=timezone.now() + timedelta(1))
    (theirs,) = _old(other_user)
    r = auth_client.post("/api/convos/archive/all", {}, format="json")
    assert r.status_code == 200
    assert r.json() == {"archivedCount": 3}
    stamps = set(
        Conversation.objects.filter(pk__in=[c.pk for c in mine]).values_list(
            "archived_at", flat=True
        )
    )
    assert len(stamps) == 1 and None not in stamps
    assert Conversation.objects.get(pk=already.pk).archived_at == already.archived_at
    assert Conversation.objects.get(pk=theirs.pk).is_archived is False
    assert auth_client.post("/api/convos/archive/all").json() == {"archivedCount": 0}


# --- Bulk -------------------------------------------------------------------------------------
def test_bulk_by_ids_reports_each_id_and_hides_foreign_ones(auth_client, user, other_user):
    a, b = _old(user, 2)
    (theirs,) = _old(other_user)
    _pin(auth_client, b.conversation_id, True)
    ids = [a.conversation_id, b.conversation_id, theirs.conversation_id, "never-existed"]
    r = _bulk(auth_client, action="pin", conversationIds=ids)
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "matched": 2,
        "changed": 1,
        "results": [
            {"conversationId": a.conversation_id, "status": "changed"},
            {"conversationId": b.conversation_id, "status": "unchanged"},
            {"conversationId": theirs.conversation_id, "status": "not_found"},
            {"conversationId": "never-existed", "status": "not_found"},
        ],
    }
    assert Conversation.objects.get(pk=theirs.pk).pinned is False
    assert Conversation.objects.get(pk=a.pk).updated_at == a.updated_at


def test_bulk_dry_run_counts_and_changes_nothing(auth_client, user):
    convos = _old(user, 4)
    for convo in convos:
        message_chain(convo, 2)
    ids = [c.conversation_id for c in convos]
    for action in ("archive", "delete", "tag"):
        body = {"action": action, "conversationIds": ids, "dryRun": True}
        if action == "tag":
            body["tag"] = "later"
        r = _bulk(auth_client, **body)
        assert r.status_code == 200, r.json()
        assert (r.json()["matched"], r.json()["changed"]) == (4, 4)
    assert Conversation.objects.filter(user=user, is_archived=False).count() == 4
    assert Message.objects.filter(user=user).count() == 8
    assert not Tag.objects.filter(user=user).exists()


def test_bulk_by_filter_archives_what_the_list_shows(auth_client, user):
    tagged = _old(user, 3)
    for convo in tagged:
        auth_client.post(f"/api/tags/convo/{convo.conversation_id}", {"tag": "old"}, format="json")
    (untouched,) = _old(user)
    r = _bulk(auth_client, action="archive", filter={"tags": ["old"]})
    assert r.status_code == 200, r.json()
    assert r.json() == {"matched": 3, "changed": 3}
    assert set(Conversation.objects.filter(is_archived=True).values_list("pk", flat=True)) == {
        c.pk for c in tagged
    }
    assert Conversation.objects.get(pk=untouched.pk).is_archived is False
    listed = auth_client.get("/api/convos").json()["conversations"]
    assert [c["conversationId"] for c in listed] == [untouched.conversation_id]


def test_bulk_tag_and_untag_keep_counts_and_search_exact(auth_client, user):
    convos = _old(user, 3)
    ids = [c.conversation_id for c in convos]
    auth_client.post(f"/api/tags/convo/{ids[0]}", {"tag": "focus"}, format="json")
    r = _bulk(auth_client, action="tag", tag="focus", conversationIds=ids)
    assert (r.json()["matched"], r.json()["changed"]) == (3, 2)
    tag = Tag.objects.get(user=user, name="focus")
    assert tag.count == 3 == TaggedConversation.objects.filter(tag=tag).count()
    docs = SearchDocument.objects.filter(group_id__in=[c.pk for c in convos])
    assert docs.exists()
    r = _bulk(auth_client, action="untag", tag="focus", conversationIds=ids[:2])
    assert r.json()["changed"] == 2
    tag.refresh_from_db()
    assert tag.count == 1 == TaggedConversation.objects.filter(tag=tag).count()


def test_bulk_move_and_delete_keep_project_counts_exact(auth_client, user):
    work = auth_client.post("/api/projects", {"name": "Work"}, format="json").json()
    convos = _old(user, 5)
    for convo in convos:
        message_chain(convo, 2)
    ids = [c.conversation_id for c in convos]
    r = _bulk(auth_client, action="move", projectId=work["_id"], conversationIds=ids)
    assert r.json()["changed"] == 5
    project = Project.objects.get(project_id=work["_id"])
    assert project.conversation_count == 5
    r = _bulk(auth_client, action="delete", conversationIds=ids[:2])
    assert r.json()["changed"] == 2
    project.refresh_from_db()
    assert project.conversation_count == 3
    assert Message.objects.filter(user=user).count() == 6
    r = _bulk(auth_client, action="move", projectId=None, filter={"projectId": work["_id"]})
    assert (r.json()["matched"], r.json()["changed"]) == (3, 3)
    project.refresh_from_db()
    assert (project.conversation_count, project.last_conversation_id) == (0, None)


def test_bulk_move_to_a_foreign_project_is_a_404_and_changes_nothing(
    auth_client, other_client, user
):
    theirs = other_client.post("/api/projects", {"name": "Theirs"}, format="json").json()
    (convo,) = _old(user)
    r = _bulk(
        auth_client, action="move", projectId=theirs["_id"], conversationIds=[convo.conversation_id]
    )
    assert r.status_code == 404 and r.json() == {"error": "Project not found"}
    assert Conversation.objects.get(pk=convo.pk).project_id is None


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"conversationIds": ["a"]}, "action is required"),
        ({"action": "explode", "conversationIds": ["a"]}, "action must be one of"),
        ({"action": "pin"}, "Give exactly one of conversationIds or filter"),
        ({"action": "pin", "conversationIds": ["a"], "filter": {}}, "Give exactly one"),
        ({"action": "pin", "conversationIds": []}, "conversationIds must not be empty"),
        ({"action": "pin", "conversationIds": ["x"] * 1001}, "conversationIds may name at most"),
        ({"action": "move", "conversationIds": ["a"]}, "projectId is required for move"),
        ({"action": "tag", "conversationIds": ["a"]}, "tag is required for tag"),
        ({"action": "pin", "conversationIds": ["a"], "dryRun": "yes"}, "dryRun must be a boolean"),
        ({"action": "pin", "filter": {"pinned": "x"}}, "filter.pinned must be a boolean"),
        ({"action": "pin", "filter": {"archived": True}}, "Unknown filter: archived"),
    ],
)
def test_bulk_refuses_bad_input(auth_client, user, body, error):
    (convo,) = _old(user)
    r = _bulk(auth_client, **body)
    assert r.status_code == 400, r.json()
    assert error in r.json()["error"]
    assert Conversation.objects.get(pk=convo.pk).pinned is False


# --- Keyset over every sort and filter ------------------------------------------------------
@pytest.mark.parametrize("sort_by", ["updatedAt", "createdAt", "title", "archivedAt"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"pinned": "true"},
        {"projectId": "P"},
        {"projectId": "unassigned"},
        {"isArchived": "true"},
    ],
)
def test_cursor_pages_lose_and_repeat_nothing_when_sort_values_tie(
    auth_client, user, sort_by, direction, query
):
    work = Project.objects.create(
        user=user, name="Work", created_at=timezone.now(), updated_at=timezone.now()
    )
    same = timezone.now() - timedelta(days=1)
    convos = [
        ConversationFactory(
            user=user,
            title="Same",
            created_at=same,
            updated_at=same,
            pinned=i % 2 == 0,
            is_archived=i % 3 == 0,
            archived_at=same if i % 3 == 0 and i % 2 else None,
            project=work if i % 4 else None,
        )
        for i in range(13)
    ]
    params = dict(query)
    if params.get("projectId") == "P":
        params["projectId"] = work.project_id
    expected = Conversation.objects.filter(
        user=user,
        is_archived=params.get("isArchived") == "true",
        **({"pinned": True} if "pinned" in params else {}),
        **(
            {"project__isnull": True}
            if params.get("projectId") == "unassigned"
            else {"project": work}
            if "projectId" in params
            else {}
        ),
    )
    seen: list[str] = []
    cursor = None
    while True:
        page = {**params, "limit": 2, "sortBy": sort_by, "sortDirection": direction}
        if cursor:
            page["cursor"] = cursor
        r = auth_client.get("/api/convos", page)
        assert r.status_code == 200, r.json()
        seen += [c["conversationId"] for c in r.json()["conversations"]]
        cursor = r.json()["nextCursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen))
    assert set(seen) == {c.conversation_id for c in expected}
    del convos

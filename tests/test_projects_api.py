"""Projects API and the exact project counts (docs/api-behaviour.md#projects)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from convos_app.models import Conversation, Project
from tests.factories import ConversationFactory, message_chain

pytestmark = pytest.mark.django_db


def _project(client, name="Work", **extra):
    r = client.post("/api/projects", {"name": name, **extra}, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def _assign(client, conversation_id, project_id):
    return client.put(
        f"/api/projects/conversations/{conversation_id}", {"projectId": project_id}, format="json"
    )


def _counts(project_id):
    project = Project.objects.get(project_id=project_id)
    return project.conversation_count, project.last_conversation_id


# --- CRUD ---------------------------------------------------------------------------------------
def test_create_returns_the_client_shape(auth_client, user):
    body = _project(auth_client, "  Research  ", description="Papers")
    assert body["name"] == "Research"
    assert body["description"] == "Papers"
    assert body["user"] == str(user.pk)
    assert body["conversationCount"] == 0
    assert body["lastConversationAt"] is None and body["lastConversationId"] is None
    assert body["createdAt"].endswith("Z") and body["_id"]
    assert auth_client.get(f"/api/projects/{body['_id']}").json() == body


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({}, "name is required"),
        ({"name": "   "}, "name must not be empty"),
        ({"name": 5}, "name must be a string"),
        ({"name": "x" * 101}, "name must be at most 100 characters"),
        ({"name": "ok", "description": "d" * 1001}, "description must be at most 1000 characters"),
        ({"name": "ok", "colour": "red"}, "Unknown field: colour"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(auth_client, payload, error):
    r = auth_client.post("/api/projects", payload, format="json")
    assert r.status_code == 400
    assert r.json()["error"].startswith(error)
    assert not Project.objects.exists()


def test_duplicate_name_is_a_409_in_any_case_but_other_users_may_reuse_it(
    auth_client, other_client
):
    _project(auth_client, "Work")
    r = auth_client.post("/api/projects", {"name": "work"}, format="json")
    assert r.status_code == 409
    assert r.json() == {"error": "A project with this name already exists"}
    assert other_client.post("/api/projects", {"name": "Work"}, format="json").status_code == 201
    renamed = _project(auth_client, "Home")
    r = auth_client.patch(f"/api/projects/{renamed['_id']}", {"name": "WORK"}, format="json")
    assert r.status_code == 409
    assert Project.objects.get(project_id=renamed["_id"]).name == "Home"


def test_patch_updates_name_and_description(auth_client):
    project = _project(auth_client, "Work")
    r = auth_client.patch(
        f"/api/projects/{project['_id']}", {"description": "Office"}, format="json"
    )
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["description"]) == ("Work", "Office")
    assert r.json()["updatedAt"] >= project["updatedAt"]


def test_another_users_project_is_a_404_on_every_route(auth_client, other_client, user):
    theirs = _project(other_client, "Secret")
    mine = ConversationFactory(user=user)
    for response in (
        auth_client.get(f"/api/projects/{theirs['_id']}"),
        auth_client.patch(f"/api/projects/{theirs['_id']}", {"name": "x"}, format="json"),
        auth_client.delete(f"/api/projects/{theirs['_id']}"),
        _assign(auth_client, mine.conversation_id, theirs["_id"]),
        auth_client.get("/api/projects/no-such-project"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": "Project not found"}
    assert Project.objects.get(project_id=theirs["_id"]).name == "Secret"
    assert Conversation.objects.get(pk=mine.pk).project_id is None
    assert auth_client.get("/api/projects").json() == {"projects": [], "nextCursor": None}


def test_list_sorts_searches_and_pages_without_loss(auth_client):
    ids = [_project(auth_client, f"Project {i:02d}")["_id"] for i in range(7)]
    seen = []
    cursor = None
    while True:
        params = {"limit": 3, "sortBy": "name", "sortDirection": "asc"}
        if cursor:
            params["cursor"] = cursor
        body = auth_client.get("/api/projects", params).json()
        seen += [p["_id"] for p in body["projects"]]
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert seen == ids
    found = auth_client.get("/api/projects", {"search": "project 0"}).json()["projects"]
    assert len(found) == 7
    found = auth_client.get("/api/projects", {"search": "03"}).json()["projects"]
    assert [p["name"] for p in found] == ["Project 03"]
    r = auth_client.get("/api/projects", {"sortBy": "size"})
    assert r.status_code == 400


def test_list_by_last_conversation_puts_recent_activity_first(auth_client, user):
    old = _project(auth_client, "Old")
    new = _project(auth_client, "New")
    recent = ConversationFactory(user=user)
    _assign(auth_client, recent.conversation_id, old["_id"])
    order = [p["name"] for p in auth_client.get("/api/projects").json()["projects"]]
    assert order == ["Old", "New"]  # Old holds the most recent conversation
    del new


# --- Assignment and exact counts -------------------------------------------------------------
def test_assign_moves_and_counts_and_keeps_updated_at(auth_client, user):
    work = _project(auth_client, "Work")
    home = _project(auth_client, "Home")
    base = timezone.now() - timedelta(days=2)
    a = ConversationFactory(user=user, created_at=base)
    b = ConversationFactory(user=user, created_at=base + timedelta(hours=1))
    r = _assign(auth_client, a.conversation_id, work["_id"])
    assert r.status_code == 200
    body = r.json()
    assert (body["previousProjectId"], body["projectId"]) == (None, work["_id"])
    assert body["conversation"]["projectId"] == work["_id"]
    assert (
        body["conversation"]["updatedAt"]
        == auth_client.get(f"/api/convos/{a.conversation_id}").json()["updatedAt"]
    )
    assert Conversation.objects.get(pk=a.pk).updated_at == a.updated_at
    _assign(auth_client, b.conversation_id, work["_id"])
    assert _counts(work["_id"]) == (2, b.conversation_id)
    r = _assign(auth_client, b.conversation_id, home["_id"])
    assert r.json()["previousProjectId"] == work["_id"]
    assert _counts(work["_id"]) == (1, a.conversation_id)
    assert _counts(home["_id"]) == (1, b.conversation_id)
    _assign(auth_client, b.conversation_id, None)
    assert _counts(home["_id"]) == (0, None)
    listed = auth_client.get(f"/api/projects/{work['_id']}").json()
    assert listed["conversationCount"] == 1
    assert listed["lastConversationAt"].startswith(a.updated_at.strftime("%Y-%m-%dT%H:%M"))


def test_assign_validates_the_body_and_the_conversation(auth_client, other_user):
    work = _project(auth_client, "Work")
    theirs = ConversationFactory(user=other_user)
    r = _assign(auth_client, theirs.conversation_id, work["_id"])
    assert r.status_code == 404 and r.json() == {"error": "Conversation not found"}
    r = auth_client.put(f"/api/projects/conversations/{theirs.conversation_id}", {}, format="json")
    assert r.status_code == 400 and r.json()["error"] == "projectId is required"
    assert _counts(work["_id"]) == (0, None)
    assert Conversation.objects.get(pk=theirs.pk).project_id is None


def test_a_new_message_moves_last_conversation(auth_client, user):
    work = _project(auth_client, "Work")
    base = timezone.now() - timedelta(days=1)
    a = ConversationFactory(user=user, created_at=base)
    b = ConversationFactory(user=user, created_at=base + timedelta(minutes=1))
    _assign(auth_client, a.conversation_id, work["_id"])
    _assign(auth_client, b.conversation_id, work["_id"])
    assert _counts(work["_id"]) == (2, b.conversation_id)
    r = auth_client.post(
        f"/api/messages/{a.conversation_id}",
        {"messageId": "a3d1c0de-0000-4000-8000-000000000001", "text": "again"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert _counts(work["_id"]) == (2, a.conversation_id)


def test_delete_paths_keep_counts_exact(auth_client, user):
    work = _project(auth_client, "Work")
    convos = [ConversationFactory(user=user) for _ in range(4)]
    for convo in convos:
        message_chain(convo, 2)
        _assign(auth_client, convo.conversation_id, work["_id"])
    assert _counts(work["_id"])[0] == 4
    r = auth_client.delete(
        "/api/convos", {"arg": {"conversationId": convos[0].conversation_id}}, format="json"
    )
    assert r.status_code == 200
    assert _counts(work["_id"])[0] == 3
    r = auth_client.delete("/api/convos/all")
    assert r.status_code == 200
    assert _counts(work["_id"]) == (0, None)


def test_deleting_a_project_unassigns_its_conversations(auth_client, user):
    work = _project(auth_client, "Work")
    convos = [ConversationFactory(user=user) for _ in range(3)]
    for convo in convos:
        _assign(auth_client, convo.conversation_id, work["_id"])
    r = auth_client.delete(f"/api/projects/{work['_id']}")
    assert r.status_code == 200
    assert r.json() == {"deletedCount": 1, "modifiedCount": 3}
    assert Conversation.objects.filter(user=user, project__isnull=True).count() == 3
    assert auth_client.get(f"/api/projects/{work['_id']}").status_code == 404


def test_user_deletion_takes_projects_with_it(user):
    Project.objects.create(
        user=user, name="Work", created_at=timezone.now(), updated_at=timezone.now()
    )
    user.delete()
    assert not Project.objects.exists()


def test_listing_by_another_users_project_matches_nothing(auth_client, other_client, user):
    theirs = _project(other_client, "Theirs")
    ConversationFactory(user=user)
    r = auth_client.get("/api/convos", {"projectId": theirs["_id"]})
    assert r.status_code == 200
    assert r.json()["conversations"] == []
    assert auth_client.get("/api/convos", {"projectId": "no-such"}).json()["conversations"] == []


def test_fork_and_duplicate_land_in_the_same_project_and_count(auth_client, user):
    work = _project(auth_client, "Work")
    convo = ConversationFactory(user=user)
    messages = message_chain(convo, 2)
    _assign(auth_client, convo.conversation_id, work["_id"])
    auth_client.post(
        "/api/convos/pin",
        {"arg": {"conversationId": convo.conversation_id, "pinned": True}},
        format="json",
    )
    r = auth_client.post(
        "/api/convos/duplicate", {"conversationId": convo.conversation_id}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert r.json()["conversation"]["projectId"] == work["_id"]
    assert r.json()["conversation"]["pinned"] is False
    r = auth_client.post(
        "/api/convos/fork",
        {"conversationId": convo.conversation_id, "messageId": messages[-1].message_id},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert _counts(work["_id"])[0] == 3
    assert _counts(work["_id"])[1] == r.json()["conversation"]["conversationId"]

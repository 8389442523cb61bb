"""LibreChat's own client (librechat-data-provider) organising conversations against a live
chatcore: pin, archive-all, projects and the list's filters, exactly as the client sends them
(docs/api-behaviour.md#projects)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from convos_app.models import Conversation, Project
from tests.factories import ConversationFactory
from tests.librechat_client import access_token, run_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_pin_archive_all_and_projects_through_the_real_client(live_server, user, other_user):
    base = timezone.now() - timedelta(days=1)
    first, second, third = (
        ConversationFactory(user=user, title=f"C{i}", created_at=base + timedelta(minutes=i))
        for i in range(3)
    )
    ConversationFactory(user=other_user, title="Not mine")
    steps = f"""
    const ds = dataService;
    const [A, B] = ["{first.conversation_id}", "{second.conversation_id}"];
    const ids = (page) => page.conversations.map((c) => c.conversationId);
    const out = {{}};
    const pinned = await ds.pinConversation({{ conversationId: A, pinned: true }});
    out.pinned = [pinned.conversationId, pinned.pinned];
    out.pinnedList = ids(await ds.listConversations({{ pinned: true }}));

    const project = await ds.createProject({{ name: "Research", description: "Papers" }});
    const P = project._id;
    out.created = [project.name, project.description, project.conversationCount];
    const moved = await ds.assignConversationToProject({{ conversationId: B, projectId: P }});
    out.moved = [
      moved.previousProjectId, moved.projectId === P, moved.conversation.chatProjectId === P,
    ];
    out.inProject = ids(await ds.listConversations({{ projectId: P }}));
    out.unassigned = ids(await ds.listConversations({{ projectId: "unassigned" }}));
    const fetched = await ds.getProjectById(P);
    out.fetched = [fetched.conversationCount, fetched.lastConversationId];
    out.renamed = (await ds.updateProject({{ projectId: P, name: "Reading" }})).name;
    const listed = await ds.listProjects({{ limit: 10, sortBy: "name", sortDirection: "asc" }});
    out.listed = listed.projects.map((p) => p.name);

    out.archivedCount = (await ds.archiveAllConversations()).archivedCount;
    const query = {{ isArchived: true, sortBy: "archivedAt", sortDirection: "desc" }};
    out.byArchive = ids(await ds.listConversations(query)).length;

    out.deleted = await ds.deleteProject(P);
    return out;
    """
    result = run_client(live_server.url, steps, token=access_token(user))

    assert result.ok, result
    out = result.value
    assert out["pinned"] == [first.conversation_id, True]
    assert out["pinnedList"] == [first.conversation_id]
    assert out["created"] == ["Research", "Papers", 0]
    assert out["moved"] == [None, True, True]
    assert out["inProject"] == [second.conversation_id]
    assert out["unassigned"] == [third.conversation_id, first.conversation_id]
    assert out["fetched"] == [1, second.conversation_id]
    assert out["renamed"] == "Reading"
    assert out["listed"] == ["Reading"]
    assert out["archivedCount"] == 3
    assert out["byArchive"] == 3
    assert out["deleted"] == {"deletedCount": 1, "modifiedCount": 1}
    assert not Project.objects.exists()
    assert Conversation.objects.filter(user=other_user, is_archived=False).count() == 1

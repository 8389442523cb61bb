"""Admin: projects listed read-only with their counts; pin actions through the bulk service;
conversations filterable by pinned and project."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from convos_app.models import Conversation, Project
from tests.factories import ConversationFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/convos_app/conversation/"


@pytest.fixture
def staff_client(db) -> Client:
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client


def _project(user, name):
    now = timezone.now()
    return Project.objects.create(user=user, name=name, created_at=now, updated_at=now)


def test_projects_page_lists_owner_and_exact_counts(staff_client, user):
    work = _project(user, "Work Stuff")
    for _ in range(2):
        convo = ConversationFactory(user=user)
        Conversation.objects.filter(pk=convo.pk).update(project=work)
    response = staff_client.get("/admin/convos_app/project/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Work Stuff" in page and "alice@example.com" in page
    work.refresh_from_db()
    assert work.conversation_count == 2
    detail = staff_client.get(f"/admin/convos_app/project/{work.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()


def test_pin_action_goes_through_the_bulk_service_and_filters_find_it(staff_client, user):
    work = _project(user, "Work")
    pinned = ConversationFactory(user=user, title="Pin me")
    other = ConversationFactory(user=UserFactory(), title="Leave me")
    Conversation.objects.filter(pk=pinned.pk).update(project=work)
    staff_client.post(CHANGELIST, {"action": "pin_selected", "_selected_action": [pinned.pk]})
    stored = Conversation.objects.get(pk=pinned.pk)
    assert stored.pinned is True and stored.updated_at == pinned.updated_at
    assert Conversation.objects.get(pk=other.pk).pinned is False
    listed = staff_client.get(CHANGELIST, {"pinned__exact": "1"}).content.decode()
    assert "Pin me" in listed and "Leave me" not in listed
    listed = staff_client.get(CHANGELIST, {"project": "work"}).content.decode()
    assert "Pin me" in listed and "Leave me" not in listed
    staff_client.post(CHANGELIST, {"action": "unpin_selected", "_selected_action": [pinned.pk]})
    assert Conversation.objects.get(pk=pinned.pk).pinned is False

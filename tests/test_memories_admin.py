"""Admin for memories: per-user lists (owner filter), read-only pages, and deletion on request
that clears the messages' references (docs/api-behaviour.md#memories)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from messages_app.models import Memory, MemoryPreference, Message
from tests.factories import ConversationFactory, MemoryFactory, UserFactory, message_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


def test_memory_list_filters_by_owner_email(staff_client, user, other_user):
    MemoryFactory(user=user, key="alices_city", value="Lisbon")
    MemoryFactory(user=other_user, key="mallorys_city", value="Paris")
    url = reverse("admin:messages_app_memory_changelist")
    everything = staff_client.get(url)
    assert everything.status_code == 200
    assert b"alices_city" in everything.content and b"mallorys_city" in everything.content
    only_alice = staff_client.get(url, {"owner": "Alice@Example.com"})
    assert only_alice.status_code == 200
    assert b"alices_city" in only_alice.content
    assert b"mallorys_city" not in only_alice.content


def test_memory_pages_are_read_only(staff_client, user):
    memory = MemoryFactory(user=user, key="city", value="Lisbon")
    change = reverse("admin:messages_app_memory_change", args=[memory.pk])
    page = staff_client.get(change)
    assert page.status_code == 200
    assert b"Lisbon" in page.content
    assert b'name="_save"' not in page.content
    assert staff_client.post(change, {"value": "Porto"}).status_code == 403
    assert staff_client.get(reverse("admin:messages_app_memory_add")).status_code == 403
    memory.refresh_from_db()
    assert memory.value == "Lisbon"


def test_staff_can_delete_a_memory_and_the_reference_is_cleared(staff_client, user):
    memory = MemoryFactory(user=user, key="city", value="Lisbon")
    (message,) = message_chain(ConversationFactory(user=user), 1)
    Message.objects.filter(pk=message.pk).update(memory_id=memory.memory_id)
    delete = reverse("admin:messages_app_memory_delete", args=[memory.pk])
    assert staff_client.get(delete).status_code == 200
    r = staff_client.post(delete, {"post": "yes"})
    assert r.status_code == 302
    assert not Memory.objects.exists()
    assert Message.objects.get(pk=message.pk).memory_id is None


def test_preferences_list_shows_who_turned_memories_off(staff_client, user):
    MemoryPreference.objects.create(user=user, memories=False)
    r = staff_client.get(reverse("admin:messages_app_memorypreference_changelist"))
    assert r.status_code == 200
    assert b"alice@example.com" in r.content


def test_non_staff_users_are_sent_to_the_login_page(user):
    client = Client()
    client.force_login(user)
    r = client.get(reverse("admin:messages_app_memory_changelist"))
    assert r.status_code == 302
    assert "/admin/login/" in r["Location"]

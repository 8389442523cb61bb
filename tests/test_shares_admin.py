"""Admin for shared links: listed per owner, filtered by owner email, revoked through the
service (docs/api-behaviour.md#shared-links)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from convos_app.models import SharedLink, SharedMessage
from convos_app.services.shares import shared_link_create
from tests.factories import ConversationFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:convos_app_sharedlink_changelist"


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


def link_of(email: str, title: str) -> SharedLink:
    convo = ConversationFactory(user=UserFactory(email=email), title=title)
    MessageFactory(conversation=convo)
    link, _ = shared_link_create(user=convo.user, conversation_id=convo.conversation_id)
    return link


def test_links_are_listed_per_owner_and_filter_by_owner_email(staff_client):
    link_of("zed@example.com", "Zed's link")
    link_of("amy@example.com", "Amy's link")
    link_of("amy@example.com", "Amy's other link")

    page = staff_client.get(reverse(CHANGELIST))
    filtered = staff_client.get(reverse(CHANGELIST), {"owner": "zed@example.com"})

    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("amy@example.com") < html.index("zed@example.com")
    assert "Zed&#x27;s link" in filtered.content.decode()
    assert "Amy&#x27;s link" not in filtered.content.decode()


def test_revoke_action_deletes_the_links_and_their_snapshots(staff_client, client):
    revoked = link_of("amy@example.com", "Revoke me")
    kept = link_of("bob@example.com", "Keep me")

    r = staff_client.post(
        reverse(CHANGELIST), {"action": "revoke_selected", "_selected_action": [revoked.pk]}
    )

    assert r.status_code == 302
    assert list(SharedLink.objects.values_list("share_id", flat=True)) == [kept.share_id]
    assert not SharedMessage.objects.filter(link_id=revoked.pk).exists()
    assert SharedMessage.objects.filter(link=kept).count() == 1


def test_non_staff_users_are_sent_to_the_login_page(client):
    client.force_login(UserFactory())
    r = client.get(reverse(CHANGELIST))
    assert r.status_code == 302 and "/admin/login/" in r["Location"]

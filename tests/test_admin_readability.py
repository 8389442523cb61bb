"""The admin staff can work in: a tree indented only at branches, text shown once with its
indentation, no Save buttons on read-only pages, full-text search per owner, partial owner
emails with suggestions, a case-insensitive tag filter, last-activity order, short ids, a
user's counts, and the staff access log (docs/api-behaviour.md#admin-readability)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chatcore.admin import SEARCH_MAX_OWNERS, SEARCH_NEEDS_OWNER
from chatcore.audit import StaffAccess
from chatcore.models import NO_PARENT
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    MessageFactory,
    UserFactory,
    message_chain,
)

pytestmark = pytest.mark.django_db

CONVERSATIONS = reverse("admin:convos_app_conversation_changelist")
MESSAGES = reverse("admin:messages_app_message_changelist")


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def tree_levels(page: str) -> list[str]:
    return re.findall(r'class="chatcore-message" data-depth="(\d+)" data-indent="(\d+)"', page)


def change_page(client: Client, convo) -> str:
    response = client.get(reverse("admin:convos_app_conversation_change", args=[convo.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_straight_back_and_forth_is_flat(staff_client, user):
    convo = ConversationFactory(user=user)
    message_chain(convo, 8)
    assert tree_levels(change_page(staff_client, convo)) == [("0", "0")] * 8


def test_only_real_branches_are_indented(staff_client, user):
    convo = ConversationFactory(user=user)
    start = timezone.now() - timedelta(minutes=5)
    question = MessageFactory(conversation=convo, text="question", created_at=start)
    MessageFactory(
        conversation=convo,
        parent_message_id=question.message_id,
        is_created_by_user=False,
        text="first answer",
        created_at=start + timedelta(seconds=1),
    )
    second = MessageFactory(
        conversation=convo,
        parent_message_id=question.message_id,
        is_created_by_user=False,
        text="regenerated answer",
        created_at=start + timedelta(seconds=2),
    )
    MessageFactory(
        conversation=convo,
        parent_message_id=second.message_id,
        text="follow-up",
        created_at=start + timedelta(seconds=3),
    )
    page = change_page(staff_client, convo)
    assert tree_levels(page) == [("0", "0"), ("1", "24"), ("1", "24"), ("1", "24")]
    assert page.count("<em>branch</em>") == 2


def test_text_is_shown_once_and_only_parts_that_add_something(staff_client, user):
    convo = ConversationFactory(user=user)
    message = MessageFactory(conversation=convo, text="def f():\n    return 1")
    ContentPartFactory(message=message, index=0, type="text", text="def f():\n    return 1")
    ContentPartFactory(message=message, index=1, type="think", text="the user wants code")
    parts_only = MessageFactory(
        conversation=convo, parent_message_id=message.message_id, text="", is_created_by_user=False
    )
    ContentPartFactory(message=parts_only, index=0, type="text", text="only in a part")
    page = change_page(staff_client, convo)
    assert page.count("def f():\n    return 1") == 1
    assert "part 0 · <code>text</code>" not in page
    assert "part 1 · <code>think</code>" in page
    assert '<div class="chatcore-text" style="white-space: pre-wrap;">only in a part</div>' in page


def test_read_only_pages_show_no_save_buttons(staff_client, user):
    convo = ConversationFactory(user=user)
    (message,) = message_chain(convo, 1)
    page = change_page(staff_client, convo)
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert 'name="_addanother"' not in page
    message_page = staff_client.get(
        reverse("admin:messages_app_message_change", args=[message.pk])
    ).content.decode()
    assert 'name="_save"' not in message_page


def test_message_page_keeps_code_indentation(staff_client, user):
    convo = ConversationFactory(user=user)
    message = MessageFactory(conversation=convo, text="```py\nif x:\n    y()\n```")
    ContentPartFactory(message=message, index=0, type="text", text="if x:\n    y()")
    page = staff_client.get(
        reverse("admin:messages_app_message_change", args=[message.pk])
    ).content.decode()
    assert '<div style="white-space: pre-wrap;">```py\nif x:\n    y()\n```</div>' in page
    assert '<div style="white-space: pre-wrap;">if x:\n    y()</div>' in page


def test_conversation_search_finds_what_was_said_with_the_owner_shown(
    staff_client, user, other_user
):
    wanted = ConversationFactory(user=user, title="Weekend plans")
    MessageFactory(conversation=wanted, text="how do zebras sleep at night")
    ConversationFactory(user=other_user, title="Unrelated")
    theirs = ConversationFactory(user=other_user, title="Their zoo")
    MessageFactory(conversation=theirs, text="zebras again")

    page = staff_client.get(CONVERSATIONS, {"q": "zebras"}).content.decode()
    assert "Weekend plans" in page and "Their zoo" in page and "Unrelated" not in page
    assert "alice@example.com" in page and "mallory@example.com" in page

    scoped = staff_client.get(CONVERSATIONS, {"q": "zebras", "owner": "alic"}).content.decode()
    assert "Weekend plans" in scoped and "Their zoo" not in scoped


def test_full_text_search_asks_for_an_owner_when_too_many_users_match(staff_client, user):
    UserFactory.create_batch(SEARCH_MAX_OWNERS + 1)
    convo = ConversationFactory(user=user, title="Weekend plans")
    MessageFactory(conversation=convo, text="zebras")

    page = staff_client.get(CONVERSATIONS, {"q": "zebras"}).content.decode()
    assert "Weekend plans" not in page
    assert SEARCH_NEEDS_OWNER in page.replace("&#x27;", "'")
    page = staff_client.get(CONVERSATIONS, {"q": "zebras", "owner": "alice"}).content.decode()
    assert "Weekend plans" in page
    messages = staff_client.get(MESSAGES, {"q": "zebras", "owner": "alice"}).content.decode()
    assert "zebras" in messages


def test_message_search_uses_the_full_text_backend(staff_client, user, other_user):
    convo = ConversationFactory(user=user)
    hit = MessageFactory(conversation=convo, text="the quick brown fox")
    MessageFactory(conversation=convo, text="something else")
    page = staff_client.get(MESSAGES, {"q": "brown fox"}).content.decode()
    assert hit.message_id in page and "something else" not in page
    assert "alice@example.com" in page
    bad = staff_client.get(MESSAGES, {"q": "--"})
    assert bad.status_code == 200


def test_owner_filter_takes_part_of_an_email_and_an_exact_one_means_that_user(staff_client, user):
    mine = ConversationFactory(user=user, title="Alice's")
    lookalike = UserFactory(email="malice@example.com")
    ConversationFactory(user=lookalike, title="Malice's")
    partial = staff_client.get(CONVERSATIONS, {"owner": "LICE@"}).content.decode()
    assert "Alice&#x27;s" in partial and "Malice&#x27;s" in partial
    exact = staff_client.get(CONVERSATIONS, {"owner": "alice@example.com"}).content.decode()
    assert "Alice&#x27;s" in exact and "Malice&#x27;s" not in exact
    assert mine.conversation_id in exact


def test_owner_filter_suggests_emails_to_staff_only(staff_client, user, other_user):
    url = reverse("admin:chatcore_user_emails")
    page = staff_client.get(CONVERSATIONS).content.decode()
    assert f'data-suggest-url="{url}"' in page and 'list="chatcore-suggest-owner"' in page
    assert staff_client.get(url, {"q": "ALI"}).json() == {"emails": ["alice@example.com"]}
    assert staff_client.get(url, {"q": "example"}).json() == {
        "emails": ["alice@example.com", "mallory@example.com", "staff@example.com"]
    }
    member = Client()
    member.force_login(user)
    assert member.get(url, {"q": "a"}).status_code == 302  # to the login page


def test_tag_filter_ignores_case(staff_client, user):
    ConversationFactory(user=user, title="Tagged", tags=["Work"])
    ConversationFactory(user=user, title="Plain")
    page = staff_client.get(CONVERSATIONS, {"tag": "wORK"}).content.decode()
    assert "Tagged" in page and "Plain" not in page


def test_list_is_ordered_by_last_activity_with_short_ids(staff_client, user):
    now = timezone.now()
    old = ConversationFactory(user=user, title="Old but recently active", created_at=now)
    old.updated_at = now + timedelta(hours=1)
    old.save()
    ConversationFactory(user=user, title="Newer, idle", created_at=now + timedelta(minutes=1))
    page = staff_client.get(CONVERSATIONS).content.decode()
    assert page.index("Old but recently active") < page.index("Newer, idle")
    cid = old.conversation_id
    assert f'<span class="chatcore-id" title="{cid}"><code>{cid[:8]}…</code>' in page
    assert f'data-copy="{cid}"' in page


def test_long_titles_are_cut_with_the_whole_title_in_a_tooltip(staff_client, user):
    title = "A very long title " * 8
    ConversationFactory(user=user, title=title)
    page = staff_client.get(CONVERSATIONS).content.decode()
    assert f'<span title="{title}">{title[:59]}…</span>' in page


def test_user_page_shows_counts_and_links_to_their_data(staff_client, user):
    convo = ConversationFactory(user=user, tags=["a", "b"])
    message_chain(convo, 3)
    ConversationFactory(user=user)
    page = staff_client.get(reverse("admin:chatcore_user_change", args=[user.pk])).content.decode()
    assert f'href="{CONVERSATIONS}?owner=alice%40example.com">2 conversation(s)</a>' in page
    assert f'href="{MESSAGES}?owner=alice%40example.com">3 message(s)</a>' in page
    assert "2 tag(s)</a>" in page
    last = timezone.localtime(convo.updated_at).strftime("%Y-%m-%d")
    assert f"last activity: {last}" in page


def test_reading_a_conversation_is_logged_and_the_log_cannot_be_edited(staff_client, staff, user):
    convo = ConversationFactory(user=user, title="Private")
    (message,) = message_chain(convo, 1)
    change_page(staff_client, convo)
    staff_client.get(reverse("admin:messages_app_message_change", args=[message.pk]))
    own = ConversationFactory(user=staff)
    change_page(staff_client, own)  # staff reading their own chat is not logged

    rows = list(
        StaffAccess.objects.order_by("id").values_list(
            "staff_email", "owner_email", "object_type", "object_id", "object_label"
        )
    )
    assert rows == [
        (
            "staff@example.com",
            "alice@example.com",
            "conversation",
            convo.conversation_id,
            "Private",
        ),
        ("staff@example.com", "alice@example.com", "message", message.message_id, "Private"),
    ]
    log = staff_client.get(reverse("admin:chatcore_staffaccess_changelist")).content.decode()
    assert "alice@example.com" in log and "Private" in log
    entry = StaffAccess.objects.first()
    url = reverse("admin:chatcore_staffaccess_change", args=[entry.pk])
    view = staff_client.get(url).content.decode()
    assert 'name="_save"' not in view
    assert staff_client.post(url, {"owner_email": "nobody@example.com"}).status_code == 403
    delete = reverse("admin:chatcore_staffaccess_delete", args=[entry.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert StaffAccess.objects.count() == 2
    assert StaffAccess.objects.get(pk=entry.pk).owner_email == "alice@example.com"


def test_message_tree_parents_are_kept_in_the_page(staff_client, user):
    convo = ConversationFactory(user=user)
    root = MessageFactory(conversation=convo, parent_message_id=NO_PARENT)
    page = change_page(staff_client, convo)
    assert f'title="{root.message_id}"' in page


def test_exporting_other_users_conversations_is_logged(staff_client, staff, user):
    theirs = ConversationFactory(user=user, title="Exported")
    own = ConversationFactory(user=staff, title="Mine")
    r = staff_client.post(
        CONVERSATIONS,
        {"action": "export_selected", "_selected_action": [theirs.pk, own.pk]},
    )
    assert r.status_code == 200
    b"".join(r.streaming_content)
    assert list(
        StaffAccess.objects.values_list("owner_email", "object_type", "object_id", "object_label")
    ) == [("alice@example.com", "conversation export", theirs.conversation_id, "Exported")]

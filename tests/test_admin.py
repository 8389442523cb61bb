"""Admin: staff-only, every changelist loads, the tree view, actions through the services."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chatcore.models import NO_PARENT
from convos_app.models import Conversation
from messages_app.models import Message
from tags_app.models import Tag
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    MessageFactory,
    UserFactory,
    message_chain,
)
from tests.test_import_formats import FIXTURES

CHANGELISTS = [
    "admin:convos_app_conversation_changelist",
    "admin:messages_app_message_changelist",
    "admin:messages_app_contentpart_changelist",
    "admin:messages_app_feedback_changelist",
    "admin:convos_app_project_changelist",
    "admin:tags_app_tag_changelist",
    "admin:tags_app_taggedconversation_changelist",
    "admin:chatcore_user_changelist",
]


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def data(user):
    convo = ConversationFactory(user=user, title="Admin tree", tags=["work"])
    root = MessageFactory(conversation=convo, text="root question")
    first = MessageFactory(
        conversation=convo,
        parent_message_id=root.message_id,
        is_created_by_user=False,
        text="answer one",
    )
    MessageFactory(
        conversation=convo,
        parent_message_id=root.message_id,
        is_created_by_user=False,
        text="answer two",
    )
    ContentPartFactory(message=first, index=0, type="think", text="pondering")
    FeedbackFactory(message=first, rating="thumbsDown", tag="not_helpful", text="too short")
    return convo


@pytest.mark.parametrize("name", CHANGELISTS)
@pytest.mark.django_db
def test_changelists_load_for_staff(staff_client, data, name):
    response = staff_client.get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("name", CHANGELISTS)
@pytest.mark.django_db
def test_anonymous_and_non_staff_users_are_sent_to_the_login_page(user, data, name):
    url = reverse(name)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    member = Client()
    member.force_login(user)  # a regular (non-staff) account
    response = member.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_conversation_changelist_filters_by_owner_tag_archived_and_searches_ids(
    staff_client, data, other_user
):
    ConversationFactory(user=other_user, title="Someone else")
    url = reverse("admin:convos_app_conversation_changelist")

    by_owner = staff_client.get(url, {"owner": "ALICE@example.com"}).content.decode()
    assert "Admin tree" in by_owner and "Someone else" not in by_owner
    by_tag = staff_client.get(url, {"tag": "work"}).content.decode()
    assert "Admin tree" in by_tag and "Someone else" not in by_tag
    archived = staff_client.get(url, {"is_archived__exact": "1"}).content.decode()
    assert "Admin tree" not in archived
    by_id = staff_client.get(url, {"q": data.conversation_id}).content.decode()
    assert "Admin tree" in by_id and "Someone else" not in by_id
    by_model = staff_client.get(url, {"model": "gpt-4o", "endpoint": "openAI"})
    assert by_model.status_code == 200


@pytest.mark.django_db
def test_changelist_does_not_run_a_full_count(staff_client, data, django_assert_max_num_queries):
    url = reverse("admin:convos_app_conversation_changelist")
    with django_assert_max_num_queries(12) as captured:
        staff_client.get(url)
    sql = [q["sql"] for q in captured.captured_queries]
    full_counts = [s for s in sql if "COUNT(*)" in s and "LIMIT" not in s and "convos" in s]
    assert full_counts == []


@pytest.mark.django_db
def test_change_page_shows_the_message_tree_with_parts_and_feedback(staff_client, data):
    url = reverse("admin:convos_app_conversation_change", args=[data.pk])
    page = staff_client.get(url).content.decode()

    assert "Messages (3)" in page
    assert page.index("root question") < page.index("answer one") < page.index("answer two")
    assert 'data-depth="1"' in page
    assert "pondering" in page and "<code>think</code>" in page
    assert "thumbsDown" in page and "too short" in page


@pytest.mark.django_db
def test_change_page_paginates_long_conversations(staff_client, user):
    convo = ConversationFactory(user=user)
    chain = message_chain(convo, 60)
    url = reverse("admin:convos_app_conversation_change", args=[convo.pk])

    page2 = staff_client.get(url, {"mpage": "2"}).content.decode()
    assert "page 2 of 2" in page2
    assert chain[55].message_id in page2 and chain[5].message_id not in page2


@pytest.mark.django_db
def test_message_change_page_shows_parts_and_feedback_read_only(staff_client, data):
    message = Message.objects.get(text="answer one")
    page = staff_client.get(reverse("admin:messages_app_message_change", args=[message.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "pondering" in body and "too short" in body
    assert 'name="_save"' not in body


@pytest.mark.django_db
def test_archive_and_unarchive_actions(staff_client, data):
    url = reverse("admin:convos_app_conversation_changelist")
    staff_client.post(url, {"action": "archive_selected", "_selected_action": [data.pk]})
    data.refresh_from_db()
    assert data.is_archived is True
    staff_client.post(url, {"action": "unarchive_selected", "_selected_action": [data.pk]})
    data.refresh_from_db()
    assert data.is_archived is False


@pytest.mark.django_db
def test_export_action_downloads_librechat_json(staff_client, data):
    url = reverse("admin:convos_app_conversation_changelist")
    response = staff_client.post(url, {"action": "export_selected", "_selected_action": [data.pk]})

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="conversations-')
    (document,) = json.loads(b"".join(response.streaming_content))
    assert document["title"] == "Admin tree"
    (root,) = document["messagesTree"]
    assert [c["text"] for c in root["children"]] == ["answer one", "answer two"]


@pytest.mark.django_db
def test_delete_action_confirms_with_counts_then_deletes_through_the_service(
    staff_client, data, user
):
    url = reverse("admin:convos_app_conversation_changelist")
    confirm = staff_client.post(
        url, {"action": "delete_selected_safely", "_selected_action": [data.pk]}
    )
    body = confirm.content.decode()
    assert (
        "This deletes <strong>1</strong> conversation(s) and <strong>3</strong> message(s)" in body
    )
    assert Conversation.objects.filter(pk=data.pk).exists()

    staff_client.post(
        url,
        {"action": "delete_selected_safely", "_selected_action": [data.pk], "confirmed": "yes"},
    )
    assert not Conversation.objects.filter(pk=data.pk).exists()
    assert not Message.objects.filter(user=user).exists()
    assert Tag.objects.get(user=user, name="work").count == 0
    assert 'value="delete_selected"' not in staff_client.get(url).content.decode()


@pytest.mark.django_db
def test_single_delete_page_states_counts_and_uses_the_service(staff_client, data, user):
    url = reverse("admin:convos_app_conversation_delete", args=[data.pk])
    page = staff_client.get(url).content.decode()
    assert "3 message(s) with their parts" in page
    staff_client.post(url, {"post": "yes"})
    assert not Conversation.objects.filter(pk=data.pk).exists()
    assert Tag.objects.get(user=user, name="work").count == 0


@pytest.mark.django_db
def test_import_page_imports_for_the_target_user_and_reports_counts(staff_client, user):
    url = reverse("admin:convos_app_conversation_import")
    assert staff_client.get(url).status_code == 200
    upload = SimpleUploadedFile(
        "anything.bin", (FIXTURES / "chatgpt" / "modern-export.json").read_bytes()
    )

    response = staff_client.post(
        url, {"user": user.email, "file": upload, "file_format": "auto"}, follow=True
    )

    body = response.content.decode()
    assert "Imported 2 conversation(s) and 6 message(s) (chatgpt) for alice@example.com" in body
    assert "Skipped #1 &#x27;Half-synced chat&#x27;: Conversation has no message mapping" in body
    assert (
        "Skipped #3 &#x27;Draft from the mobile app&#x27;: Conversation has no valid create_time"
        in body
    )
    assert Conversation.objects.filter(user=user).count() == 2
    root = Message.objects.get(user=user, text="My starter smells like nail polish. Is it dead?")
    assert root.parent_message_id == NO_PARENT


@pytest.mark.django_db
def test_import_page_shows_the_error_and_imports_nothing(staff_client, user):
    url = reverse("admin:convos_app_conversation_import")
    upload = SimpleUploadedFile("x.json", b'{"foo": 1}')
    response = staff_client.post(url, {"user": user.email, "file": upload, "file_format": "auto"})
    assert response.status_code == 200
    assert "Unsupported import format" in response.content.decode()
    assert not Conversation.objects.filter(user=user).exists()
    missing = staff_client.post(
        url,
        {
            "user": "ghost@example.com",
            "file": SimpleUploadedFile("y.json", b"[]"),
            "file_format": "auto",
        },
    )
    assert "No user with email ghost@example.com" in missing.content.decode()

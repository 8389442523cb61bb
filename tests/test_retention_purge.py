"""The purge and retention policies (docs/api-behaviour.md#purge,
docs/api-behaviour.md#retention-policies): what is deleted with an expired conversation, the
counts, idempotence, two purges at once, per-user and operator policies, and that the preview
is exactly what the purge then deletes. Time is set honestly: ``expired_at``/``updated_at``
are written into the past."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chatcore.jobs.registry import periodic_jobs
from chatcore.search.models import SearchDocument
from convos_app.models import Conversation, RetentionPolicy, SharedLink, SharedMessage
from convos_app.services.retention import conversations_purge, retention_preview
from messages_app.models import ContentPart, Feedback, Message
from tags_app.models import Tag, TaggedConversation
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    UserFactory,
    message_chain,
)

pytestmark = pytest.mark.django_db


def expired_chat(user, messages: int = 2, **kwargs) -> Conversation:
    conversation = ConversationFactory(
        user=user, is_temporary=True, expired_at=timezone.now() - timedelta(minutes=1), **kwargs
    )
    message_chain(conversation, messages)
    return conversation


def aged(user, days: int, **kwargs) -> Conversation:
    """A conversation last updated ``days`` ago, with one message."""
    when = timezone.now() - timedelta(days=days)
    conversation = ConversationFactory(user=user, created_at=when, updated_at=when, **kwargs)
    message_chain(conversation, 1)
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=when)
    return conversation


def test_the_purge_deletes_an_expired_chat_with_everything_under_it(auth_client, user):
    doomed = expired_chat(user, tags=["work"])
    kept = ConversationFactory(user=user, tags=["work"])
    message_chain(kept, 1)
    first = doomed.messages.order_by("created_at").first()
    ContentPartFactory(message=first)
    FeedbackFactory(message=doomed.messages.order_by("created_at").last())
    Conversation.objects.filter(pk=doomed.pk).update(expired_at=timezone.now() + timedelta(1))
    share = auth_client.post(f"/api/share/{doomed.conversation_id}", {}, format="json")
    assert share.status_code in (200, 201)
    Conversation.objects.filter(pk=doomed.pk).update(expired_at=timezone.now() - timedelta(1))
    assert Tag.objects.get(user=user, name="work").count == 2

    counts = conversations_purge()

    assert (counts.conversations, counts.messages) == (1, 2)
    assert not Conversation.objects.filter(pk=doomed.pk).exists()
    assert not Message.objects.filter(conversation_id=doomed.pk).exists()
    assert not ContentPart.objects.filter(message__conversation_id=doomed.pk).exists()
    assert not Feedback.objects.filter(message__conversation_id=doomed.pk).exists()
    assert not TaggedConversation.objects.filter(conversation_id=doomed.pk).exists()
    assert not SharedLink.objects.filter(conversation_id=doomed.pk).exists()
    assert not SharedMessage.objects.filter(link__conversation_id=doomed.pk).exists()
    assert not SearchDocument.objects.filter(group_id=doomed.pk).exists()
    assert Tag.objects.get(user=user, name="work").count == 1  # stays exact
    assert Conversation.objects.filter(pk=kept.pk).exists()
    # Idempotent: nothing left to do.
    again = conversations_purge()
    assert (again.conversations, again.messages) == (0, 0)


def test_an_unexpired_temporary_chat_is_kept(user):
    soon = ConversationFactory(
        user=user, is_temporary=True, expired_at=timezone.now() + timedelta(minutes=5)
    )
    counts = conversations_purge()
    assert counts.conversations == 0
    assert Conversation.objects.filter(pk=soon.pk).exists()


def test_purge_expired_command_reports_a_dry_run_then_deletes(user):
    for _ in range(3):
        expired_chat(user)
    out = StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "purge_expired: would delete 3 conversations, 6 messages"
    assert Conversation.objects.count() == 3
    out = StringIO()
    call_command("purge_expired", "--batch-size", "2", stdout=out)
    assert out.getvalue().strip() == "purge_expired: deleted 3 conversations, 6 messages"
    assert Conversation.objects.count() == 0
    assert Message.objects.count() == 0


def test_the_purge_is_registered_as_periodic_work_and_runs_from_run_periodic(user):
    expired_chat(user)
    assert "purge_expired" in [job.name for job in periodic_jobs()]
    out = StringIO()
    call_command("run_periodic", "--only", "purge_expired", stdout=out)
    assert out.getvalue().strip() == "purge_expired: {'conversations': 1, 'messages': 2}"
    assert Conversation.objects.count() == 0


# --- policies ---------------------------------------------------------------------------------
def test_a_users_policy_purges_old_conversations_but_keeps_pinned_ones(user, other_user):
    RetentionPolicy.objects.create(user=user, delete_after_days=30)
    old = aged(user, 40)
    old_pinned = aged(user, 40, pinned=True)
    old_archived = aged(user, 40, is_archived=True)
    recent = aged(user, 10)
    someone_elses = aged(other_user, 400)  # no policy, no cap: kept forever

    counts = conversations_purge()

    assert counts.conversations == 2
    left = set(Conversation.objects.values_list("pk", flat=True))
    assert left == {old_pinned.pk, recent.pk, someone_elses.pk}
    assert old.pk not in left and old_archived.pk not in left


def test_keep_archived_and_keep_pinned_false(user):
    RetentionPolicy.objects.create(
        user=user, delete_after_days=30, keep_pinned=False, keep_archived=True
    )
    pinned = aged(user, 40, pinned=True)
    archived = aged(user, 40, is_archived=True)
    conversations_purge()
    assert list(Conversation.objects.values_list("pk", flat=True)) == [archived.pk]
    assert not Conversation.objects.filter(pk=pinned.pk).exists()


@override_settings(CHATCORE_MAX_RETENTION_DAYS=15)
def test_the_operator_cap_limits_every_users_setting_and_applies_to_users_without_one(
    user, other_user
):
    RetentionPolicy.objects.create(user=user, delete_after_days=300)
    capped = aged(user, 20)
    recent = aged(user, 5)
    no_policy = aged(other_user, 20)
    conversations_purge()
    left = set(Conversation.objects.values_list("pk", flat=True))
    assert left == {recent.pk}
    assert capped.pk not in left and no_policy.pk not in left


@override_settings(CHATCORE_RETENTION_MODE="temporary", CHATCORE_MAX_RETENTION_DAYS=15)
def test_temporary_mode_purges_only_expired_chats(user):
    RetentionPolicy.objects.create(user=user, delete_after_days=1)
    old = aged(user, 400)
    expired_chat(user)
    counts = conversations_purge()
    assert counts.conversations == 1
    assert list(Conversation.objects.values_list("pk", flat=True)) == [old.pk]


@override_settings(CHATCORE_MAX_RETENTION_DAYS=60)
def test_the_preview_equals_what_the_purge_then_deletes(auth_client, user, other_user):
    auth_client.put(
        "/api/user/settings/retention", {"deleteAfterDays": 30, "keepPinned": True}, format="json"
    )
    aged(user, 40)
    aged(user, 40, pinned=True)
    aged(user, 10)
    expired_chat(user, messages=3)
    aged(other_user, 90)  # another user's (capped at 60): not in this user's preview

    r = auth_client.get("/api/user/settings/retention/preview")
    assert r.status_code == 200
    assert r.json() == {"conversations": 2, "messages": 4}
    mine_before = Conversation.objects.filter(user=user).count()
    messages_before = Message.objects.filter(user=user).count()

    counts = conversations_purge()

    assert counts.conversations == 3  # the other user's too
    assert mine_before - Conversation.objects.filter(user=user).count() == 2
    assert messages_before - Message.objects.filter(user=user).count() == 4
    r = auth_client.get("/api/user/settings/retention/preview")
    assert r.json() == {"conversations": 0, "messages": 0}


# --- the API ----------------------------------------------------------------------------------
def test_retention_settings_default_then_put_then_get(auth_client, user):
    r = auth_client.get("/api/user/settings/retention")
    assert r.status_code == 200
    assert r.json() == {
        "deleteAfterDays": None,
        "keepPinned": True,
        "keepArchived": False,
        "effectiveDeleteAfterDays": None,
        "maxRetentionDays": None,
        "mode": "all",
    }
    body = {"deleteAfterDays": 90, "keepPinned": False, "keepArchived": True}
    r = auth_client.put("/api/user/settings/retention", body, format="json")
    assert r.status_code == 200
    assert r.json()["deleteAfterDays"] == 90
    with override_settings(CHATCORE_MAX_RETENTION_DAYS=30):
        assert auth_client.get("/api/user/settings/retention").json() == {
            **body,
            "effectiveDeleteAfterDays": 30,
            "maxRetentionDays": 30,
            "mode": "all",
        }
    r = auth_client.put("/api/user/settings/retention", {"deleteAfterDays": None}, format="json")
    assert r.json()["deleteAfterDays"] is None
    assert RetentionPolicy.objects.get(user=user).delete_after_days is None


@pytest.mark.parametrize(
    "body",
    [
        {"deleteAfterDays": 0},
        {"deleteAfterDays": 3651},
        {"deleteAfterDays": "30"},
        {"deleteAfterDays": True},
        {"keepPinned": "no"},
        ["deleteAfterDays"],
    ],
)
def test_a_bad_policy_is_a_400_and_changes_nothing(auth_client, user, body):
    RetentionPolicy.objects.create(user=user, delete_after_days=7)
    r = auth_client.put("/api/user/settings/retention", body, format="json")
    assert r.status_code == 400
    assert r["Content-Type"].startswith("application/json")
    assert isinstance(r.json()["error"], str)
    assert RetentionPolicy.objects.get(user=user).delete_after_days == 7


def test_retention_routes_need_a_login(api_client):
    for path in ("/api/user/settings/retention", "/api/user/settings/retention/preview"):
        assert api_client.get(path).status_code == 401


# --- two purges at once -----------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_purges_at_once_delete_each_row_once_without_error():
    users = [UserFactory() for _ in range(2)]
    for i in range(40):
        conversation = expired_chat(users[i % 2], messages=2, tags=["shared", f"t{i % 3}"])
        assert conversation.pk
    start = threading.Barrier(2)
    results = []
    errors: list[BaseException] = []

    def purge() -> None:
        try:
            start.wait(5)
            results.append(conversations_purge(batch_size=3))
        except BaseException as exc:  # pragma: no cover - the assertion shows it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=purge) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(r.conversations for r in results) == 40
    assert sum(r.messages for r in results) == 80
    assert Conversation.objects.count() == 0
    assert set(Tag.objects.values_list("count", flat=True)) == {0}


def test_preview_counts_only_the_callers_rows(auth_client, other_user):
    expired_chat(other_user)
    assert auth_client.get("/api/user/settings/retention/preview").json() == {
        "conversations": 0,
        "messages": 0,
    }
    assert retention_preview(user=other_user).conversations == 1


# --- admin ------------------------------------------------------------------------------------
def test_admin_purge_shows_the_dry_run_count_then_purges(admin_client, user):
    expired_chat(user, messages=3)
    kept = ConversationFactory(user=user)
    url = reverse("admin:convos_app_conversation_purge")
    page = admin_client.get(url)
    assert page.status_code == 200
    assert (
        "would now delete <strong>1</strong> conversation(s) and <strong>3</strong> message(s)"
        in page.content.decode()
    )
    assert Conversation.objects.count() == 2  # counting deleted nothing

    r = admin_client.post(url, {"confirmed": "yes"})
    assert r.status_code == 302
    assert list(Conversation.objects.values_list("pk", flat=True)) == [kept.pk]
    listing = admin_client.get(r["Location"]).content.decode()
    assert "Purged 1 conversation(s) and 3 message(s)." in listing


def test_admin_lists_can_be_filtered_by_temporary_and_expiry(admin_client, user):
    temporary = expired_chat(user)
    temporary.title = "the temporary one"
    temporary.save(update_fields=["title"])
    ConversationFactory(user=user, title="the kept one")
    url = reverse("admin:convos_app_conversation_changelist")
    temporary_only = admin_client.get(url, {"is_temporary__exact": "1"}).content.decode()
    assert "the temporary one" in temporary_only and "the kept one" not in temporary_only
    no_expiry = admin_client.get(url, {"expired_at__isempty": "1"}).content.decode()
    assert "the kept one" in no_expiry and "the temporary one" not in no_expiry


def _purge_queries(user, conversations: int, messages: int) -> int:
    for _ in range(conversations):
        expired_chat(user, messages=messages, tags=["work"])
    with CaptureQueriesContext(connection) as queries:
        counts = conversations_purge(batch_size=100)
    assert counts.conversations == conversations
    return len(queries.captured_queries)


def test_the_purge_is_set_based_its_queries_do_not_grow_with_rows(user, other_user):
    few = _purge_queries(user, conversations=2, messages=2)
    many = _purge_queries(other_user, conversations=12, messages=6)
    assert few == many


def test_the_schema_documents_the_retention_routes(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]
    assert set(paths["/api/user/settings/retention"]) == {"get", "put"}
    assert set(paths["/api/user/settings/retention"]["put"]["responses"]) >= {"200", "400"}
    assert set(paths["/api/user/settings/retention/preview"]) == {"get"}
    assert set(paths["/api/convos/temporary"]["post"]["responses"]) >= {"200", "400", "404"}


def test_admin_lists_retention_policies_read_only(admin_client, user):
    RetentionPolicy.objects.create(user=user, delete_after_days=45)
    page = admin_client.get(reverse("admin:convos_app_retentionpolicy_changelist"))
    assert page.status_code == 200
    assert user.email in page.content.decode() and "45" in page.content.decode()
    assert admin_client.get(reverse("admin:convos_app_retentionpolicy_add")).status_code == 403

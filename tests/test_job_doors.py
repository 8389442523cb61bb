"""The other doors to the import job — the admin import page and ``manage.py
import_conversations --async`` — and the staff jobs page (docs/api-behaviour.md#jobs)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from chatcore.jobs.models import Job
from chatcore.jobs.services import job_start
from convos_app.models import Conversation
from tests.factories import UserFactory
from tests.jobs_support import (  # noqa: F401
    chatgpt_export,
    job_settings,
    wait_for_job,
    worker_thread,
)
from tests.test_jobs import _bad_input  # noqa: F401  (registers the test job kinds)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("job_settings")]


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


def test_the_admin_import_page_hands_a_large_file_to_the_job(staff_client, user):
    upload = SimpleUploadedFile("big.json", chatgpt_export(12))
    response = staff_client.post(
        reverse("admin:convos_app_conversation_import"),
        {"user": user.email, "file": upload, "file_format": "chatgpt"},
    )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:chatcore_job_change", args=[job.pk])
    assert (job.kind, job.user, job.params["file_format"]) == ("import", user, "chatgpt")
    with worker_thread():
        wait_for_job(job.pk)
    assert Conversation.objects.filter(user=user).count() == 12
    page = staff_client.get(response["Location"]).content.decode()
    assert "succeeded" in page and "alice@example.com" in page


def test_import_command_async_queues_the_same_job(user, tmp_path, capsys):
    path = tmp_path / "conversations.json"
    path.write_bytes(chatgpt_export(4))
    call_command("import_conversations", str(path), "--user", user.email, "--async")
    job = Job.objects.get()
    assert f"queued import job {job.id}" in capsys.readouterr().out
    assert Conversation.objects.count() == 0
    with worker_thread():
        done = wait_for_job(job.pk)
    assert done.status == "succeeded"
    assert done.result["conversations"] == 4
    assert path.exists()  # the operator's file is copied, never moved or removed


def test_the_jobs_page_lists_jobs_read_only_for_staff(staff_client, user):
    job = job_start(user=user, kind="test-bad-input")
    with worker_thread():
        wait_for_job(job.pk)
    changelist = reverse("admin:chatcore_job_changelist")
    page = staff_client.get(changelist).content.decode()
    for text in ("test-bad-input", "failed", "alice@example.com", "Nothing to do"):
        assert text in page
    assert '<td class="field-status">Failed</td>' in page
    queued = staff_client.get(changelist, {"status__exact": "queued"}).content.decode()
    assert '<td class="field-status">Failed</td>' not in queued
    assert staff_client.get(reverse("admin:chatcore_job_add")).status_code == 403
    delete = reverse("admin:chatcore_job_delete", args=[job.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert Job.objects.filter(pk=job.pk).exists()
    plain = Client()
    plain.force_login(user)
    assert plain.get(changelist).status_code == 302  # to the admin login

"""``POST /api/convos/import`` above ``CHATCORE_IMPORT_SYNC_MAX_BYTES`` and ``GET
/api/convos/import/{jobId}``: imports as jobs run by a real worker against the test database
(docs/api-behaviour.md#import-jobs)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from chatcore.jobs import storage
from chatcore.jobs.models import Job
from chatcore.jobs.runner import WORKER_LOST, jobs_recover_stale
from convos_app.models import Conversation
from messages_app.models import Message
from tests.conftest import bearer_client
from tests.jobs_support import (  # noqa: F401
    chatgpt_export,
    job_settings,
    start_worker_process,
    wait_for,
    wait_for_job,
    worker_thread,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("job_settings")]

URL = "/api/convos/import"


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Throttle counters in a per-test local-memory cache."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "import-job-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def upload(content: bytes, name: str = "conversations.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/json")


def uploads_left() -> list[str]:
    return sorted(p.name for p in storage.job_dir(storage.UPLOADS).iterdir())


def test_a_file_at_the_threshold_is_imported_in_the_request(auth_client, user, settings):
    content = chatgpt_export(1)
    settings.CHATCORE_IMPORT_SYNC_MAX_BYTES = len(content)
    response = auth_client.post(URL, {"file": upload(content)})
    assert response.status_code == 201, response.json()
    assert response.json()["conversations"] == 1
    assert not Job.objects.exists()


def test_a_larger_file_answers_202_and_the_job_imports_it(auth_client, other_client, user):
    content = chatgpt_export(30)
    response = auth_client.post(URL, {"file": upload(content)})
    assert response.status_code == 202, response.json()
    body = response.json()
    assert set(body) == {"jobId", "status"}
    assert body["status"] == "queued"
    assert response["Location"] == f"/api/convos/import/{body['jobId']}"
    # Nothing is imported yet; the upload waits in chatcore's private directory.
    assert Conversation.objects.count() == 0
    job = Job.objects.get(pk=body["jobId"])
    assert os.stat(job.file_path).st_mode & 0o777 == 0o600
    queued = auth_client.get(response["Location"]).json()
    assert queued["status"] == "queued"
    assert queued["progress"] == {
        "conversations": 0,
        "messages": 0,
        "bytesRead": 0,
        "bytesTotal": len(content),
    }
    assert queued["result"] is None and queued["error"] is None

    with worker_thread():
        wait_for_job(body["jobId"])
    done = auth_client.get(response["Location"])
    assert done.status_code == 200
    done = done.json()
    assert done["status"] == "succeeded", done
    assert done["error"] is None
    assert done["attempts"] == 1
    assert done["progress"] == {
        "conversations": 30,
        "messages": 120,
        "bytesRead": len(content),
        "bytesTotal": len(content),
    }
    # The job's result is the synchronous 201 body for the same file.
    assert done["result"] == {
        "message": "Conversation(s) imported successfully",
        "conversations": 30,
        "messages": 120,
        "skipped": [],
    }
    assert Conversation.objects.filter(user=user).count() == 30
    assert Message.objects.filter(user=user).count() == 120
    assert uploads_left() == []
    assert done["createdAt"] <= done["startedAt"] <= done["finishedAt"]


def test_a_spooled_upload_stays_in_chatcores_directories(auth_client, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # spool to FILE_UPLOAD_TEMP_DIR
    incoming = storage.job_dir(storage.INCOMING)
    assert str(incoming) == settings.FILE_UPLOAD_TEMP_DIR
    assert os.stat(incoming).st_mode & 0o777 == 0o700
    content = chatgpt_export(40)
    response = auth_client.post(URL, {"file": upload(content)})
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["jobId"])
    assert Path(job.file_path).read_bytes() == content
    assert os.stat(job.file_path).st_mode & 0o777 == 0o600
    assert list(incoming.iterdir()) == []  # Django removed its spooled copy


def test_progress_increases_while_the_import_runs(auth_client, user):
    content = chatgpt_export(3000)
    location = auth_client.post(URL, {"file": upload(content)})["Location"]
    seen: list[tuple[int, int]] = []

    def sample() -> bool:
        body = auth_client.get(location).json()
        step = (body["progress"]["conversations"], body["progress"]["bytesRead"])
        if not seen or seen[-1] != step:
            seen.append(step)
        return body["status"] in ("succeeded", "failed")

    with worker_thread():
        wait_for(sample, what="import to finish")
    assert seen[-1] == (3000, len(content))
    assert len(seen) >= 3, seen  # queued (0), at least one step while running, done
    assert seen == sorted(seen)
    assert any(0 < conversations < 3000 for conversations, _ in seen), seen


def test_another_users_job_is_404_like_a_missing_one(auth_client, other_client):
    location = auth_client.post(URL, {"file": upload(chatgpt_export(10))})["Location"]
    for client, path in (
        (other_client, location),
        (auth_client, "/api/convos/import/00000000-0000-4000-8000-000000000000"),
        (auth_client, "/api/convos/import/not-a-uuid"),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "Job not found"}


def test_anonymous_callers_get_401(api_client, auth_client):
    location = auth_client.post(URL, {"file": upload(chatgpt_export(10))})["Location"]
    assert api_client.get(location).status_code == 401


def test_a_bad_large_file_fails_the_job_with_the_import_error_and_imports_nothing(
    auth_client, user
):
    content = b"[" + b'{"title": "x"},' * 400 + b"{"
    location = auth_client.post(URL, {"file": upload(content)})["Location"]
    with worker_thread():
        wait_for_job(location.rsplit("/", 1)[1])
    body = auth_client.get(location).json()
    assert body["status"] == "failed"
    assert body["attempts"] == 1  # bad input is not retried
    assert body["error"]["error"] in {
        "The file is not valid JSON",
        "Unsupported import format: expected a LibreChat, ChatGPT, Claude.ai, Chatbot UI "
        "or Open WebUI export",
    }
    assert body["result"] is None
    assert Conversation.objects.count() == 0
    assert uploads_left() == []


def test_kill_9_of_the_worker_mid_import_leaves_nothing_and_the_job_is_retried(auth_client, user):
    content = chatgpt_export(4000)
    location = auth_client.post(URL, {"file": upload(content)})["Location"]
    job_id = location.rsplit("/", 1)[1]
    worker = start_worker_process()
    try:
        wait_for(
            lambda: Job.objects.get(pk=job_id).progress.get("conversations", 0) > 0,
            timeout=120,
            what="the worker process to be importing",
        )
        assert Job.objects.get(pk=job_id).status == "running"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    assert worker.returncode == -signal.SIGKILL
    # The import transaction died with its connection: nothing half-imported.
    assert Conversation.objects.filter(user=user).count() == 0
    assert Message.objects.filter(user=user).count() == 0

    wait_for(lambda: jobs_recover_stale() == 1, what="the stale job to be recovered")
    retried = auth_client.get(location).json()
    assert retried["status"] == "queued"
    assert retried["error"] == {"error": WORKER_LOST}
    with worker_thread():
        wait_for_job(job_id)
    done = auth_client.get(location).json()
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2
    assert done["error"] is None
    assert done["result"]["conversations"] == 4000
    assert Conversation.objects.filter(user=user).count() == 4000
    assert uploads_left() == []


def test_a_job_killed_on_its_last_attempt_is_failed_not_lost(auth_client, user):
    location = auth_client.post(URL, {"file": upload(chatgpt_export(4000))})["Location"]
    job_id = location.rsplit("/", 1)[1]
    Job.objects.filter(pk=job_id).update(max_attempts=1)
    worker = start_worker_process()
    try:
        wait_for(
            lambda: Job.objects.get(pk=job_id).progress.get("conversations", 0) > 0,
            timeout=120,
            what="the worker process to be importing",
        )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    wait_for(lambda: jobs_recover_stale() == 1, what="the stale job to be recovered")
    body = auth_client.get(location).json()
    assert body["status"] == "failed"
    assert body["error"] == {"error": WORKER_LOST}
    assert Conversation.objects.filter(user=user).count() == 0
    assert uploads_left() == []


def test_jobs_of_two_users_are_their_own(auth_client, other_client, user, other_user):
    mine = auth_client.post(URL, {"file": upload(chatgpt_export(5))})["Location"]
    theirs = other_client.post(URL, {"file": upload(chatgpt_export(7))})["Location"]
    with worker_thread():
        wait_for_job(mine.rsplit("/", 1)[1])
        wait_for_job(theirs.rsplit("/", 1)[1])
    assert auth_client.get(mine).json()["result"]["conversations"] == 5
    assert other_client.get(theirs).json()["result"]["conversations"] == 7
    assert Conversation.objects.filter(user=user).count() == 5
    assert Conversation.objects.filter(user=other_user).count() == 7
    assert bearer_client(other_user).get(mine).status_code == 404

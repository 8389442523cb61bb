"""``POST /api/convos/export`` (whole-account export as a job), ``GET
/api/convos/export/{jobId}`` and its download, run by a real worker; the file round-trips
through the import job (docs/api-behaviour.md#export-jobs)."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from io import StringIO

import pytest
import yaml
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from chatcore.jobs.models import Job
from chatcore.jobs.services import jobs_maintenance
from convos_app.models import Conversation
from messages_app.models import Message
from tags_app.services import tag_links_add_new
from tests.factories import ConversationFactory, message_chain
from tests.jobs_support import job_settings, wait_for_job, worker_thread  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("job_settings")]

URL = "/api/convos/export"


@pytest.fixture(autouse=True)
def private_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "export-job-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def history(user, count: int = 3, messages: int = 4) -> list[Conversation]:
    conversations = []
    for index in range(count):
        convo = ConversationFactory(user=user, title=f"Trip {index}")
        message_chain(convo, messages)
        conversations.append(convo)
    return conversations


def run_export(client, body=None) -> dict:
    response = client.post(URL, body or {}, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"
    assert response["Location"] == f"{URL}/{response.json()['jobId']}"
    with worker_thread():
        wait_for_job(response.json()["jobId"])
    done = client.get(response["Location"])
    assert done.status_code == 200
    return done.json()


def download(client, job: dict) -> list[dict]:
    response = client.get(job["result"]["download"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="chatcore-export-')
    return json.loads(b"".join(response.streaming_content))


def test_the_export_job_writes_every_conversation_and_round_trips_through_import(
    auth_client, other_client, user, other_user
):
    mine = history(user, count=3, messages=4)
    history(other_user, count=2)  # never part of alice's export
    job = run_export(auth_client)
    assert job["status"] == "succeeded", job
    assert job["progress"] == {"conversations": 3, "messages": 12}
    result = job["result"]
    assert (result["conversations"], result["messages"]) == (3, 12)
    assert result["download"].endswith(f"{URL}/{job['jobId']}/download")
    assert result["expiresAt"] > job["finishedAt"]
    stored = Job.objects.get(pk=job["jobId"])
    assert os.stat(stored.file_path).st_mode & 0o777 == 0o600
    assert result["bytes"] == os.path.getsize(stored.file_path)

    exported = download(auth_client, job)
    assert sorted(c["title"] for c in exported) == [c.title for c in mine]

    # The file is an import file: bob imports it (through the import job, it is large enough).
    raw = json.dumps(exported).encode()
    imported = other_client.post(
        "/api/convos/import",
        {"file": SimpleUploadedFile("export.json", raw, content_type="application/json")},
    )
    assert imported.status_code == 202, imported.json()
    with worker_thread():
        wait_for_job(imported.json()["jobId"])
    body = other_client.get(imported["Location"]).json()
    assert body["status"] == "succeeded", body
    assert (body["result"]["conversations"], body["result"]["messages"]) == (3, 12)
    titles = sorted(
        Conversation.objects.filter(user=other_user, title__startswith="Trip").values_list(
            "title", flat=True
        )
    )
    assert titles == ["Trip 0", "Trip 0", "Trip 1", "Trip 1", "Trip 2"]
    texts = {m.text for m in Message.objects.filter(user=user)}
    assert texts <= {m.text for m in Message.objects.filter(user=other_user)}


def test_filters_select_by_tags_archived_state_and_update_time(auth_client, user):
    first, second, third = history(user, count=3, messages=2)
    with transaction.atomic():
        tag_links_add_new(
            user=user, names_by_conversation={first.pk: ["work"], second.pk: ["home"]}
        )
    Conversation.objects.filter(pk=third.pk).update(is_archived=True)
    old = timezone.now() - timedelta(days=30)
    Conversation.objects.filter(pk=first.pk).update(updated_at=old)

    def titles(body) -> list[str]:
        job = run_export(auth_client, body)
        return sorted(c["title"] for c in download(auth_client, job))

    assert titles({"tags": ["work", "home"]}) == ["Trip 0", "Trip 1"]
    assert titles({"isArchived": True}) == ["Trip 2"]
    assert titles({"isArchived": False, "tags": ["work"]}) == ["Trip 0"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert titles({"updatedAfter": since}) == ["Trip 1", "Trip 2"]
    assert titles({"updatedBefore": since}) == ["Trip 0"]
    assert titles({"tags": ["nothing-like-this"]}) == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"tags": "work"}, "tags must be an array of strings"),
        ({"isArchived": "yes"}, "isArchived must be true or false"),
        ({"updatedAfter": "last week"}, "updatedAfter must be an ISO-8601 date-time"),
        ({"since": "2024-01-01"}, "Unknown field: since"),
    ],
)
def test_a_bad_filter_is_a_400_and_starts_nothing(auth_client, body, error):
    response = auth_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert not Job.objects.exists()


def test_another_users_export_is_404_and_an_unfinished_one_409(auth_client, other_client, user):
    history(user, count=1)
    location = auth_client.post(URL, {}, format="json")["Location"]
    early = auth_client.get(f"{location}/download")
    assert early.status_code == 409
    assert early.json() == {
        "error": "The export is not ready",
        "message": "The export job is queued",
    }
    with worker_thread():
        wait_for_job(location.rsplit("/", 1)[1])
    for path in (location, f"{location}/download"):
        response = other_client.get(path)
        assert response.status_code == 404
        assert response.json() == {"error": "Job not found"}
    # An import job's id is not an export job.
    assert auth_client.get(f"/api/convos/import/{location.rsplit('/', 1)[1]}").status_code == 404


def test_an_expired_export_is_gone_and_its_file_removed(auth_client, user):
    history(user, count=1)
    job = run_export(auth_client)
    path = Job.objects.get(pk=job["jobId"]).file_path
    Job.objects.filter(pk=job["jobId"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert jobs_maintenance()["files_removed"] == 1
    assert not os.path.exists(path)
    gone = auth_client.get(f"{URL}/{job['jobId']}/download")
    assert gone.status_code == 410
    assert gone.json() == {"error": "The export has expired"}
    after = auth_client.get(f"{URL}/{job['jobId']}").json()
    assert after["result"]["download"] is None and after["result"]["expiresAt"] is None


def test_the_schema_documents_the_job_routes(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), stderr=StringIO())
    paths = yaml.safe_load(target.read_text())["paths"]
    assert set(paths["/api/convos/import"]["post"]["responses"]) >= {"201", "202", "400", "413"}
    assert set(paths["/api/convos/import/{job_id}"]["get"]["responses"]) >= {"200", "404"}
    assert set(paths["/api/convos/export"]["post"]["responses"]) >= {"202", "400"}
    assert set(paths["/api/convos/export/{job_id}"]["get"]["responses"]) >= {"200", "404"}
    download = paths["/api/convos/export/{job_id}/download"]["get"]["responses"]
    assert set(download) >= {"200", "404", "409", "410"}


def test_options_on_the_export_route_answers_json(auth_client):
    # OPTIONS names the route and its methods; its inputs are described by the OpenAPI schema
    # (docs/api-behaviour.md#hostile-input), never by a serializer lookup that could fail.
    response = auth_client.options(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "POST" in response["Allow"]

"""Exports and temporary chats (docs/api-behaviour.md#temporary-chats,
docs/api-behaviour.md#purge): the whole-account export job leaves temporary chats out, so no
job file outlives a chat's expiry; an expired chat is in no export at all."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import ConversationFactory, message_chain
from tests.jobs_support import job_settings, wait_for_job, worker_thread  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("job_settings")]


@pytest.fixture(autouse=True)
def private_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "retention-export-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def test_the_export_job_leaves_temporary_chats_out(auth_client, user):
    kept = ConversationFactory(user=user, title="Ordinary")
    message_chain(kept, 2)
    temporary = ConversationFactory(
        user=user, title="Temporary", expired_at=timezone.now() + timedelta(hours=1)
    )
    temporary.is_temporary = True
    temporary.save(update_fields=["is_temporary"])
    message_chain(temporary, 2)

    response = auth_client.post("/api/convos/export", {}, format="json")
    assert response.status_code == 202, response.json()
    with worker_thread():
        wait_for_job(response.json()["jobId"])
    job = auth_client.get(response["Location"]).json()
    assert job["status"] == "succeeded", job
    download = auth_client.get(job["result"]["download"])
    exported = json.loads(b"".join(download.streaming_content))
    assert [c["title"] for c in exported] == ["Ordinary"]
    # The chat itself still exports by id until it expires.
    one = auth_client.get(f"/api/convos/{temporary.conversation_id}/export")
    assert one.status_code == 200

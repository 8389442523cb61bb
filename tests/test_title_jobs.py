"""AI titles as a job: after the first reply a ``title`` job runs on the queue (a real worker
thread, the fake OpenAI server through the real SDK) and ``gen_title`` keeps its waiting
behaviour (docs/api-behaviour.md#titles)."""

from __future__ import annotations

import pytest
from django.db import transaction

from chatcore.jobs.models import Job
from convos_app.models import Conversation
from convos_app.services.titles import conversation_title_after_reply
from tests import fake_providers
from tests.factories import ConversationFactory, message_chain
from tests.jobs_support import job_settings, wait_for_job, worker_thread  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("job_settings")]

fake_llm = fake_providers.fake_llm
ai_settings = fake_providers.ai_settings


@pytest.fixture
def title_model(ai_settings, fake_llm):
    ai_settings.AI_TITLE_MODEL = "gpt-4o-mini"
    ai_settings.CONVERSATION_TITLE_GENERATOR = "chatcore.ai.titles.ai_title"
    ai_settings.CONVERSATION_TITLE_BACKGROUND = True
    ai_settings.GEN_TITLE_BACKOFF_MS = [100, 200, 400, 800, 1600, 3200, 6400]
    fake_llm.reply = "Quarterly Sales Review"
    return fake_llm


def first_reply(user) -> Conversation:
    chat = ConversationFactory(user=user, title="New Chat")
    message_chain(chat, 2)
    with transaction.atomic():
        assert conversation_title_after_reply(conversation=chat) is True
    return chat


def test_the_ai_title_is_written_by_a_job_and_gen_title_waits_for_it(
    title_model, auth_client, user
):
    chat = first_reply(user)
    job = Job.objects.get(kind="title")
    assert (job.user, job.status, job.params) == (user, "queued", {"conversation_pk": chat.pk})
    assert title_model.requests == []  # nothing called the model inside the request
    with worker_thread():
        response = auth_client.get(f"/api/convos/gen_title/{chat.conversation_id}")
        assert response.status_code == 200, response.json()
        assert response.json() == {"title": "Quarterly Sales Review"}
        done = wait_for_job(job.pk)
    assert done.status == "succeeded"
    assert done.result == {"title": "Quarterly Sales Review"}
    assert title_model.requests[-1]["body"]["model"] == "gpt-4o-mini"
    chat.refresh_from_db()
    assert chat.title == "Quarterly Sales Review"


def test_a_failing_title_model_still_titles_through_the_offline_titler(
    title_model, auth_client, user
):
    title_model.status = 500
    chat = first_reply(user)
    with worker_thread():
        done = wait_for_job(Job.objects.get(kind="title").pk)
    assert done.status == "succeeded"
    chat.refresh_from_db()
    assert chat.title not in ("", "New Chat")
    assert done.result == {"title": chat.title}


def test_the_offline_titler_runs_at_commit_without_a_job(settings, user):
    settings.CONVERSATION_TITLE_BACKGROUND = True
    settings.CONVERSATION_TITLE_GENERATOR = "convos_app.services.titles.extractive_title"
    chat = first_reply(user)
    chat.refresh_from_db()
    assert chat.title != "New Chat"
    assert not Job.objects.exists()

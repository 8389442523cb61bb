"""The job runner through the real queue: django-tasks-db's worker in a thread, the test
database, retries with back-off, failure with its error, crash recovery, scheduled work and
job files (docs/api-behaviour.md#jobs)."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from chatcore.errors import InvalidInput
from chatcore.jobs import storage
from chatcore.jobs.models import Job
from chatcore.jobs.registry import register_job_kind
from chatcore.jobs.runner import (
    JOB_FAILED,
    WORKER_LOST,
    jobs_recover_stale,
    retry_delay,
    run_job,
)
from chatcore.jobs.services import job_files_cleanup, job_start, jobs_maintenance
from tests.jobs_support import job_settings, wait_for, wait_for_job, worker_thread  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("job_settings")]


def _steps(job, report):
    for step in range(1, 4):
        report({"step": step})
        time.sleep(0.15)
    return {"echo": job.params["value"], "attempt": job.attempts}


def _flaky(job, report):
    if job.attempts < job.params["fail_times"] + 1:
        raise RuntimeError(f"boom on attempt {job.attempts}")
    return {"attempt": job.attempts}


def _bad_input(job, report):
    raise InvalidInput("Nothing to do", message="the input was empty")


register_job_kind("test-steps", _steps)
register_job_kind("test-flaky", _flaky, max_attempts=3)
register_job_kind("test-bad-input", _bad_input)


def test_a_job_runs_through_the_queue_and_records_progress_and_result(user):
    job = job_start(user=user, kind="test-steps", params={"value": "hi"})
    assert Job.objects.get(pk=job.pk).status == "queued"
    queued = DBTaskResult.objects.get(id=job.task_id)
    assert queued.status == TaskResultStatus.READY
    assert queued.args_kwargs == {"args": [str(job.pk)], "kwargs": {}}

    seen_steps = []
    with worker_thread():
        wait_for(lambda: Job.objects.get(pk=job.pk).status == "running", what="running")

        def record_step():
            step = Job.objects.get(pk=job.pk).progress.get("step")
            if step and step not in seen_steps:
                seen_steps.append(step)
            return Job.objects.get(pk=job.pk).finished

        wait_for(record_step, what="finish")
    done = Job.objects.get(pk=job.pk)
    assert done.status == "succeeded"
    assert done.result == {"echo": "hi", "attempt": 1}
    assert done.error is None
    assert done.progress == {"step": 3}
    assert seen_steps == sorted(seen_steps) and seen_steps[-1] == 3
    assert done.started_at <= done.finished_at
    assert DBTaskResult.objects.get(id=done.task_id).status == TaskResultStatus.SUCCESSFUL


def test_several_workers_share_the_queue_and_run_each_job_once(user):
    jobs = [job_start(user=user, kind="test-steps", params={"value": str(i)}) for i in range(6)]
    with worker_thread(), worker_thread():
        done = [wait_for_job(job.pk) for job in jobs]
    assert [(j.status, j.attempts, j.result["echo"]) for j in done] == [
        ("succeeded", 1, str(i)) for i in range(6)
    ]
    attempts = DBTaskResult.objects.filter(id__in=[j.task_id for j in done])
    assert attempts.count() == 6
    assert all(len(a.worker_ids) == 1 for a in attempts)
    assert len({a.worker_ids[0] for a in attempts}) == 2  # both workers took jobs


def test_a_crashing_job_is_retried_with_back_off_then_succeeds(user):
    job = job_start(user=user, kind="test-flaky", params={"fail_times": 2})
    with worker_thread():
        done = wait_for_job(job.pk)
    assert done.status == "succeeded", done.error
    assert done.attempts == 3
    assert done.result == {"attempt": 3}
    attempts = list(
        DBTaskResult.objects.filter(args_kwargs__args=[str(job.pk)]).order_by("enqueued_at")
    )
    assert [a.status for a in attempts] == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert "boom on attempt 1" in attempts[0].traceback
    # Each retry was scheduled its back-off after the failed attempt, and ran no earlier.
    for failed, retry, attempt in ((attempts[0], attempts[1], 1), (attempts[1], attempts[2], 2)):
        assert retry.run_after >= failed.started_at + retry_delay(attempt)
        assert retry.run_after <= failed.finished_at + retry_delay(attempt)
        assert retry.started_at >= retry.run_after
    assert retry_delay(1) == timedelta(seconds=0.3)
    assert retry_delay(2) == timedelta(seconds=0.6)


def test_a_job_that_keeps_crashing_fails_with_its_error(user):
    job = job_start(user=user, kind="test-flaky", params={"fail_times": 5})
    with worker_thread():
        done = wait_for_job(job.pk)
    assert done.status == "failed"
    assert done.attempts == 3
    assert done.error == {"error": JOB_FAILED, "message": "RuntimeError: boom on attempt 3"}
    assert done.result is None
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(job.pk)]).count() == 3


def test_bad_input_fails_at_once_with_its_sentence(user):
    job = job_start(user=user, kind="test-bad-input")
    with worker_thread():
        done = wait_for_job(job.pk)
    assert done.status == "failed"
    assert done.attempts == 1
    assert done.error == {"error": "Nothing to do", "message": "the input was empty"}


def test_a_running_job_whose_worker_died_is_retried_then_failed(user):
    job = job_start(user=user, kind="test-steps", params={"value": "x"})
    job.max_attempts = 2
    job.save(update_fields=["max_attempts"])
    long_ago = timezone.now() - timedelta(seconds=5)
    # As a worker that claimed the attempt and then died leaves it.
    DBTaskResult.objects.filter(id=job.task_id).update(status=TaskResultStatus.RUNNING)
    Job.objects.filter(pk=job.pk).update(status="running", attempts=1, heartbeat_at=long_ago)

    assert jobs_recover_stale() == 1
    retried = Job.objects.get(pk=job.pk)
    assert retried.status == "queued"
    assert retried.error == {"error": WORKER_LOST}
    dead = DBTaskResult.objects.get(id=job.task_id)
    assert dead.status == TaskResultStatus.FAILED
    assert dead.exception_class_path == "chatcore.jobs.runner.WorkerLost"
    assert retried.task_id != job.task_id

    # The second attempt dies as well: no attempts left, so the job fails.
    DBTaskResult.objects.filter(id=retried.task_id).update(status=TaskResultStatus.RUNNING)
    Job.objects.filter(pk=job.pk).update(status="running", attempts=2, heartbeat_at=long_ago)
    assert jobs_recover_stale() == 1
    failed = Job.objects.get(pk=job.pk)
    assert failed.status == "failed"
    assert failed.error == {"error": WORKER_LOST}
    assert jobs_recover_stale() == 0


def test_a_live_heartbeat_is_not_recovered(user):
    job = job_start(user=user, kind="test-steps", params={"value": "x"})
    Job.objects.filter(pk=job.pk).update(status="running", attempts=1, heartbeat_at=timezone.now())
    assert jobs_recover_stale() == 0
    assert Job.objects.get(pk=job.pk).status == "running"


def test_a_duplicate_queue_entry_does_not_run_a_finished_job(user):
    job = job_start(user=user, kind="test-steps", params={"value": "once"})
    with worker_thread():
        wait_for_job(job.pk)
        # A stale copy of the first attempt (e.g. re-enqueued by hand) finds the job done.
        stray = run_job.enqueue(str(job.pk))
        wait_for(
            lambda: DBTaskResult.objects.get(id=stray.id).status == TaskResultStatus.SUCCESSFUL,
            what="stray attempt",
        )
    assert DBTaskResult.objects.get(id=stray.id).return_value == "skipped"
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_job_directories_are_private_and_stale_files_are_removed(user):
    uploads = storage.job_dir(storage.UPLOADS)
    assert os.stat(uploads).st_mode & 0o777 == 0o700
    assert os.stat(uploads.parent).st_mode & 0o777 == 0o700
    orphan = uploads / "orphan.upload"
    orphan.write_bytes(b"user data")
    live = storage.new_file_path(storage.UPLOADS, ".upload")
    live.write_bytes(b"still queued")
    job_start(user=user, kind="test-steps", params={"value": "x"}, file_path=live)
    old = time.time() - 7200
    os.utime(orphan, (old, old))
    os.utime(live, (old, old))
    assert job_files_cleanup() == 1
    assert not orphan.exists()
    assert live.exists()


def test_scheduled_maintenance_runs_from_the_command(user, capsys):
    job = job_start(user=user, kind="test-steps", params={"value": "x"})
    Job.objects.filter(pk=job.pk).update(
        status="running", attempts=3, heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    call_command("run_periodic")
    assert "jobs_maintenance: {'recovered': 1," in capsys.readouterr().out
    assert Job.objects.get(pk=job.pk).status == "failed"
    assert jobs_maintenance() == {"recovered": 0, "files_removed": 0, "pruned": 0}

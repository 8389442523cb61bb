"""What a job kind does, and what runs on a schedule; filled from the apps' ``AppConfig.ready``.

A kind's handler is ``handler(job, report) -> result``: it does the work for ``job`` (its
``params`` and ``file_path``), calls ``report(progress_dict)`` as it goes, and returns the JSON
result. Raising a ``chatcore.errors.ApplicationError`` fails the job at once with that error
(bad input does not get better on a retry); any other exception is retried with back-off.

Periodic work is a plain function run every ``every_seconds`` by the worker's scheduler loop
(``manage.py jobs_worker``), or all at once by ``manage.py run_periodic`` from cron
(docs/api-behaviour.md#scheduled-work). It must be safe to run on several hosts at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chatcore.jobs.models import Job

Report = Callable[[Mapping[str, Any]], None]
Handler = Callable[[Job, Report], Mapping[str, Any]]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    max_attempts: int = 3


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: float
    run: Callable[[], object]


_kinds: dict[str, JobKind] = {}
_periodic: dict[str, Periodic] = {}


def register_job_kind(name: str, handler: Handler, *, max_attempts: int = 3) -> None:
    _kinds[name] = JobKind(name, handler, max_attempts)


def job_kind(name: str) -> JobKind:
    return _kinds[name]


def register_periodic(name: str, every_seconds: float, run: Callable[[], object]) -> None:
    _periodic[name] = Periodic(name, every_seconds, run)


def periodic_jobs() -> list[Periodic]:
    return list(_periodic.values())

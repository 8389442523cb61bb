"""Background jobs: the user-facing record of work done off the request path.

The queue itself is Django's Tasks API (the ``django-tasks`` backport) with the
PostgreSQL-backed ``django-tasks-db`` backend: it stores the queued task, and its worker
(``manage.py jobs_worker``) claims it with ``SELECT ... FOR UPDATE SKIP LOCKED``, so several
workers on several hosts share one queue and a queued job survives a restart.

What the backend does not have, and this package adds on top of it
(docs/api-behaviour.md#jobs):

- a ``Job`` row per piece of user work: owner, kind, progress, result or error — the thing the
  API shows and the admin lists;
- retries with exponential back-off (a failed attempt enqueues the next one with
  ``run_after``), then ``failed`` with the error;
- recovery of a job whose worker died (kill -9, lost host): a running job whose heartbeat is
  older than ``CHATCORE_JOB_STALE_SECONDS`` is retried or failed by the maintenance pass;
- a periodic facility (``registry.periodic``) run by the worker's scheduler loop or by
  ``manage.py run_periodic`` from cron;
- a private directory for uploaded files (``storage``).

Apps register their job kinds and periodic work from ``AppConfig.ready``; the kernel names no
domain model.
"""

"""gunicorn settings ``manage.py serve`` loads (``--config python:chatcore.gunicorn_conf``).

Set deliberately rather than left at gunicorn's defaults (docs/api-behaviour.md#serving-limits):

- ``limit_request_line`` (``WEB_LIMIT_REQUEST_LINE``, 8190 bytes): the method, path and query
  string. chatcore's longest legitimate line is a list URL with a signed cursor and a search
  query, well under 2 KB.
- ``limit_request_fields`` (``WEB_LIMIT_REQUEST_FIELDS``, 64 headers) and
  ``limit_request_field_size`` (``WEB_LIMIT_REQUEST_FIELD_SIZE``, 16384 bytes): room for a
  bearer token and the admin's cookies, nothing more.
- ``max_requests`` (``WEB_MAX_REQUESTS``, 10000) with ``max_requests_jitter``
  (``WEB_MAX_REQUESTS_JITTER``, 1000): a worker is replaced after 10,000-11,000 requests, so
  memory a request made Python keep (CPython rarely returns freed arenas) is given back, and the
  workers do not all restart at once. Not fewer: a new worker spends about two seconds of
  CPU loading Django and the views, and at 1,000 requests the two workers of the 8-client
  benchmark (``python -m bench floors``, ~400 requests/s) restarted every few seconds and its
  throughput fell by a quarter (list) to a half (append).
- ``post_worker_init``: the views are imported and start-up's objects frozen out of the garbage
  collector's walks (below).

A request gunicorn itself refuses (a line or header over these limits, a malformed request)
never reaches Django; gunicorn answers it with a page of its own, which is HTML. The API answers
JSON in the one error shape always (docs/api-behaviour.md#error-shape), so gunicorn's error
writer is replaced here by one that writes ``{"error": ...}`` — the one place gunicorn offers no
setting for.
"""

from __future__ import annotations

import gc
import json

from gunicorn import util

from chatcore.env import env_int

limit_request_line = env_int("WEB_LIMIT_REQUEST_LINE", 8190)
limit_request_fields = env_int("WEB_LIMIT_REQUEST_FIELDS", 64)
limit_request_field_size = env_int("WEB_LIMIT_REQUEST_FIELD_SIZE", 16384)
max_requests = env_int("WEB_MAX_REQUESTS", 10000)
max_requests_jitter = env_int("WEB_MAX_REQUESTS_JITTER", 1000)


def post_worker_init(worker: object) -> None:
    """Import every view now and move what start-up made out of the collector's way.

    A worker holds ~280,000 objects after Django, DRF and the views are loaded, and each of
    CPython's full collections walks all of them: a 2,000-message read allocates enough to
    trigger several, adding up to 150 ms to one in ten such reads. ``gc.freeze()`` puts the start-up
    objects in the permanent generation (they live as long as the worker anyway), so a
    collection walks only what requests made. Loading the URLconf first freezes the views and
    serializers too, which Django would otherwise import on the first request.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    gc.freeze()


# gunicorn's reasons, as the one error shape's sentences.
_SENTENCES = {
    400: "Bad request",
    403: "Forbidden",
    414: "Request line too long",
    417: "Expectation failed",
    431: "Request headers too large",
    500: "Internal server error",
    501: "Transfer coding not supported",
}


def write_json_error(sock: object, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's ``util.write_error`` with a JSON body (the reason gunicorn gives is kept as
    ``message``, without echoing the request back)."""
    body = json.dumps({"error": _SENTENCES.get(status_int, reason), "message": reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    util.write_nonblock(sock, head + body)


util.write_error = write_json_error

"""Messages API benchmark: ``python -m bench messages`` (or ``make bench``).

Seeds three users with ``seed_demo`` in the bench database (one conversation each of 20, 2,000
and 10,000 messages; reused on later runs), serves the app with gunicorn on 127.0.0.1, and
times over keep-alive loopback HTTP:

* ``GET /api/messages/{id}`` on the 20- and 2,000-message conversations;
* ``GET /api/messages?conversationId=...&pageSize=25`` page 1 and page 50 on the 10,000 one;
* ``POST /api/messages/{id}`` into the 20- and the 2,000-message conversation.

Each case is also divided by a floor measured in the same run: the same rows read (or, for
POST, written) with raw psycopg and encoded with the same ``json`` call DRF's renderer makes.
Targets: 2,000-message GET <= 2x its floor; page 50 <= 1.2x page 1; POST into 2,000 <= 1.2x
POST into 20. Pairs compared with each other are timed interleaved so drift hits both alike.
"""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.harness import Stats, gunicorn, measure, print_table, setup_django

SIZES = {"small": 20, "large": 2_000, "paged": 10_000}
SEED = 3
PAGE_SIZE = 25
DEEP_PAGE = 50

MESSAGE_SQL = """
SELECT m.id, m.message_id, c.conversation_id, m.parent_message_id, m.sender, m.text,
       m.is_created_by_user, m.endpoint, m.model, m.token_count, m.unfinished, m.error,
       m.finish_reason, m.icon_url, m.thread_id, m.attachments, m.files, m.metadata,
       m.created_at, m.updated_at, f.rating, f.tag, f.text, f.comment_key
FROM messages_app_message m
JOIN convos_app_conversation c ON c.id = m.conversation_id
LEFT JOIN messages_app_feedback f ON f.message_id = m.id
WHERE m.user_id = %s AND m.conversation_id = %s {extra}
ORDER BY {order}
{limit}
"""
PARTS_SQL = (
    "SELECT message_id, payload FROM messages_app_contentpart "
    "WHERE message_id = ANY(%s) ORDER BY message_id, index"
)
KEYS = (
    *("messageId", "conversationId", "parentMessageId", "sender", "text", "isCreatedByUser"),
    *("endpoint", "model", "tokenCount", "unfinished", "error", "finish_reason", "iconURL"),
    *("thread_id", "attachments", "files", "metadata", "createdAt", "updatedAt"),
)


@dataclass(frozen=True)
class Fixture:
    user_id: int
    token: str
    convo_pk: int
    convo_id: str
    last_message_id: str


def _seed() -> dict[str, Fixture]:
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import RefreshToken

    from chatcore.models import User
    from convos_app.models import Conversation
    from messages_app.models import Message

    fixtures = {}
    for name, size in SIZES.items():
        prefix = f"bench-messages-{size}-"
        user = User.objects.filter(email=f"{prefix}0@example.com").first()
        if user is None or not Conversation.objects.filter(user=user).exists():
            print(f"seeding a {size}-message conversation...", flush=True)
            call_command(
                "seed_demo",
                users=1,
                conversations=1,
                messages=size,
                seed=SEED,
                email_prefix=prefix,
                verbosity=0,
            )
            user = User.objects.get(email=f"{prefix}0@example.com")
        convo = Conversation.objects.filter(user=user).order_by("pk").first()
        last = Message.objects.filter(conversation=convo).order_by("-created_at", "-pk").first()
        fixtures[name] = Fixture(
            user_id=user.pk,
            token=str(RefreshToken.for_user(user).access_token),
            convo_pk=convo.pk,
            convo_id=convo.conversation_id,
            last_message_id=last.message_id,
        )
    return fixtures


class Client:
    """One keep-alive HTTP/1.1 connection to the gunicorn under test."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def request(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # gunicorn closes idle keep-alive connections after a few seconds: reconnect.
            self.connection.close()
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
        return response.status, response.read()


def _encode(rows: list[tuple], parts: dict[int, list]) -> bytes:
    """What the renderer does with the same rows: dicts, ISO timestamps, compact UTF-8 JSON."""
    items = []
    for row in rows:
        item = dict(zip(KEYS, row[1:20], strict=True))
        item["createdAt"] = item["createdAt"].isoformat(timespec="milliseconds")
        item["updatedAt"] = item["updatedAt"].isoformat(timespec="milliseconds")
        if row[0] in parts:
            item["content"] = parts[row[0]]
        if row[20] is not None:
            item["feedback"] = {"rating": row[20], "tag": row[21], "text": row[22]}
        items.append(item)
    return json.dumps(items, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def _fetch(cursor: Any, sql: str, params: tuple) -> bytes:
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    cursor.execute(PARTS_SQL, ([row[0] for row in rows],))
    parts: dict[int, list] = {}
    for message_pk, payload in cursor.fetchall():
        parts.setdefault(message_pk, []).append(payload)
    return _encode(rows, parts)


def _interleaved(first: Callable[[], object], second: Callable[[], object], repeat: int):
    """Time two cases alternately (A, B, A, B...) so machine drift affects both equally."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(3):
        first()
        second()
    for _ in range(repeat):
        for fn, bucket in ((first, samples[0]), (second, samples[1])):
            started = time.perf_counter()
            fn()
            bucket.append((time.perf_counter() - started) * 1000)
    return _stats(samples[0]), _stats(samples[1])


def _stats(samples: list[float]) -> Stats:
    import statistics

    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Stats(median_ms=statistics.median(ordered), p95_ms=p95, n=len(ordered))


def main() -> None:
    setup_django()
    import psycopg
    from django.db import connection

    from messages_app.models import Message

    fixtures = _seed()
    settings = connection.get_connection_params()
    raw = psycopg.connect(
        **{k: v for k, v in settings.items() if k not in ("cursor_factory", "context")},
        autocommit=True,
    )
    cursor = raw.cursor()
    posted: list[str] = []
    rows: list[tuple[str, Stats, str]] = []

    with gunicorn(workers=1, threads=1) as base:
        client = Client(base)

        def get_conversation(fx: Fixture) -> Callable[[], object]:
            def call() -> None:
                status, body = client.request("GET", f"/api/messages/{fx.convo_id}", fx.token)
                assert status == 200, body[:200]

            return call

        def floor_conversation(fx: Fixture) -> Callable[[], object]:
            sql = MESSAGE_SQL.format(extra="", order="m.created_at, m.id", limit="")
            return lambda: _fetch(cursor, sql, (fx.user_id, fx.convo_pk))

        for name in ("small", "large"):
            fx = fixtures[name]
            stats = measure(get_conversation(fx), repeat=30)
            floor = measure(floor_conversation(fx), repeat=30)
            ratio = stats.median_ms / floor.median_ms
            target = " (target <= 2x)" if name == "large" else ""
            rows.append(
                (
                    f"GET /api/messages/:id, {SIZES[name]} messages",
                    stats,
                    f"{ratio:.2f}x floor{target}",
                )
            )
            rows.append((f"floor: raw psycopg + json, {SIZES[name]} rows", floor, ""))

        # --- keyset pages on the 10,000-message conversation --------------------------------
        fx = fixtures["paged"]
        query = {"conversationId": fx.convo_id, "pageSize": PAGE_SIZE}
        cursor_token = None
        for _ in range(DEEP_PAGE - 1):
            params = {**query, **({"cursor": cursor_token} if cursor_token else {})}
            _, body = client.request("GET", f"/api/messages?{urlencode(params)}", fx.token)
            cursor_token = json.loads(body)["nextCursor"]
        page1_path = f"/api/messages?{urlencode(query)}"
        page50_path = f"/api/messages?{urlencode({**query, 'cursor': cursor_token})}"
        # The 25 rows of page 50 start after the last row of page 49 (created_at, id).
        cursor.execute(
            "SELECT created_at, id FROM messages_app_message WHERE conversation_id = %s "
            "ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1",
            (fx.convo_pk, (DEEP_PAGE - 1) * PAGE_SIZE - 1),
        )
        boundary = cursor.fetchone()

        def page(path: str) -> Callable[[], object]:
            def call() -> None:
                status, body = client.request("GET", path, fx.token)
                assert status == 200, body[:200]

            return call

        page_sql = MESSAGE_SQL.format(
            extra="{}", order="m.created_at DESC, m.id DESC", limit=f"LIMIT {PAGE_SIZE}"
        )
        floor1_sql = page_sql.format("")
        floor50_sql = page_sql.format("AND (m.created_at, m.id) < (%s, %s)")
        p1, p50 = _interleaved(page(page1_path), page(page50_path), repeat=60)
        f1 = measure(lambda: _fetch(cursor, floor1_sql, (fx.user_id, fx.convo_pk)), repeat=60)
        f50 = measure(
            lambda: _fetch(cursor, floor50_sql, (fx.user_id, fx.convo_pk, *boundary)), repeat=60
        )
        rows.append(
            (
                f"GET /api/messages page 1 (10,000 messages, pageSize {PAGE_SIZE})",
                p1,
                f"{p1.median_ms / f1.median_ms:.2f}x floor",
            )
        )
        rows.append(
            (
                f"GET /api/messages page {DEEP_PAGE}",
                p50,
                f"{p50.median_ms / f50.median_ms:.2f}x floor; "
                f"{p50.median_ms / p1.median_ms:.2f}x page 1 (target <= 1.2x)",
            )
        )
        rows.append(("floor: page 1 rows", f1, ""))
        rows.append((f"floor: page {DEEP_PAGE} rows", f50, ""))

        # --- POST into a short and a long conversation ---------------------------------------
        def post(fx: Fixture) -> Callable[[], object]:
            def call() -> None:
                message_id = str(uuid.uuid4())
                body = {
                    "messageId": message_id,
                    "parentMessageId": fx.last_message_id,
                    "text": "How does this compare with what you said earlier?",
                    "sender": "User",
                    "isCreatedByUser": True,
                }
                status, answer = client.request(
                    "POST", f"/api/messages/{fx.convo_id}", fx.token, body
                )
                assert status == 201, answer[:200]
                posted.append(message_id)

            return call

        def floor_post(fx: Fixture) -> Callable[[], object]:
            def call() -> None:
                message_id = str(uuid.uuid4())
                with raw.transaction():
                    cursor.execute(
                        "INSERT INTO messages_app_message (user_id, conversation_id, message_id, "
                        "parent_message_id, sender, text, is_created_by_user, token_count, "
                        "unfinished, error, is_temporary, extra, created_at, updated_at) "
                        "VALUES (%s, %s, %s, %s, 'User', %s, true, 12, false, false, false, "
                        "'{}', now(), now()) RETURNING id, message_id, created_at",
                        (fx.user_id, fx.convo_pk, message_id, fx.last_message_id, "floor"),
                    )
                    row = cursor.fetchone()
                    cursor.execute(
                        "UPDATE convos_app_conversation SET updated_at = now() WHERE id = %s",
                        (fx.convo_pk,),
                    )
                json.dumps(
                    {"messageId": row[1], "createdAt": row[2].isoformat()},
                    ensure_ascii=False,
                    separators=(",", ":"),
                ).encode()
                posted.append(message_id)

            return call

        s20, s2k = _interleaved(post(fixtures["small"]), post(fixtures["large"]), repeat=60)
        f20, f2k = _interleaved(
            floor_post(fixtures["small"]), floor_post(fixtures["large"]), repeat=60
        )
        rows.append(
            (
                "POST /api/messages/:id into 20 messages",
                s20,
                f"{s20.median_ms / f20.median_ms:.2f}x floor",
            )
        )
        rows.append(
            (
                "POST /api/messages/:id into 2,000 messages",
                s2k,
                f"{s2k.median_ms / f2k.median_ms:.2f}x floor; "
                f"{s2k.median_ms / s20.median_ms:.2f}x POST into 20 (target <= 1.2x)",
            )
        )
        rows.append(("floor: raw INSERT + conversation UPDATE, 20", f20, ""))
        rows.append(("floor: raw INSERT + conversation UPDATE, 2,000", f2k, ""))
        client.connection.close()

    # Leave the seeded conversations as they were for the next run.
    Message.objects.filter(message_id__in=posted).delete()
    raw.close()
    print_table("Messages API (gunicorn 1 worker, keep-alive loopback HTTP)", rows)


if __name__ == "__main__":
    main()

"""Hot-path benchmark against raw floors: ``python -m bench floors``.

Seeds (once, in the bench database) one user with 1,200 conversations of 20 messages and one
user with a 2,000-message conversation. Serves the app with ``make run``'s default gunicorn
(2 workers x 4 threads) on 127.0.0.1 and reports, in one run, every operation beside its
floor: the same rows fetched with raw psycopg over one persistent connection and encoded with
the same JSON library (orjson). Ratios are from the same run; pairs are timed interleaved so
machine drift (other processes on a shared machine) affects both sides alike.

* ``GET /api/convos?limit=60`` page 1 and page 20 (target <= 1.5x floor; page 20 <= 1.1x page 1),
  beside the stack's own floor: ``GET /healthz`` (HTTP, Django, one ``SELECT 1``, no auth)
* ``GET /api/messages/{id}`` of 2,000 messages (target <= 1.3x floor)
* ``GET /api/convos/{id}`` (target <= 2x an authenticated no-op request, ``GET /api/user``)
* ``POST /api/messages/{id}`` into a 20- and a 2,000-message conversation (<= 3x floor; the
  2,000 case <= 1.2x the 20 case)
* ``GET /api/convos?search=<word in ~30% of messages>`` vs the same word's
  ``GET /api/messages?search=`` (target <= 2x)
* 1 vs 8 concurrent clients on list page 1 and on append (target: 8 clients >= 2x the
  throughput of one)

``BENCH_REPEAT`` sets the samples per case (default 40).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.harness import Stats, gunicorn, measure, print_table, setup_django
from bench.messages import Client, _interleaved

LIST_PREFIX = "bench-floor-list-"
READ_PREFIX = "bench-floor-read-"
LIST_CONVERSATIONS, LIST_MESSAGES = 1_200, 20
READ_MESSAGES = 2_000
PAGE = 60
DEEP = 20
REPEAT = int(os.environ.get("BENCH_REPEAT", "40"))

CONVO_SQL = """
    SELECT c.id, c.conversation_id, c.title, c.user_id, c.endpoint, c.endpoint_type, c.model,
           c.agent_id, c.assistant_id, c.spec, c.icon_url, c.is_archived, c.is_temporary,
           c.expired_at, c.files, c.settings, c.created_at, c.updated_at,
           ARRAY(SELECT t.name FROM tags_app_taggedconversation l
                 JOIN tags_app_tag t ON t.id = l.tag_id
                 WHERE l.conversation_id = c.id ORDER BY l.id)
    FROM convos_app_conversation c
    WHERE c.user_id = %s AND c.expired_at IS NULL AND NOT c.is_archived {extra}
    ORDER BY c.updated_at DESC, c.id DESC LIMIT %s
"""
CONVO_KEYS = [
    "id",
    "conversationId",
    "title",
    "user",
    "endpoint",
    "endpointType",
    "model",
    "agent_id",
    "assistant_id",
    "spec",
    "iconURL",
    "isArchived",
    "isTemporary",
    "expiredAt",
    "files",
    "settings",
    "createdAt",
    "updatedAt",
    "tags",
]
MESSAGE_SQL = """
    SELECT m.message_id, c.conversation_id, m.parent_message_id, m.sender, m.text,
           m.is_created_by_user, m.endpoint, m.model, m.token_count, m.unfinished, m.error,
           m.finish_reason, m.icon_url, m.thread_id, m.attachments, m.files, m.metadata,
           m.created_at, m.updated_at, f.rating, f.tag, f.text,
           (SELECT jsonb_agg(p.payload ORDER BY p.index) FROM messages_app_contentpart p
            WHERE p.message_id = m.id)
    FROM messages_app_message m
    JOIN convos_app_conversation c ON c.id = m.conversation_id
    LEFT JOIN messages_app_feedback f ON f.message_id = m.id
    WHERE m.user_id = %s AND m.conversation_id = %s
    ORDER BY m.created_at, m.id
"""
MESSAGE_KEYS = [
    "messageId",
    "conversationId",
    "parentMessageId",
    "sender",
    "text",
    "isCreatedByUser",
    "endpoint",
    "model",
    "tokenCount",
    "unfinished",
    "error",
    "finish_reason",
    "iconURL",
    "thread_id",
    "attachments",
    "files",
    "metadata",
    "createdAt",
    "updatedAt",
    "rating",
    "tag",
    "feedback",
    "content",
]


def _seed(prefix: str, conversations: int, messages: int):
    from django.core.management import call_command

    from chatcore.models import User
    from convos_app.models import Conversation

    user = User.objects.filter(email=f"{prefix}0@example.com").first()
    if user is None or Conversation.objects.filter(user=user).count() < conversations:
        print(f"seeding {conversations} conversations x {messages} messages...", flush=True)
        call_command(
            "seed_demo",
            users=1,
            conversations=conversations,
            messages=messages,
            seed=12,
            email_prefix=prefix,
            verbosity=0,
        )
        user = User.objects.get(email=f"{prefix}0@example.com")
    return user


def _token(user) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(user).access_token)


def _common_word(cursor: Any, user_id: int, share: float = 0.3) -> tuple[str, float]:
    """The word of the user's message documents closest to ``share`` of them."""
    cursor.execute(
        "SELECT count(*) FROM chatcore_search_document "
        "WHERE user_id = %s AND django_ct = 'messages_app.message'",
        [user_id],
    )
    total = cursor.fetchone()[0]
    cursor.execute(
        "SELECT word, ndoc FROM ts_stat($$SELECT vector FROM chatcore_search_document "
        f"WHERE user_id = {int(user_id)} AND django_ct = 'messages_app.message'$$) "
        "WHERE word ~ '^[a-z]{4,}$' ORDER BY abs(ndoc - %s) LIMIT 1",
        [share * total],
    )
    word, ndoc = cursor.fetchone()
    return word, ndoc / total


def _encode(rows: list[tuple], keys: list[str]) -> bytes:
    return orjson.dumps([dict(zip(keys, row, strict=True)) for row in rows])


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes ``pids`` have used so far (Linux ``/proc``)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def _serving_pids(port: int, pgdata: str) -> list[int]:
    """This run's gunicorn master and workers (their command line names the port) and the
    bench database's postmaster and backends (children of the postmaster serving ``pgdata``)."""
    commands: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        commands[int(entry.name)] = (parent, command)
    postmasters = {pid for pid, (_, command) in commands.items() if f"-D {pgdata}" in command}
    return [
        pid
        for pid, (parent, command) in commands.items()
        if f"127.0.0.1:{port}" in command or pid in postmasters or parent in postmasters
    ]


@dataclass(frozen=True)
class Throughput:
    per_second: float
    cpu_ms: float  # CPU per request: server, database and this client together


def _throughput(
    call: Callable[[Client, int], object], base: str, clients: int, seconds: float, pgdata: str
) -> Throughput:
    """Requests per second of ``clients`` threads, each on its own keep-alive connection and
    passing its slot number to ``call``, and the CPU each request cost across gunicorn,
    PostgreSQL and the client threads."""
    done = [0] * clients
    stop = time.monotonic() + seconds
    pids = _serving_pids(int(base.rsplit(":", 1)[1]), pgdata)

    def run(slot: int) -> None:
        client = Client(base)
        call(client, slot)  # connect and warm
        while time.monotonic() < stop:
            call(client, slot)
            done[slot] += 1

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(clients)]
    cpu_before = _cpu_seconds(pids) + time.process_time()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cpu = _cpu_seconds(_serving_pids(int(base.rsplit(":", 1)[1]), pgdata)) + time.process_time()
    requests = sum(done) + clients
    return Throughput(sum(done) / elapsed, (cpu - cpu_before) / requests * 1000)


def main() -> None:
    setup_django()
    import psycopg
    from django.conf import settings
    from django.db import connection

    from convos_app.models import Conversation

    list_user = _seed(LIST_PREFIX, LIST_CONVERSATIONS, LIST_MESSAGES)
    # seed_demo archives a few chats; the list case pages through all 1,200 (page 20 exists).
    Conversation.objects.filter(user=list_user, is_archived=True).update(
        is_archived=False, archived_at=None
    )
    read_user = _seed(READ_PREFIX, 1, READ_MESSAGES)
    big = Conversation.objects.filter(user=read_user).order_by("pk").first()
    small = Conversation.objects.filter(user=list_user).order_by("pk").first()
    params = connection.get_connection_params()
    pgdata = str(settings.DATA_DIR / "postgres")  # the embedded server's
    raw = psycopg.connect(
        **{k: v for k, v in params.items() if k not in ("cursor_factory", "context")},
        autocommit=True,
    )
    cursor = raw.cursor()
    word, share = _common_word(cursor, list_user.pk)
    list_token, read_token = _token(list_user), _token(read_user)
    rows: list[tuple[str, Stats, str]] = []
    posted: list[int] = []

    with gunicorn(workers=2, threads=4) as base:
        client = Client(base)

        def get(path: str, token: str) -> Callable[[], bytes]:
            def call() -> bytes:
                status, body = client.request("GET", path, token)
                assert status == 200, body[:300]
                return body

            return call

        def floor(sql: str, args: tuple, keys: list[str]) -> Callable[[], bytes]:
            def call() -> bytes:
                cursor.execute(sql, args)
                return _encode(cursor.fetchall(), keys)

            return call

        # --- conversation list: page 1 and page 20 ----------------------------------------
        first = f"/api/convos?limit={PAGE}"
        cursor_token = None
        for _ in range(DEEP - 1):
            page = json.loads(
                get(first + (f"&cursor={cursor_token}" if cursor_token else ""), list_token)()
            )
            cursor_token = page["nextCursor"]
        deep = f"{first}&cursor={cursor_token}"
        assert json.loads(get(deep, list_token)())["pageNumber"] == DEEP
        last = page["conversations"][-1]
        cursor.execute(
            "SELECT updated_at, id FROM convos_app_conversation WHERE conversation_id = %s",
            [last["conversationId"]],
        )
        after = cursor.fetchone()
        floor_one = floor(CONVO_SQL.format(extra=""), (list_user.pk, PAGE + 1), CONVO_KEYS)
        floor_deep = floor(
            CONVO_SQL.format(extra="AND (c.updated_at, c.id) < (%s, %s)"),
            (list_user.pk, *after, PAGE + 1),
            CONVO_KEYS,
        )
        page_one, page_deep = _interleaved(get(first, list_token), get(deep, list_token), REPEAT)
        floor_p1, floor_p20 = _interleaved(floor_one, floor_deep, REPEAT)
        rows.append(
            (
                f"GET /api/convos?limit={PAGE} page 1",
                page_one,
                f"{page_one.median_ms / floor_p1.median_ms:.2f}x floor (<= 1.5)",
            )
        )
        rows.append(
            (
                f"GET /api/convos?limit={PAGE} page {DEEP}",
                page_deep,
                f"{page_deep.median_ms / floor_p20.median_ms:.2f}x floor (<= 1.5); "
                f"{page_deep.median_ms / page_one.median_ms:.2f}x page 1 (<= 1.1)",
            )
        )
        rows.append(("floor: page 1, raw psycopg + orjson", floor_p1, ""))
        rows.append((f"floor: page {DEEP}, raw psycopg + orjson", floor_p20, ""))
        # What any request costs before it does anything: loopback HTTP, gunicorn, Django's
        # middleware and one database round trip, no authentication. A list page cannot be
        # cheaper than this plus its query, whatever the code does.
        health = measure(get("/healthz", list_token), repeat=REPEAT)
        rows.append(
            (
                "stack floor: GET /healthz (HTTP + Django + SELECT 1)",
                health,
                f"{health.median_ms / floor_p1.median_ms:.2f}x the page-1 floor",
            )
        )

        # --- one conversation, and the authenticated no-op --------------------------------
        one, noop = _interleaved(
            get(f"/api/convos/{small.conversation_id}", list_token),
            get("/api/user", list_token),
            REPEAT,
        )
        rows.append(
            ("GET /api/convos/{id}", one, f"{one.median_ms / noop.median_ms:.2f}x no-op (<= 2)")
        )
        rows.append(("authenticated no-op: GET /api/user", noop, ""))

        # --- 2,000-message read -----------------------------------------------------------
        read, read_floor = _interleaved(
            get(f"/api/messages/{big.conversation_id}", read_token),
            floor(MESSAGE_SQL, (read_user.pk, big.pk), MESSAGE_KEYS),
            max(10, REPEAT // 2),
        )
        rows.append(
            (
                f"GET /api/messages/{{id}}, {READ_MESSAGES} messages",
                read,
                f"{read.median_ms / read_floor.median_ms:.2f}x floor (<= 1.3)",
            )
        )
        rows.append((f"floor: {READ_MESSAGES} rows, raw psycopg + orjson", read_floor, ""))

        # --- append -----------------------------------------------------------------------
        def append(conversation_id: str, token: str) -> Callable[..., None]:
            def call(on: Client = client) -> None:
                body = {
                    "messageId": str(uuid.uuid4()),
                    "text": "benchmark append",
                    "isCreatedByUser": True,
                    "tokenCount": 2,
                }
                status, raw_body = on.request(
                    "POST", f"/api/messages/{conversation_id}", token, body
                )
                assert status == 201, raw_body[:300]

            return call

        def append_floor(conversation_pk: int, user_id: int) -> Callable[[], None]:
            def call() -> None:
                message_id = str(uuid.uuid4())
                with raw.transaction():
                    cursor.execute(
                        "UPDATE convos_app_conversation SET updated_at = now() WHERE id = %s "
                        "RETURNING title",
                        [conversation_pk],
                    )
                    cursor.execute(
                        "INSERT INTO messages_app_message (created_at, updated_at, user_id, "
                        "conversation_id, message_id, parent_message_id, sender, text, "
                        "is_created_by_user, token_count, unfinished, error, is_temporary, "
                        "extra) VALUES (now(), now(), %s, %s, %s, %s, 'User', "
                        "'benchmark append', true, 2, false, false, false, '{}') RETURNING id",
                        [
                            user_id,
                            conversation_pk,
                            message_id,
                            "00000000-0000-0000-0000-000000000000",
                        ],
                    )
                    posted.append(cursor.fetchone()[0])
                orjson.dumps({"messageId": message_id, "text": "benchmark append"})

            return call

        small_append, big_append = _interleaved(
            append(small.conversation_id, list_token),
            append(big.conversation_id, read_token),
            REPEAT,
        )
        small_floor = measure(append_floor(small.pk, list_user.pk), repeat=REPEAT)
        rows.append(
            (
                f"POST /api/messages/{{id}}, {LIST_MESSAGES}-msg chat",
                small_append,
                f"{small_append.median_ms / small_floor.median_ms:.2f}x floor (<= 3)",
            )
        )
        rows.append(
            (
                f"POST /api/messages/{{id}}, {READ_MESSAGES}-msg chat",
                big_append,
                f"{big_append.median_ms / small_append.median_ms:.2f}x the "
                f"{LIST_MESSAGES}-msg chat (<= 1.2)",
            )
        )
        rows.append(("floor: append, raw psycopg (update + insert)", small_floor, ""))

        # --- search -----------------------------------------------------------------------
        convo_search, message_search = _interleaved(
            get(f"/api/convos?search={word}&limit=25", list_token),
            get(f"/api/messages?search={word}", list_token),
            max(10, REPEAT // 2),
        )
        rows.append(
            (
                f"GET /api/convos?search={word} ({share:.0%} of messages)",
                convo_search,
                f"{convo_search.median_ms / message_search.median_ms:.2f}x message search (<= 2)",
            )
        )
        rows.append((f"GET /api/messages?search={word}", message_search, ""))

        # --- concurrency ------------------------------------------------------------------
        def list_call(on: Client, slot: int) -> None:
            status, body = on.request("GET", first, list_token)
            assert status == 200, body[:300]

        # Each client appends to its own chat, as eight people typing do: appends to one chat
        # take that chat's row lock in turn, which is the point of the lock, not a bottleneck.
        chats = [
            append(conversation_id, list_token)
            for conversation_id in Conversation.objects.filter(user=list_user)
            .order_by("pk")
            .values_list("conversation_id", flat=True)[:8]
        ]

        def append_call(on: Client, slot: int) -> None:
            chats[slot](on)

        notes = []
        for label, call in (("list page 1", list_call), ("append, one chat each", append_call)):
            one = _throughput(call, base, 1, 5, pgdata)
            eight = _throughput(call, base, 8, 5, pgdata)
            # With every CPU busy, no concurrency can serve more than CPUs / CPU-per-request.
            ceiling = (os.cpu_count() or 1) * 1000 / eight.cpu_ms
            notes.append(
                f"| {label} | {one.per_second:.0f} | {eight.per_second:.0f} | "
                f"{eight.per_second / one.per_second:.2f}x (>= 2) | {one.cpu_ms:.1f} | "
                f"{eight.cpu_ms:.1f} | {ceiling:.0f} ({ceiling / one.per_second:.2f}x) |"
            )

    from messages_app.models import Message

    Message.objects.filter(text="benchmark append").delete()
    raw.close()
    print_table("Hot paths vs raw floors (gunicorn 2 workers x 4 threads, loopback HTTP)", rows)
    print("\n### Throughput (requests/s, 5 s each)\n")
    print(
        "| case | 1 client | 8 clients | ratio | CPU ms/request, 1 client | 8 clients "
        "| CPU-bound ceiling on this machine (x 1 client) |"
    )
    print("|---|---:|---:|---|---:|---:|---:|")
    print("\n".join(notes))
    print(f"\n(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")

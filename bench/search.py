"""Search benchmark: ``python -m bench search`` (sizes: ``python -m bench.search 10000 100000``).

Each size runs in its own database (``chatcore_bench_search_<n>_<users>_v2``, reused on later
runs) seeded with ``seed_demo`` — 100 users, 10 messages per conversation — which indexes in
bulk as it writes. Three words are timed for one user of the 100:

* ``quillwort`` — *unique*: appended to one message in 5,000 (a word used once or twice);
* ``zephyrine`` — *rare*: one message in 100;
* ``the`` — *common*: most messages.

Each is timed in-process through ``messages_app.search.message_search`` (haystack → the
PostgreSQL backend → the page, count and highlight snippets: what the API does, minus HTTP),
first page of 25, 30 runs after 3 warm-ups; median and p95 per size and the growth 1M/10k. The
common word is also timed with ``RANK_CANDIDATES`` off (every match ranked).

The 26k size (one user holding all 26k messages, so a per-user scan is a full scan) compares
against the Open WebUI approach on the same data in the same run: ``text ILIKE '%word%'`` over
the user's messages, newest first, ``LIMIT 25``. Two ratios: SQL to SQL (the full-text search
statement against the ILIKE statement, both executed raw) and end to end (the whole
``message_search`` call against the bare ILIKE statement).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from functools import partial

from bench.harness import ROOT, measure

SIZES = (10_000, 100_000, 1_000_000)
ILIKE_SIZE = 26_000
USERS = 100
PER_CONVERSATION = 10
# (label, word, one message in every N gets it appended; None: already common in the text)
WORDS = (("unique", "quillwort", 5000), ("rare", "zephyrine", 100), ("common", "the", None))
ILIKE_SQL = (
    "SELECT id FROM messages_app_message WHERE user_id = %s "
    "AND text ILIKE %s ORDER BY updated_at DESC LIMIT 25"
)


def _seed(size: int, users: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from messages_app.models import Message
    from messages_app.search import index_messages

    started = time.perf_counter()
    if Message.objects.count() < size:
        call_command(
            "seed_demo",
            users=users,
            conversations=size // (users * PER_CONVERSATION),
            messages=PER_CONVERSATION,
            seed=11,
            verbosity=0,
        )
    marked = False
    for _label, word, every in WORDS:
        if every is None or Message.objects.filter(text__endswith=f" {word}").exists():
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE messages_app_message SET text = text || ' {word}' "
                f"WHERE id % {every} = 0 RETURNING id"
            )
            index_messages([row[0] for row in cursor.fetchall()])
        marked = True
    if marked:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE chatcore_search_document")
            cursor.execute("VACUUM ANALYZE messages_app_message")
    print(f"  ready: {size} messages in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _search_statement(user, word: str) -> str:
    """The SQL the backend runs for the page (captured with its parameters inlined)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from messages_app import search as api

    with CaptureQueriesContext(connection) as captured:
        api.message_search(user=user, query=word, page_size=25)
    return next(q["sql"] for q in captured.captured_queries if "ts_rank" in q["sql"])


def _stats(stats) -> dict:
    return {"median": stats.median_ms, "p95": stats.p95_ms}


def _run_size(size: int, users: int, ilike: bool) -> dict:
    os.environ["CHATCORE_BENCH_DB"] = f"chatcore_bench_search_{size}_{users}_v2"
    import bench.harness as harness

    harness.BENCH_DB = os.environ["CHATCORE_BENCH_DB"]
    harness.setup_django()
    from django.db import connection
    from haystack import connections

    from chatcore.models import User
    from messages_app import search as api

    _seed(size, users)
    user = User.objects.filter(email__startswith="demo").order_by("pk")[users // 2]
    backend = connections["default"].get_backend()
    cap = backend.rank_candidates

    def run_sql(sql: str, params: list | None = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    out: dict = {"size": size, "users": users, "cap": cap}
    for label, word, _every in WORDS:
        search = partial(api.message_search, user=user, query=word, page_size=25)
        row = {"hits": search().total, **_stats(measure(search))}
        statement = _search_statement(user, word)
        row["sql"] = _stats(measure(partial(run_sql, statement)))
        if label == "common":
            backend.rank_candidates = 0
            row["uncapped_hits"] = search().total
            row["uncapped"] = _stats(measure(search))
            backend.rank_candidates = cap
        if ilike:
            row["ilike"] = _stats(measure(partial(run_sql, ILIKE_SQL, [user.pk, f"%{word}%"])))
        out[label] = row
    return out


def _child(size: int, users: int, ilike: bool) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.search", "--child", str(size), str(users), str(int(ilike))],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _ms(stats: dict) -> str:
    return f"{stats['median']:8.2f} / {stats['p95']:8.2f}"


def main(sizes: tuple[int, ...] = SIZES) -> None:
    results = {}
    print("median / p95 ms; 'search' = message_search() end to end, 'sql' = its search statement")
    for size in sizes:
        results[size] = result = _child(size, USERS, ilike=False)
        print(f"size {size:,} messages, {USERS} users (rank cap {result['cap']})", flush=True)
        for label, _word, _every in WORDS:
            row = result[label]
            print(
                f"  {label:6} search {_ms(row)}  sql {_ms(row['sql'])}  ({row['hits']} hits)",
                flush=True,
            )
        common = result["common"]
        print(
            f"  common uncapped search {_ms(common['uncapped'])}  "
            f"({common['uncapped_hits']} hits ranked)",
            flush=True,
        )
    if 10_000 in results and max(results) > 10_000:
        top = max(results)
        for label, _word, _every in WORDS:
            growth = results[top][label]["median"] / results[10_000][label]["median"]
            print(f"growth {top:,}/10k {label}: {growth:.2f}x (target <= 3)")
        growth = (
            results[top]["common"]["uncapped"]["median"]
            / (results[10_000]["common"]["uncapped"]["median"])
        )
        print(f"growth {top:,}/10k common uncapped: {growth:.2f}x")
    print(f"ILIKE comparison at {ILIKE_SIZE:,} messages, one user holding all of them", flush=True)
    single = _child(ILIKE_SIZE, 1, ilike=True)
    for label, _word, _every in WORDS:
        row = single[label]
        scan = row["ilike"]["median"]
        print(
            f"  {label:6} ({row['hits']} hits) ILIKE {_ms(row['ilike'])}  "
            f"full-text sql {_ms(row['sql'])} -> {scan / row['sql']['median']:.1f}x  "
            f"search {_ms(row)} -> {scan / row['median']:.1f}x"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        size, users, ilike = int(sys.argv[2]), int(sys.argv[3]), bool(int(sys.argv[4]))
        print(json.dumps(_run_size(size, users, ilike)), flush=True)
    else:
        main(tuple(int(arg) for arg in sys.argv[1:]) or SIZES)

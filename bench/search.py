"""Search benchmark: ``python -m bench search`` (sizes: ``python -m bench.search 10000 100000``).

Each size runs in its own database (``chatcore_bench_search_<n>``, reused on later runs) seeded
with ``seed_demo`` — 100 users, 10 messages per conversation — which indexes in bulk as it
writes. One message in 100 gets the rare word ``zephyrine`` appended (and is re-indexed).
Timed in-process through ``chatcore.search.api.message_search`` (haystack → the PostgreSQL
backend, the same call the API makes), first page of 25, for a rare and a common word
(``zephyrine``, ``the``), 30 runs after 3 warm-ups; median and p95 per size, and the growth
1M/10k. The 26k size also times the Open WebUI approach on the same data in the same run:
``text ILIKE '%word%'`` over one user's messages, newest first — for a user holding all 26k
messages (the case where a per-user scan is a full scan).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.harness import ROOT, measure

SIZES = (10_000, 100_000, 1_000_000)
ILIKE_SIZE = 26_000
USERS = 100
PER_CONVERSATION = 10
RARE, COMMON = "zephyrine", "the"


def _seed(size: int, users: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from chatcore.search.sync import index_messages
    from messages_app.models import Message

    if Message.objects.filter(text__endswith=RARE).exists():
        return
    conversations = size // (users * PER_CONVERSATION)
    started = time.perf_counter()
    if Message.objects.count() < size:
        call_command(
            "seed_demo",
            users=users,
            conversations=conversations,
            messages=PER_CONVERSATION,
            seed=11,
            verbosity=0,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE messages_app_message SET text = text || ' {RARE}' "
            "WHERE id % 100 = 0 RETURNING id"
        )
        rare_ids = [row[0] for row in cursor.fetchall()]
        index_messages(rare_ids)
        cursor.execute("VACUUM ANALYZE chatcore_search_document")
        cursor.execute("ANALYZE messages_app_message")
    print(f"  seeded {size} messages in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _run_size(size: int, users: int, ilike: bool) -> dict:
    os.environ["CHATCORE_BENCH_DB"] = f"chatcore_bench_search_{size}_{users}_v2"
    import bench.harness as harness

    harness.BENCH_DB = os.environ["CHATCORE_BENCH_DB"]
    harness.setup_django()
    from django.db import connection

    from chatcore.models import User
    from chatcore.search import api

    _seed(size, users)
    user = User.objects.filter(email__startswith="demo").order_by("pk")[users // 2]
    out: dict = {"size": size, "users": users}
    for label, word in (("rare", RARE), ("common", COMMON)):
        hits = api.message_search(user=user, query=word, page_size=25)
        stats = measure(lambda word=word: api.message_search(user=user, query=word, page_size=25))
        out[label] = {"median": stats.median_ms, "p95": stats.p95_ms, "hits": hits.total}
        if ilike:

            def scan(word: str = word) -> None:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT id FROM messages_app_message WHERE user_id = %s "
                        "AND text ILIKE %s ORDER BY updated_at DESC LIMIT 25",
                        [user.pk, f"%{word}%"],
                    )
                    cursor.fetchall()

            ilike_stats = measure(scan)
            out[f"ilike_{label}"] = {"median": ilike_stats.median_ms, "p95": ilike_stats.p95_ms}
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
    return f"median {stats['median']:7.2f} ms  p95 {stats['p95']:7.2f} ms"


def main(sizes: tuple[int, ...] = SIZES) -> None:
    results = {}
    for size in sizes:
        print(f"size {size:,} messages, {USERS} users", flush=True)
        results[size] = _child(size, USERS, ilike=False)
        for label in ("rare", "common"):
            row = results[size][label]
            print(f"  {label:6} {_ms(row)}  ({row['hits']} hits for the user)", flush=True)
    if 10_000 in results and max(results) > 10_000:
        top = max(results)
        for label in ("rare", "common"):
            growth = results[top][label]["median"] / results[10_000][label]["median"]
            print(f"growth {top:,}/10k {label}: {growth:.2f}x (target <= 3)")
    print(f"ILIKE comparison at {ILIKE_SIZE:,} messages, one user holding all of them", flush=True)
    single = _child(ILIKE_SIZE, 1, ilike=True)
    for label in ("rare", "common"):
        fts, scan = single[label], single[f"ilike_{label}"]
        print(f"  {label:6} full-text {_ms(fts)}")
        print(f"  {label:6} ILIKE     {_ms(scan)}  -> {scan['median'] / fts['median']:.1f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        size, users, ilike = int(sys.argv[2]), int(sys.argv[3]), bool(int(sys.argv[4]))
        print(json.dumps(_run_size(size, users, ilike)), flush=True)
    else:
        main(tuple(int(arg) for arg in sys.argv[1:]) or SIZES)

"""Usage analytics at scale: ``python -m bench usage``.

Seeds the bench database once (reused on later runs) with 1,000 users, 10,000 conversations,
1,000,000 messages spread over the last 365 days, one ledger row per assistant message (500,000)
and feedback on every fifth assistant message, all with set-based SQL. Then times the staff
dashboard's selector (``usage_analytics``, the same code as the page, its CSV and
``usage_report``) and ``GET /api/user/usage``'s selector for a 30-day and a 365-day range, and
prints the PostgreSQL plan of the costliest aggregate. This answers the analytics requirement
"indexed aggregates, or a rollup table when raw queries get slow at 1M messages" with numbers.
"""

from __future__ import annotations

import time
from datetime import timedelta

from bench.harness import setup_django

USERS, CONVERSATIONS, MESSAGES = 1_000, 10_000, 1_000_000
RUNS = 5

SEED_SQL = [
    """INSERT INTO chatcore_user (password, is_superuser, first_name, last_name, is_staff,
         is_active, date_joined, username, email, name)
       SELECT '!', false, '', '', false, true, now(), 'usage' || g, 'usage' || g || '@bench.test',
              'Usage ' || g
       FROM generate_series(1, %(users)s) g""",
    """INSERT INTO convos_app_conversation (created_at, updated_at, user_id, conversation_id,
         title, is_archived, is_temporary, settings)
       SELECT now(), now(), u.id, gen_random_uuid()::text, 'Usage bench ' || g, false, false,
              '{}'::jsonb
       FROM generate_series(1, %(conversations)s) g
       JOIN LATERAL (SELECT id FROM chatcore_user WHERE email = 'usage' ||
                     (1 + g %% %(users)s) || '@bench.test') u ON true""",
    """INSERT INTO messages_app_message (created_at, updated_at, user_id, conversation_id,
         message_id, parent_message_id, sender, text, is_created_by_user, unfinished, error,
         is_temporary, extra, model, endpoint, token_count)
       SELECT t, t, c.user_id, c.id, gen_random_uuid()::text,
              '00000000-0000-0000-0000-000000000000', CASE WHEN g %% 2 = 0 THEN 'User'
              ELSE 'GPT' END, 'bench', g %% 2 = 0, false, false, false, '{}'::jsonb,
              (ARRAY['gpt-4o', 'gpt-4o-mini', 'claude-haiku-4-5'])[1 + g %% 3], 'openAI', 10
       FROM generate_series(1, %(messages)s) g
       JOIN LATERAL (SELECT now() - (g %% 525600) * interval '1 minute' AS t) ts ON true
       JOIN convos_app_conversation c
         ON c.title = 'Usage bench ' || (1 + g %% %(conversations)s)""",
    """INSERT INTO convos_app_usagerecord (user_id, conversation_id, message_id, kind, status,
         source, endpoint, model, input_tokens, output_tokens, cached_tokens, input_price,
         output_price, price_source, cost, request_id, created_at)
       SELECT m.user_id, m.conversation_id, m.id, 'reply', 'completed', 'provider', m.endpoint,
              m.model, 1000 + m.id %% 500, 200 + m.id %% 300, 0, 2.5, 10, 'table',
              ((1000 + m.id %% 500) * 2.5 + (200 + m.id %% 300) * 10) / 1000000.0,
              md5(m.id::text), m.created_at
       FROM messages_app_message m
       WHERE m.text = 'bench' AND NOT m.is_created_by_user""",
    """INSERT INTO messages_app_feedback (user_id, message_id, rating, comment_key, created_at,
         updated_at)
       SELECT m.user_id, m.id, CASE WHEN m.id %% 3 = 0 THEN 'thumbsDown' ELSE 'thumbsUp' END,
              'text', now(), now()
       FROM messages_app_message m
       WHERE m.text = 'bench' AND NOT m.is_created_by_user AND m.id %% 5 = 0""",
    "ANALYZE",
]


def seed() -> None:
    from django.db import connection, transaction

    from chatcore.models import User

    if User.objects.filter(email="usage1@bench.test").exists():
        return
    print("seeding 1,000,000 messages (once) ...", flush=True)
    started = time.perf_counter()
    params = {"users": USERS, "conversations": CONVERSATIONS, "messages": MESSAGES}
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in SEED_SQL[:-1]:
            cursor.execute(statement, params)
    with connection.cursor() as cursor:
        cursor.execute(SEED_SQL[-1])
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)


def best_of(label: str, call) -> None:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"{label:<44} best {times[0]:8.1f} ms   median {times[len(times) // 2]:8.1f} ms")


def main() -> None:
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from chatcore.models import User
    from convos_app.selectors.usage import usage_analytics, usage_report_for_user

    seed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM messages_app_message")
        messages = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM convos_app_usagerecord")
        ledger = cursor.fetchone()[0]
    print(f"{messages:,} messages, {ledger:,} ledger rows")
    today = timezone.now().date()
    user = User.objects.get(email="usage1@bench.test")
    for days in (30, 365):
        since = today - timedelta(days=days - 1)
        best_of(
            f"dashboard usage_analytics, {days} days",
            lambda since=since: usage_analytics(since=since, until=today),
        )
        best_of(
            f"/api/user/usage selector, {days} days",
            lambda since=since: usage_report_for_user(
                user=user, since=since, until=today, group_by="day"
            ),
        )
    since = today - timedelta(days=364)
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, TIMING OFF) SELECT (created_at AT TIME ZONE 'UTC')::date, "
            "count(*) FROM messages_app_message WHERE created_at >= %s GROUP BY 1",
            [since],
        )
        print("plan of messages per day, 365 days:")
        for (line,) in cursor.fetchall():
            print("   ", line)

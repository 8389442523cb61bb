"""Conversations API benchmark: ``python -m bench convos`` (or ``make bench``).

Seeds, in the bench database (reused on later runs): one user with 100,000 conversations
(``seed_demo --conversations 100000 --messages 0``), and two users with one conversation of 20
and of 2,000 messages. Serves the app with gunicorn on 127.0.0.1 and times over keep-alive HTTP:

* ``GET /api/convos?limit=25`` page 1 vs page 500, sorted by ``updatedAt``, ``createdAt`` and
  ``title`` (target: page 500 <= 1.2x page 1; pairs are timed interleaved);
* ``POST /api/convos/fork`` (default option, newest message) and ``POST /api/convos/duplicate``
  of the 20- and 2,000-message conversations.

Fork/duplicate rate limits are switched off for the server under test (``FORK_*_MAX=0``); the
copies are deleted again at the end so later runs start from the same data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from bench.harness import Stats, gunicorn, measure, print_table, setup_django
from bench.messages import Client, _interleaved

LIST_USERS_PREFIX = "bench-convos-list-"
LIST_CONVERSATIONS = 100_000
COPY_SIZES = (20, 2_000)
SEED = 4
PAGE_SIZE = 25
DEEP_PAGE = 500


def _user(prefix: str, conversations: int, messages: int):
    from django.core.management import call_command

    from chatcore.models import User
    from convos_app.models import Conversation

    user = User.objects.filter(email=f"{prefix}0@example.com").first()
    if user is None or Conversation.objects.filter(user=user).count() < conversations:
        print(f"seeding {conversations} conversations x {messages} messages...", flush=True)
        if user is not None:
            from convos_app.services.delete import conversations_delete_all

            conversations_delete_all(user=user)
        call_command(
            "seed_demo",
            users=1,
            conversations=conversations,
            messages=messages,
            seed=SEED,
            email_prefix=prefix,
            verbosity=0,
        )
        user = User.objects.get(email=f"{prefix}0@example.com")
    return user


def _token(user) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(user).access_token)


def main() -> None:
    os.environ["FORK_USER_MAX"] = "0"
    os.environ["FORK_IP_MAX"] = "0"
    setup_django()
    from convos_app.models import Conversation
    from convos_app.services.delete import conversations_delete_by_pks
    from messages_app.models import Message

    list_user = _user(LIST_USERS_PREFIX, LIST_CONVERSATIONS, 0)
    list_token = _token(list_user)
    copy_fixtures = []
    for size in COPY_SIZES:
        user = _user(f"bench-convos-copy-{size}-", 1, size)
        source = Conversation.objects.filter(user=user).order_by("pk").first()
        newest = Message.objects.filter(conversation=source).order_by("-created_at", "-pk")
        copy_fixtures.append((size, user, source, newest.first().message_id))

    rows: list[tuple[str, Stats, str]] = []
    with gunicorn(workers=1, threads=1) as base:
        client = Client(base)

        def get(path: str, token: str) -> dict:
            status, body = client.request("GET", path, token)
            assert status == 200, body[:300]
            return json.loads(body)

        for sort_by in ("updatedAt", "createdAt", "title"):
            first = f"/api/convos?limit={PAGE_SIZE}&sortBy={sort_by}"
            cursor = get(first, list_token)["nextCursor"]
            for _ in range(DEEP_PAGE - 2):
                cursor = get(f"{first}&cursor={cursor}", list_token)["nextCursor"]
            deep = f"{first}&cursor={cursor}"
            assert get(deep, list_token)["pageNumber"] == DEEP_PAGE

            def call(path: str) -> Callable[[], object]:
                return lambda: get(path, list_token)

            page_one, page_deep = _interleaved(call(first), call(deep), repeat=40)
            ratio = page_deep.median_ms / page_one.median_ms
            rows.append((f"list {sort_by} page 1", page_one, ""))
            rows.append(
                (f"list {sort_by} page {DEEP_PAGE}", page_deep, f"{ratio:.2f}x page 1 (<= 1.2)")
            )

        for size, user, source, newest_id in copy_fixtures:
            token = _token(user)
            body = {"conversationId": source.conversation_id, "messageId": newest_id}

            def post(path: str, body: dict = body, token: str = token, size: int = size):
                def call() -> None:
                    status, raw = client.request("POST", path, token, body)
                    assert status in (200, 201), raw[:300]
                    assert len(json.loads(raw)["messages"]) > size // 2

                return call

            repeat = 20 if size <= 20 else 8
            rows.append(
                (
                    f"fork {size} msgs",
                    measure(post("/api/convos/fork"), repeat=repeat, warmup=1),
                    "",
                )
            )
            rows.append(
                (
                    f"duplicate {size} msgs",
                    measure(post("/api/convos/duplicate"), repeat=repeat, warmup=1),
                    "",
                )
            )
            copies = Conversation.objects.filter(user=user).exclude(pk=source.pk)
            conversations_delete_by_pks(conversation_pks=list(copies.values_list("pk", flat=True)))

    print_table("Conversations API (gunicorn 1 worker x 1 thread, loopback HTTP)", rows)

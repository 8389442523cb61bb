"""Concurrent memory writes of one user serialise on the user's row lock
(docs/api-behaviour.md#memories): two creates of one key give one memory and one 409, and two
writes that fit the token limit only one at a time give one memory and one 400 — never a 500
and never a total past the limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from chatcore.errors import ApplicationError
from chatcore.models import User
from messages_app.models import Memory
from messages_app.services.memories import memory_create

pytestmark = pytest.mark.django_db(transaction=True)


def race(user: User, *calls: Callable[[], object]) -> list[str]:
    """Run ``calls`` in threads (each with its own connection) while this thread holds the
    user's row, so all of them are under way before any can write; return what each ended
    with: "ok", the error sentence, or the name of an unexpected exception."""
    outcomes: list[str] = []

    def run(call: Callable[[], object]) -> None:
        try:
            call()
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.error)
        except Exception as exc:  # recorded, so the test shows what a race would break
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # the threads reach the user's row (their lock, or an insert's key check)
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_two_creates_of_one_key_give_one_memory_and_one_conflict(user):
    outcomes = race(
        user,
        lambda: memory_create(user=user, key="city", value="Lisbon"),
        lambda: memory_create(user=user, key="city", value="Porto"),
    )
    assert outcomes == ["Memory with this key already exists", "ok"]
    assert Memory.objects.filter(user=user).count() == 1


def test_two_creates_that_fit_only_one_at_a_time_cannot_both_pass_the_limit(user, settings):
    settings.MEMORY_TOKEN_LIMIT = 12
    value = "a b c d e f g h"  # 8 tokens
    outcomes = race(
        user,
        lambda: memory_create(user=user, key="one", value=value),
        lambda: memory_create(user=user, key="two", value=value),
    )
    assert outcomes == [
        "Adding this memory would exceed the token limit of 12. Current usage: 8 tokens.",
        "ok",
    ]
    assert sum(Memory.objects.values_list("token_count", flat=True)) == 8

"""Two transactions moving conversations into one project at the same time both count
(docs/api-behaviour.md#projects: the recount locks the project row, then reads afresh)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from convos_app.models import Project
from convos_app.services.projects import conversation_assign_project
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_moves_into_one_project_both_count(user):
    now = timezone.now()
    project = Project.objects.create(user=user, name="Work", created_at=now, updated_at=now)
    first, second = ConversationFactory(user=user), ConversationFactory(user=user)
    first_moved = threading.Event()
    errors: list[BaseException] = []

    def move_first() -> None:
        try:
            with transaction.atomic():
                conversation_assign_project(
                    user=user, conversation_id=first.conversation_id, project_id=project.project_id
                )
                first_moved.set()
                time.sleep(0.5)  # hold the project lock while the second move arrives
        except BaseException as exc:
            errors.append(exc)
            first_moved.set()
        finally:
            connection.close()

    def move_second() -> None:
        try:
            first_moved.wait(5)
            conversation_assign_project(
                user=user, conversation_id=second.conversation_id, project_id=project.project_id
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=move_first), threading.Thread(target=move_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    project.refresh_from_db()
    assert project.conversation_count == 2

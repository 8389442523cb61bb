"""Export and import keep pinned, archivedAt and the project (by name, created or reused for
the importing user) — docs/api-behaviour.md#projects."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from convos_app.models import Conversation, Project
from convos_app.services.exports import conversations_export
from convos_app.services.imports import conversations_import
from tests.factories import ConversationFactory, message_chain

pytestmark = pytest.mark.django_db


def _project(user, name):
    now = timezone.now()
    return Project.objects.create(user=user, name=name, created_at=now, updated_at=now)


def test_round_trip_keeps_pin_archive_stamp_and_project(user, other_user):
    archived_at = timezone.now().replace(microsecond=250000) - timedelta(days=2)
    work = _project(user, "Deep Work")
    source = ConversationFactory(
        user=user, pinned=True, is_archived=True, archived_at=archived_at, project=work
    )
    message_chain(source, 3)
    plain = ConversationFactory(user=user)
    message_chain(plain, 2)
    _project(other_user, "deep work")  # the importer's own project, other case: reused
    out = io.StringIO()
    conversations_export(user=user, out=out, export_format="json")
    exported = json.loads(out.getvalue())
    header = next(c for c in exported if c["title"] == source.title)
    assert (header["pinned"], header["project"]) == (True, "Deep Work")
    assert header["archivedAt"] == archived_at.strftime("%Y-%m-%dT%H:%M:%S.250Z")

    result = conversations_import(user=other_user, stream=io.BytesIO(out.getvalue().encode()))
    assert result.conversations == 2
    copy = Conversation.objects.get(user=other_user, title=source.title)
    assert copy.pinned is True and copy.is_archived is True
    assert copy.archived_at == archived_at
    assert copy.project.user == other_user and copy.project.name == "deep work"
    assert Project.objects.filter(user=other_user).count() == 1
    copy.project.refresh_from_db()
    assert copy.project.conversation_count == 1
    assert copy.project.last_conversation_id == copy.conversation_id
    other_copy = Conversation.objects.get(user=other_user, title=plain.title)
    assert other_copy.project is None and other_copy.pinned is False

    conversations_import(user=other_user, stream=io.BytesIO(out.getvalue().encode()))
    copy.project.refresh_from_db()
    assert copy.project.conversation_count == 2
    assert work.conversations.count() == 1  # the exporter's project is untouched


def test_import_creates_the_project_when_the_importer_has_none(user, other_user):
    source = ConversationFactory(user=user, project=_project(user, "Reading"))
    message_chain(source, 2)
    out = io.StringIO()
    conversations_export(user=user, out=out, export_format="json")
    conversations_import(user=other_user, stream=io.BytesIO(out.getvalue().encode()))
    created = Project.objects.get(user=other_user)
    assert (created.name, created.conversation_count) == ("Reading", 1)

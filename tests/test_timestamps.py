"""One timestamp format everywhere (docs/api-behaviour.md#timestamps): every timestamp of every
``/api/`` answer and of every export is ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC, however the value
was stored (microseconds, a whole second, another zone); keyset cursors keep the microseconds,
so rows inside one millisecond page without a gap or a repeat; what chatcore writes is
accepted back as input."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from rest_framework import serializers

from chatcore.serializers import ModelSerializer, TimestampField, iso
from convos_app.models import Conversation
from convos_app.services.exports import conversations_export
from messages_app.models import Message
from tags_app.models import Tag
from tests.conftest import bearer_client
from tests.factories import (
    DEFAULT_PASSWORD,
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    MemoryFactory,
    MessageFactory,
    UserFactory,
    message_chain,
)
from tests.jobs_support import job_settings, wait_for_job, worker_thread  # noqa: F401
from tests.routes import api_routes

WIRE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# Anything that reads as a date and a time, with whatever fraction and offset follow it.
LOOKS_LIKE_A_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d[0-9:.]*(?:Z|[+-]\d\d:?\d\d)?")
# Stored with microseconds, so a writer that keeps them (DRF's DateTimeField) shows here.
MOMENT = datetime(2024, 5, 29, 0, 33, 3, 661237, tzinfo=UTC)


def timestamps_in(value: Any, where: str = "$") -> Iterator[tuple[str, str]]:
    """``(where, text)`` of every timestamp-looking text in a decoded JSON value (or a text
    body): keys' paths, so a failure names the field."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from timestamps_in(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from timestamps_in(item, f"{where}[{index}]")
    elif isinstance(value, str):
        for match in LOOKS_LIKE_A_TIMESTAMP.finditer(value):
            yield where, match.group()


def off_format(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(where, text) for where, text in found if not WIRE.match(text)]


# --- The formatter -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (MOMENT, "2024-05-29T00:33:03.661Z"),  # cut, not rounded
        (datetime(2024, 5, 29, 0, 33, 3, 999999, tzinfo=UTC), "2024-05-29T00:33:03.999Z"),
        (datetime(2024, 5, 30, 1, 2, 3, tzinfo=UTC), "2024-05-30T01:02:03.000Z"),
        (MOMENT.astimezone(ZoneInfo("UTC")), "2024-05-29T00:33:03.661Z"),
        (MOMENT.astimezone(ZoneInfo("Europe/Paris")), "2024-05-29T00:33:03.661Z"),
        (MOMENT.astimezone(timezone(timedelta(hours=-5))), "2024-05-29T00:33:03.661Z"),
        # Naive: read in TIME_ZONE (UTC), as Django reads one.
        (datetime(2024, 5, 29, 0, 33, 3, 661237), "2024-05-29T00:33:03.661Z"),  # noqa: DTZ001
    ],
)
def test_iso_writes_utc_with_milliseconds_whatever_the_value(value, expected):
    assert iso(value) == expected
    assert TimestampField().to_representation(value) == expected
    assert iso(None) is None


@pytest.mark.django_db
@pytest.mark.parametrize("session_zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_the_database_writes_what_iso_writes(user, session_zone):
    """``IsoSQL`` (the whole-conversation read formats in PostgreSQL) gives ``iso``'s text for
    every stored value, whatever zone the session is in: cut below the millisecond, a whole
    second with ``.000``, the last microsecond of a day and of a year, a leap day."""
    from django.db import connection

    from chatcore.serializers import IsoSQL

    moments = [
        MOMENT,
        MOMENT.replace(microsecond=0),
        datetime(2024, 5, 29, 0, 33, 3, 999999, tzinfo=UTC),
        datetime(2024, 5, 29, 0, 33, 3, 1000, tzinfo=UTC),
        datetime(2024, 5, 29, 0, 33, 3, 999, tzinfo=UTC),
        datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 0, 0, 500000, tzinfo=UTC),
        datetime(1999, 1, 1, 0, 0, 0, tzinfo=UTC),
    ]
    convo = ConversationFactory(user=user)
    for moment in moments:
        MessageFactory(conversation=convo, created_at=moment)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE %s", [session_zone])
    try:
        rows = list(
            Message.objects.filter(conversation=convo).values_list(
                "created_at", IsoSQL("created_at")
            )
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
    assert len(rows) == len(moments)
    assert sorted(text for _, text in rows) == sorted(iso(moment) for moment in moments)
    assert all(text == iso(stored) for stored, text in rows)


def test_the_check_below_fails_drfs_own_output():
    """What the walk catches: DRF's microseconds, its bare whole second, an offset."""
    drf = serializers.DateTimeField()
    bad = [
        drf.to_representation(MOMENT),
        drf.to_representation(MOMENT.replace(microsecond=0)),
        MOMENT.astimezone(ZoneInfo("Europe/Paris")).isoformat(timespec="milliseconds"),
        str(MOMENT),
    ]
    found = list(timestamps_in({"a": bad}))
    assert len(found) == len(bad) and off_format(found) == found
    assert off_format(list(timestamps_in({"ok": iso(MOMENT)}))) == []


# --- Every answer ------------------------------------------------------------------------------
def seed(user) -> dict[str, str]:
    """A history with every kind of timestamped row, stored with microseconds."""
    convo = ConversationFactory(
        user=user, title="Trip", created_at=MOMENT, updated_at=MOMENT, tags=["work"]
    )
    messages = message_chain(convo, 3)
    for i, message in enumerate(messages):
        at = MOMENT + timedelta(seconds=i + 1)
        Message.objects.filter(pk=message.pk).update(created_at=at, updated_at=at)
    ContentPartFactory(message=messages[1], index=0, text="An answer")
    FeedbackFactory(message=messages[1])
    ConversationFactory(
        user=user,
        title="Old",
        is_archived=True,
        archived_at=MOMENT + timedelta(days=1),
        created_at=MOMENT,
        updated_at=MOMENT,
    )
    memory = MemoryFactory(user=user, key="likes")
    type(memory).objects.filter(pk=memory.pk).update(updated_at=MOMENT)
    return {"conversation_id": convo.conversation_id, "message_id": messages[1].message_id}


def body_of(response) -> Any:
    """A response's body decoded: JSON, the JSON lines of an event stream, or text."""
    raw = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    kind = response.get("Content-Type", "")
    text = raw.decode()
    if "event-stream" in kind:
        return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]
    if "json" in kind and text:
        return json.loads(text)
    return text


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("job_settings")
def test_every_timestamp_of_every_answer_and_export_is_utc_milliseconds_z(settings):
    settings.BALANCE_ENABLED = True
    settings.BALANCE_AUTO_REFILL = True
    user = UserFactory(email="walker@example.com")
    client = bearer_client(user)
    ids = seed(user)
    convo = ids["conversation_id"]
    answers: dict[str, Any] = {}

    def call(label: str, method: str, path: str, body: Any = None, **extra: Any) -> Any:
        response = getattr(client, method)(path, body, format="json", **extra)
        assert response.status_code < 300, (label, response.status_code, response.content[:300])
        answers[label] = body_of(response)
        return answers[label]

    # Writes that answer with timestamped rows.
    project = call("project", "post", "/api/projects", {"name": "Travel"})
    ids["project_id"] = project["_id"]
    call("move", "put", f"/api/projects/conversations/{convo}", {"projectId": project["_id"]})
    share = call("share", "post", f"/api/share/{convo}", {})
    ids["key"] = share["shareId"]
    call("tag", "post", "/api/tags", {"tag": "later", "description": "d"})
    call("rename", "post", "/api/convos/update", {"arg": {"conversationId": convo, "title": "T"}})
    call("pin", "post", "/api/convos/pin", {"arg": {"conversationId": convo, "pinned": True}})
    call("message", "post", f"/api/messages/{convo}", {"text": "More", "sender": "User"})
    fork = {"conversationId": convo, "messageId": ids["message_id"]}
    call("fork", "post", "/api/convos/fork", fork)
    call("duplicate", "post", "/api/convos/duplicate", {"conversationId": convo})
    call("memory", "post", "/api/memories", {"key": "city", "value": "Lyon"})
    chat = call("chat", "post", "/api/chats", {"title": "Chat", "modelId": "echo"})
    ids["chat_id"] = chat["id"]
    call("reply", "post", f"/api/chats/{chat['id']}/messages", {"content": "Hi"})
    call("stream", "post", f"/api/chats/{chat['id']}/messages/stream", {"content": "Again"})
    read = call("share read", "get", f"/api/share/{share['shareId']}")
    revision = {"shareRevision": read["updatedAt"]}
    call("share fork", "post", f"/api/share/{share['shareId']}/fork", revision)
    with worker_thread():
        exported = call("export job", "post", "/api/convos/export", {})
        assert wait_for_job(exported["jobId"]).status == "succeeded"
        upload = SimpleUploadedFile("big.json", export_of(user), content_type="application/json")
        imported = client.post("/api/convos/import", {"file": upload}, format="multipart")
        assert imported.status_code == 202, imported.content[:300]
        assert wait_for_job(imported.json()["jobId"]).status == "succeeded"
    jobs = {"export": exported["jobId"], "import": imported.json()["jobId"]}
    call("login", "post", "/api/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    newcomer = {"email": "new@example.com", "password": "Unusual-passphrase-42"}
    call("register", "post", "/api/auth/register", newcomer)

    # Every read of the URLconf (a route added later is walked too).
    queries = {
        "api/convos": ["", "?isArchived=true"],
        "api/messages": [f"?conversationId={convo}"],
        "api/convos/<str:conversation_id>/export": [
            "?format=json",
            "?format=markdown",
            "?format=csv",
        ],
    }
    unanswered = []
    for route in api_routes():
        if "GET" not in route.methods:
            continue
        values = {**ids, "tag": "work"}
        if "job_id" in route.params:
            values["job_id"] = jobs["import" if "/import/" in route.template else "export"]
        path = route.path(**values)
        for query in queries.get(route.template, [""]):
            response = client.get(path + query)
            if response.status_code >= 300:
                unanswered.append((route.template, response.status_code))
                continue
            answers[f"GET /{route.template}{query}"] = body_of(response)
    assert unanswered == [], unanswered  # every read answered, so every read was checked

    found = list(timestamps_in(answers))
    assert off_format(found) == []
    # The walk really met the timestamps it is about (a check that found none proves nothing).
    seen = {where.rsplit(".", 1)[-1] for where, _ in found}
    for key in (
        "createdAt", "updatedAt", "archivedAt", "lastConversationAt", "updated_at",
        "startedAt", "finishedAt", "expiresAt", "lastRefill", "exportAt",
    ):  # fmt: skip
        assert key in seen, key
    texts = [body for label, body in answers.items() if "markdown" in label or "csv" in label]
    assert len(texts) == 2 and all(LOOKS_LIKE_A_TIMESTAMP.search(text) for text in texts)
    assert "2024-05-29T00:33:03.661Z" in json.dumps(answers["GET /api/convos"])


def export_of(user) -> bytes:
    """The user's whole history as our own JSON export, padded past the synchronous import
    limit so the import runs as a job."""
    out = io.StringIO()
    conversations_export(user=user, out=out, export_format="json")
    documents = json.loads(out.getvalue())
    documents[0]["title"] = "x" * 4096
    return json.dumps(documents).encode()


# --- Cursors -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_rows_inside_one_millisecond_page_without_gaps_or_repeats(auth_client, user):
    # Twelve conversations whose updatedAt all read the same on the wire, three with the very
    # same microsecond too: the cursor must carry more than the text shows.
    for i in range(12):
        at = MOMENT.replace(microsecond=661000 + (i // 3) * 7)
        ConversationFactory(user=user, title=f"c{i}", created_at=at, updated_at=at)
    expected = list(
        Conversation.objects.filter(user=user)
        .order_by("-updated_at", "-pk")
        .values_list("conversation_id", flat=True)
    )
    seen: list[str] = []
    cursor = ""
    while True:
        page = auth_client.get(f"/api/convos?limit=5&cursor={cursor}").json()
        seen += [item["conversationId"] for item in page["conversations"]]
        assert {item["updatedAt"] for item in page["conversations"]} == {"2024-05-29T00:33:03.661Z"}
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == expected


@pytest.mark.django_db
def test_messages_inside_one_millisecond_page_in_order(auth_client, user):
    """The messages list (newest first by default) over seven messages in one millisecond."""
    convo = ConversationFactory(user=user)
    messages = message_chain(convo, 7)
    for i, message in enumerate(messages):
        at = MOMENT.replace(microsecond=661000 + i)
        Message.objects.filter(pk=message.pk).update(created_at=at, updated_at=at)
    seen: list[str] = []
    cursor = ""
    while True:
        page = auth_client.get(
            f"/api/messages?conversationId={convo.conversation_id}&pageSize=2&cursor={cursor}"
        ).json()
        seen += [item["messageId"] for item in page["messages"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == [m.message_id for m in reversed(messages)]


# --- Input -------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    ["2024-05-29T00:33:03.661Z", "2024-05-29T00:33:03.661237+00:00", "2024-05-29T02:33:03+02:00"],
)
def test_export_filters_take_the_wire_format_and_the_wider_iso_forms(auth_client, moment):
    response = auth_client.post("/api/convos/export", {"updatedAfter": moment}, format="json")
    assert response.status_code == 202, response.json()


@pytest.mark.django_db
def test_a_shared_revision_read_back_as_written_forks(auth_client, other_client, user):
    convo = ConversationFactory(user=user)
    message_chain(convo, 2)
    share = auth_client.post(f"/api/share/{convo.conversation_id}", {}, format="json").json()
    revision = other_client.get(f"/api/share/{share['shareId']}").json()["updatedAt"]
    assert WIRE.match(revision)
    forked = other_client.post(
        f"/api/share/{share['shareId']}/fork", {"shareRevision": revision}, format="json"
    )
    assert forked.status_code in (200, 201), forked.json()


# --- Nobody can forget -------------------------------------------------------------------------
PROJECT_PACKAGES = ("chatcore", "messages_app", "tags_app", "convos_app", "config")


def project_serializers() -> list[type[serializers.Serializer]]:
    assert get_resolver().url_patterns  # every view, hence every serializer, is imported
    found, stack = [], [serializers.Serializer]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            abstract = issubclass(sub, serializers.ModelSerializer) and not hasattr(sub, "Meta")
            if sub.__module__.split(".")[0] in PROJECT_PACKAGES and not abstract:
                found.append(sub)
    return found


def datetime_fields(field: serializers.Field) -> Iterator[serializers.Field]:
    if isinstance(field, serializers.DateTimeField):
        yield field
    for child in (getattr(field, "child", None),):
        if isinstance(child, serializers.Field):
            yield from datetime_fields(child)


def test_every_serializer_timestamp_is_a_timestamp_field():
    """Declared or generated from a model (``chatcore.serializers.ModelSerializer``), a
    serializer's timestamp is ``TimestampField``, never DRF's microsecond ``DateTimeField``."""
    classes = project_serializers()
    assert len(classes) > 50
    checked, offenders = 0, []
    for cls in classes:
        for name, field in cls().fields.items():
            for found in datetime_fields(field):
                checked += 1
                if not isinstance(found, TimestampField):
                    offenders.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert offenders == []
    assert checked > 20


def test_a_model_timestamp_listed_in_meta_fields_is_a_timestamp_field():
    class TagProbe(ModelSerializer):
        class Meta:
            model = Tag
            fields = ["name", "created_at"]

    field = TagProbe().fields["created_at"]
    assert isinstance(field, TimestampField)
    assert field.to_representation(MOMENT) == "2024-05-29T00:33:03.661Z"

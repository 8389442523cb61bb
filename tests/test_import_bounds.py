"""Hostile import files are refused while they stream, in bounded memory and time
(docs/api-behaviour.md#import-parse-bounds)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from chatcore.errors import InvalidInput
from convos_app.models import Conversation
from convos_app.services.imports import conversations_import, detection
from messages_app.models import Message
from tests.jobs_support import child_database_env

ROOT = Path(__file__).resolve().parent.parent
URL = "/api/convos/import"
TOO_DEEP = "JSON nesting is deeper than 110 levels"
RSS_BUDGET_MB = 64


@pytest.fixture(autouse=True)
def private_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b"}
    }
    cache.clear()


def chat(conversation_id: str, messages: list[dict]) -> dict:
    return {"conversationId": conversation_id, "title": "t", "messages": messages}


def message(n: int, **extra) -> dict:
    return {
        "messageId": f"m{n}",
        "parentMessageId": f"m{n - 1}" if n else "00000000-0000-0000-0000-000000000000",
        "text": f"text {n}",
        "sender": "User",
        "isCreatedByUser": True,
        **extra,
    }


def refused(user, data: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        conversations_import(user=user, stream=io.BytesIO(data))
    assert not Conversation.objects.exists()
    return caught.value


# --- memory: a subprocess measures its own peak RSS ------------------------------------------
PROBE = """
import json, resource, sys
import django
django.setup()
from django.db import transaction
from chatcore.errors import ApplicationError
from chatcore.models import User
from convos_app.services.imports import conversations_import

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

results = []
with transaction.atomic():
    user = User.objects.create_user(email="rss@example.com", password="x-pass-123456")
    baseline = peak_mb()
    for path in sys.argv[1:]:
        try:
            with open(path, "rb") as stream:
                conversations_import(user=user, stream=stream)
            results.append({"file": path, "status": 201})
        except ApplicationError as exc:
            results.append({"file": path, "status": exc.status_code, "error": exc.error,
                            "increase_mb": peak_mb() - baseline})
    transaction.set_rollback(True)
print(json.dumps(results))
"""


@pytest.mark.django_db
def test_deep_and_huge_files_are_400_within_a_fixed_memory_budget(tmp_path):
    files = {}
    for depth in (10**4, 10**5, 10**6):
        files[f"arrays-{depth}"] = b"[" * depth + b"]" * depth
        files[f"maps-{depth}"] = b'[{"a":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}]"
    files["object-root-1000000"] = b'{"a":' * 10**6 + b"1" + b"}" * 10**6
    deep_content = "[" * 10**5 + "]" * 10**5
    second = json.dumps(chat("c2", [message(0, content="X")])).replace('"X"', deep_content)
    files["deep-in-second-conversation"] = (
        "[" + json.dumps(chat("c1", [message(0)])) + "," + second + "]"
    ).encode()
    files["long-string"] = (
        b'[{"conversationId": "c", "messages": [], "title": "'
        + (b"x" * (17 * 1024 * 1024))
        + b'"}]'
    )
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    # The test database, whichever server runs it (embedded, or DATABASE_URL in
    # make test-external).
    env = child_database_env(DJANGO_SETTINGS_MODULE="config.settings")
    output = subprocess.run(
        [sys.executable, "-c", PROBE, *paths],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    results = json.loads(output.strip().splitlines()[-1])
    print({Path(r["file"]).name: round(r["increase_mb"], 1) for r in results})
    for result in results:
        assert result["status"] == 400, result
        assert result["increase_mb"] < RSS_BUDGET_MB, result
    errors = {Path(r["file"]).name: r["error"] for r in results}
    assert errors == {
        **{f"arrays-{d}": TOO_DEEP for d in (10**4, 10**5, 10**6)},
        **{f"maps-{d}": TOO_DEEP for d in (10**4, 10**5, 10**6)},
        "object-root-1000000": TOO_DEEP,
        "deep-in-second-conversation": TOO_DEEP,
        "long-string": "The file contains a value longer than 16777216 bytes",
    }


# --- depth -------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        b"[" * 200 + b"]" * 200,
        b'{"conversationId": "c", "messages": ' + b"[" * 200 + b"]" * 200 + b"}",
        b'{"history": [' + b"[" * 200 + b"]" * 200 + b"], " + b'"folders": []}',
    ],
    ids=["array", "single-object", "chatbotui-history"],
)
def test_over_deep_file_is_400_and_imports_nothing(user, data):
    assert refused(user, data).error == TOO_DEEP


@pytest.mark.django_db
def test_depth_limit_counts_from_the_file_root(user, settings):
    settings.CHATCORE_MAX_JSON_DEPTH = 20  # so the file may nest 30 levels

    # array(1) conversation(2) messages(3) message(4) content(5) part(6) + n nested lists
    def file_with(n: int) -> bytes:
        part = {"type": "text", "text": "deep", "extra": json.loads("[" * n + "]" * n)}
        return json.dumps([chat("c", [message(0, content=[part])])]).encode()

    result = conversations_import(user=user, stream=io.BytesIO(file_with(15)))
    assert (result.conversations, result.messages) == (1, 1)
    assert refused_after(user, file_with(25)) == "JSON nesting is deeper than 30 levels"


def refused_after(user, data: bytes) -> str:
    before = Conversation.objects.count()
    with pytest.raises(InvalidInput) as caught:
        conversations_import(user=user, stream=io.BytesIO(data))
    assert Conversation.objects.count() == before
    return caught.value.error


def tree(length: int) -> bytes:
    """A LibreChat recursive export of one linear chat, each reply nested under ``children``
    (written as text: the json module itself cannot encode that deep)."""
    opening = "".join(json.dumps(message(n))[:-1] + ', "children": [' for n in range(length))
    nodes = opening + "]}" * length
    head = '{"conversationId": "c", "title": "long", "recursive": true, "messagesTree": ['
    return (head + nodes + "]}").encode()


@pytest.mark.django_db
def test_long_librechat_tree_is_not_counted_as_nesting(user):
    data = tree(600)  # 1,200 levels of children, 110 allowed for content
    result = conversations_import(user=user, stream=io.BytesIO(data))
    assert (result.conversations, result.messages) == (1, 600)
    texts = Message.objects.order_by("created_at", "id").values_list("text", flat=True)
    assert list(texts[:2]) == ["text 0", "text 1"]


@pytest.mark.django_db
def test_tree_deeper_than_the_tree_limit_is_400(user, settings):
    settings.CHATCORE_IMPORT_MAX_TREE_DEPTH = 500
    assert refused(user, tree(300)).error == TOO_DEEP


# --- string and token length -------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [
        '"' + "y" * 1001 + '"',
        '"' + '\\"' * 501 + '"',  # escaped quotes are still one string
        "1" * 1001,  # a number token
    ],
    ids=["plain", "escapes", "number"],
)
def test_token_longer_than_the_limit_is_400(user, settings, value):
    settings.CHATCORE_IMPORT_MAX_STRING_BYTES = 1000
    data = ('[{"conversationId": "c", "messages": [], "title": ' + value + "}]").encode()
    assert refused(user, data).error == "The file contains a value longer than 1000 bytes"


@pytest.mark.django_db
def test_strings_up_to_the_limit_import_across_read_boundaries(user, settings, monkeypatch):
    settings.CHATCORE_IMPORT_MAX_STRING_BYTES = 1000
    monkeypatch.setattr(detection, "READ_SIZE", 7)  # every string and escape spans reads
    text = "z" * 990 + '\\"\\\\'  # 994 bytes: ends in an escaped quote and backslash
    data = '[{"conversationId": "c", "messages": [' + json.dumps(message(0))[:-1]
    data += ', "content": [{"type": "text", "text": "' + text + '"}]}]}]'
    result = conversations_import(user=user, stream=io.BytesIO(data.encode()))
    assert result.messages == 1
    part = Message.objects.get().content_parts.get()
    assert part.payload["text"] == "z" * 990 + '"\\'


# --- detection reads a prefix ------------------------------------------------------------------
class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_detection_of_an_object_reads_only_its_first_keys():
    big = json.dumps(chat("c", [message(n) for n in range(40_000)])).encode()
    assert len(big) > 4 * detection.READ_SIZE
    stream = CountingStream(big)
    assert detection.detect(stream) == ("librechat", "single")
    assert stream.bytes_read <= 2 * detection.READ_SIZE


def test_detection_of_an_array_reads_up_to_its_first_element():
    first = chat("c1", [message(0)])
    rest = [chat(f"c{n}", [message(m) for m in range(3000)]) for n in range(2, 12)]
    data = json.dumps([first, *rest]).encode()
    stream = CountingStream(data)
    assert detection.detect(stream) == ("librechat", "array")
    assert stream.bytes_read <= 2 * detection.READ_SIZE < len(data)


@pytest.mark.django_db
def test_object_undecided_within_the_prefix_is_400(user):
    data = b'{"padding": "' + b"p" * (2 * 1024 * 1024) + b'", "conversationId": "c"}'
    error = refused(user, data)
    assert (error.error, error.message) == (
        "The format could not be told from the start of the file",
        "Read the first 1048576 bytes",
    )


# --- nothing to import, and the synchronous time budget -----------------------------------------
@pytest.mark.django_db
def test_conversations_without_messages_are_400_nothing_to_import(auth_client):
    data = json.dumps([chat("a", []), chat("b", [])]).encode()
    response = auth_client.post(URL, {"file": SimpleUploadedFile("x.json", data)})
    assert response.status_code == 400
    assert response.json() == {"error": "Nothing to import: the file contains no messages"}
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_import_past_its_time_budget_is_413_and_writes_nothing(auth_client, settings):
    settings.CONVERSATION_IMPORT_SYNC_SECONDS = 0
    data = json.dumps([chat("a", [message(0)])]).encode()
    response = auth_client.post(URL, {"file": SimpleUploadedFile("x.json", data)})
    assert response.status_code == 413
    assert response.json() == {
        "error": "The import did not finish in time; nothing was imported",
        "message": "The synchronous import stops after 0 seconds; import a file this large "
        "with manage.py import_conversations",
    }
    assert not Conversation.objects.exists()

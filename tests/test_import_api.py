"""``POST /api/convos/import`` and ``GET /api/convos/:id/export`` over HTTP."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from convos_app.models import Conversation
from messages_app.models import Message
from tests.conftest import bearer_client
from tests.factories import ConversationFactory, message_chain
from tests.test_import_formats import FIXTURES

URL = "/api/convos/import"


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Throttle counters in a per-test local-memory cache (no shared cache table needed)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "issue7-import-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def upload(name: str, content: bytes, content_type: str = "application/json"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def fixture_file(name: str):
    return upload(name, (FIXTURES / name).read_bytes())


@pytest.mark.django_db
def test_import_chatgpt_export_answers_201_with_counts(auth_client, user):
    response = auth_client.post(URL, {"file": fixture_file("chatgpt/modern-export.json")})

    assert response.status_code == 201, response.json()
    assert response.json() == {
        "message": "Conversation(s) imported successfully",
        "conversations": 2,
        "messages": 6,
        "skipped": [
            {
                "index": 1,
                "title": "Half-synced chat",
                "reason": "Conversation has no message mapping",
            },
            {
                "index": 3,
                "title": "Draft from the mobile app",
                "reason": "Conversation has no valid create_time",
            },
        ],
    }
    assert Conversation.objects.filter(user=user).count() == 2


@pytest.mark.django_db
def test_format_comes_from_content_not_name_or_type(auth_client, user):
    data = (FIXTURES / "librechat" / "linear.json").read_bytes()
    response = auth_client.post(URL, {"file": upload("notes.txt", data, "text/plain")})
    assert response.status_code == 201, response.json()
    assert response.json()["messages"] == 2


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"just some notes", "The file is not valid JSON"),
        (
            b'{"foo": 1}',
            "Unsupported import format: expected a LibreChat, ChatGPT, Claude.ai, Chatbot UI "
            "or Open WebUI export",
        ),
        (b"[]", "The file contains no conversations"),
    ],
)
@pytest.mark.django_db
def test_unusable_files_answer_400_and_import_nothing(auth_client, user, content, error):
    response = auth_client.post(URL, {"file": upload("x.json", content)})
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert not Conversation.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_missing_file_part_is_a_400(auth_client):
    response = auth_client.post(URL, {"other": "x"})
    assert response.status_code == 400
    assert response.json()["error"] == "file: No file was submitted"


@pytest.mark.django_db
def test_file_size_limit_is_exact_and_answers_413(auth_client, user, settings):
    content = (FIXTURES / "librechat" / "linear.json").read_bytes()
    settings.CONVERSATION_IMPORT_MAX_FILE_SIZE_BYTES = len(content)
    ok = auth_client.post(URL, {"file": upload("a.json", content)})
    assert ok.status_code == 201, ok.json()

    settings.CONVERSATION_IMPORT_MAX_FILE_SIZE_BYTES = len(content) - 1
    too_big = auth_client.post(URL, {"file": upload("a.json", content)})
    assert too_big.status_code == 413
    assert too_big.json() == {"error": "File exceeds the maximum allowed size"}
    assert Conversation.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_user_and_ip_rate_limits_answer_429(user, other_user, settings):
    # every request that reaches the user limit counts against the IP limit too
    settings.CONVERSATION_IMPORT_RATES = {"user": (2, 900), "ip": (4, 900)}
    alice, mallory = bearer_client(user), bearer_client(other_user)
    for _ in range(2):
        assert alice.post(URL, {"file": upload("x.json", b"[]")}).status_code == 400
    limited = alice.post(URL, {"file": upload("x.json", b"[]")})
    assert limited.status_code == 429
    assert limited.json()["error"] == "Too many requests"
    assert limited.json()["message"].startswith(
        "Too many conversation import requests. Try again later"
    )
    assert "Retry-After" in limited
    # a second user from the same address gets one more before the IP limit
    assert mallory.post(URL, {"file": upload("x.json", b"[]")}).status_code == 400
    assert mallory.post(URL, {"file": upload("x.json", b"[]")}).status_code == 429


@pytest.mark.django_db
def test_import_requires_authentication(api_client):
    response = api_client.post(URL, {"file": fixture_file("librechat/linear.json")})
    assert response.status_code == 401
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_export_one_conversation_as_each_format(auth_client, user):
    convo = ConversationFactory(user=user, title="Trip plan")
    message_chain(convo, 3)

    as_json = auth_client.get(f"/api/convos/{convo.conversation_id}/export")
    assert as_json.status_code == 200
    assert as_json["Content-Type"] == "application/json"
    assert as_json["Content-Disposition"] == (
        f'attachment; filename="Trip-plan-{convo.conversation_id}.json"'
    )
    document = json.loads(b"".join(as_json.streaming_content))
    assert document["conversationId"] == convo.conversation_id
    assert document["title"] == "Trip plan"
    assert len(document["messagesTree"]) == 1

    markdown = auth_client.get(f"/api/convos/{convo.conversation_id}/export?format=markdown")
    assert markdown["Content-Type"] == "text/markdown; charset=utf-8"
    assert b"".join(markdown.streaming_content).decode().startswith("# Trip plan")

    as_csv = auth_client.get(f"/api/convos/{convo.conversation_id}/export", {"format": "csv"})
    assert as_csv["Content-Disposition"].endswith('.csv"')
    assert len(b"".join(as_csv.streaming_content).decode().splitlines()) == 4


@pytest.mark.django_db
def test_exported_json_imports_back_over_http(auth_client, other_client, user, other_user):
    convo = ConversationFactory(user=user, title="Loop")
    message_chain(convo, 4)
    exported = b"".join(
        auth_client.get(f"/api/convos/{convo.conversation_id}/export").streaming_content
    )
    response = other_client.post(URL, {"file": upload("loop.json", exported)})
    assert response.status_code == 201, response.json()
    assert (response.json()["conversations"], response.json()["messages"]) == (1, 4)
    assert Message.objects.filter(user=other_user).count() == 4


@pytest.mark.django_db
def test_export_of_foreign_or_unknown_conversation_is_404_and_bad_format_400(
    auth_client, other_user, user
):
    foreign = ConversationFactory(user=other_user)
    response = auth_client.get(f"/api/convos/{foreign.conversation_id}/export")
    assert response.status_code == 404
    assert response.json() == {"error": "Conversation not found"}
    assert auth_client.get("/api/convos/nope/export").status_code == 404
    mine = ConversationFactory(user=user)
    bad = auth_client.get(f"/api/convos/{mine.conversation_id}/export?format=pdf")
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("format:")

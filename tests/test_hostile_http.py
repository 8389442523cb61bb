"""Hostile requests answer a clear 4xx JSON in the one error shape, never a 500 or an HTML page
(docs/api-behaviour.md#hostile-input)."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from drf_spectacular.generators import SchemaGenerator
from rest_framework_simplejwt.tokens import RefreshToken

from chatcore.errors import json_csrf_failure
from messages_app.models import Message
from tags_app.models import Tag
from tests.factories import ConversationFactory
from tests.routes import api_routes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Throttle counters per test (the login limit would otherwise carry over)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "h"}
    }
    cache.clear()


def csrf_client(user=None) -> Client:
    """A client that enforces CSRF exactly as the server does (APIClient skips the check)."""
    if user is None:
        return Client(enforce_csrf_checks=True)
    token = RefreshToken.for_user(user).access_token
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_json_error(response, status: int, error: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("error"), str)
    if error is not None:
        assert body["error"] == error
    return body


# --- NUL bytes in path ids ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "error"),
    [
        ("get", "/api/convos/%00", "Conversation not found"),
        ("get", "/api/convos/%00/export", "Conversation not found"),
        ("get", "/api/convos/gen_title/%00", "Conversation not found"),
        ("put", "/api/tags/%00", "Tag not found"),
        ("delete", "/api/tags/%00", "Tag not found"),
        ("put", "/api/tags/convo/%00", "Conversation not found"),
        ("post", "/api/tags/convo/%00", "Conversation not found"),
        ("put", "/api/tags/a%00b", "Tag not found"),
        ("delete", "/api/tags/" + "x" * 300, "Tag not found"),
    ],
)
def test_nul_or_impossible_path_id_is_404(auth_client, user, method, path, error):
    Tag.objects.create(user=user, name="kept", position=1)
    body = {"tags": ["kept"], "tag": "kept"}
    response = getattr(auth_client, method)(path, data=body, format="json")
    assert_json_error(response, 404, error)
    assert list(Tag.objects.values_list("name", flat=True)) == ["kept"]


# --- numbers that overflow a float -------------------------------------------------------------
@pytest.mark.parametrize(
    "member",
    [
        '"metadata": {"n": 1e400}',
        '"content": [{"type": "text", "text": "a", "n": 1e400}]',
        '"attachments": [{"size": -1e400}]',
        '"files": [{"bytes": 1e400}]',
    ],
)
@pytest.mark.parametrize("existing", [True, False])
def test_float_overflow_in_message_body_is_400(auth_client, user, member, existing):
    conversation_id = ConversationFactory(user=user).conversation_id if existing else "new"
    raw = (
        f'{{"conversationId": "{conversation_id}", "messageId": "m-1", "text": "hi", '
        '"sender": "User", "isCreatedByUser": true, '
        f'"parentMessageId": "00000000-0000-0000-0000-000000000000", {member}}}'
    )
    response = auth_client.post(
        f"/api/messages/{conversation_id}", data=raw, content_type="application/json"
    )
    assert_json_error(response, 400, "Numbers must be finite (NaN is not allowed)")
    assert not Message.objects.exists()


# --- form and multipart limits -----------------------------------------------------------------
def _many_fields() -> tuple[str, str]:
    return "&".join(f"f{i}=1" for i in range(1001)), "application/x-www-form-urlencoded"


def _many_files() -> dict:
    return {f"f{i}": io.BytesIO(b"x") for i in range(101)}


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/register"])
def test_form_bodies_over_the_limits_are_415_anonymously(path):
    """Form bodies are never parsed outside import, so Django's field and file limits cannot
    turn them into a 500: they answer the one 415 body."""
    body, content_type = _many_fields()
    fields = csrf_client().post(path, data=body, content_type=content_type)
    assert_json_error(fields, 415, "Unsupported media type")
    files = csrf_client().post(path, data=_many_files())
    assert_json_error(files, 415, "Unsupported media type")


@pytest.mark.parametrize("path", ["/api/tags", "/api/convos/update"])
def test_form_bodies_over_the_limits_are_415_when_signed_in(user, path):
    body, content_type = _many_fields()
    fields = csrf_client(user).post(path, data=body, content_type=content_type)
    assert_json_error(fields, 415, "Unsupported media type")
    assert_json_error(csrf_client(user).post(path, data=_many_files()), 415)
    assert not Tag.objects.exists()


def test_too_many_urlencoded_fields_on_import_is_415(auth_client):
    body, content_type = _many_fields()
    response = auth_client.post("/api/convos/import", data=body, content_type=content_type)
    assert_json_error(response, 415, "Unsupported media type")
    assert response.json()["message"] == "Send the body as multipart/form-data"


def test_import_with_200_file_parts_is_400(auth_client):
    export = json.dumps([{"conversationId": "c", "messages": []}]).encode()
    files = [io.BytesIO(export) for _ in range(200)]
    response = auth_client.post("/api/convos/import", data={"file": files}, format="multipart")
    assert_json_error(response, 400, "Too many files in the request")


# --- CSRF pages ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/foo"), ("delete", "/api/convo"), ("put", "/api/tag/x"), ("patch", "/api/")],
)
@pytest.mark.parametrize("signed_in", [True, False])
def test_unsafe_method_to_unknown_api_route_is_json_404(user, method, path, signed_in):
    client = csrf_client(user if signed_in else None)
    response = getattr(client, method)(path, data="{}", content_type="application/json")
    assert_json_error(response, 404, "Not found")


def test_post_to_healthz_is_json_405():
    response = csrf_client().post("/healthz", data="{}", content_type="application/json")
    assert_json_error(response, 405, "Method not allowed")
    assert response["Allow"] == "GET, HEAD"


def test_session_write_without_csrf_token_is_json_403(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/tags", data={"tag": "x"}, content_type="application/json")
    assert_json_error(response, 403)
    assert not Tag.objects.exists()


def test_csrf_failure_view_answers_json_on_api_and_html_elsewhere():
    factory = RequestFactory()
    api = json_csrf_failure(factory.post("/api/anything"), reason="no cookie")
    assert api.status_code == 403
    assert json.loads(api.content) == {
        "error": "Forbidden",
        "message": "CSRF verification failed",
    }
    admin = json_csrf_failure(factory.post("/admin/login/"), reason="no cookie")
    assert admin.status_code == 403
    assert admin["Content-Type"].startswith("text/html")


# --- OPTIONS on every route ---------------------------------------------------------------------
@pytest.mark.parametrize("route", api_routes(), ids=str)
def test_options_answers_on_every_route(auth_client, route):
    path = route.path(**{name: "some-id" for name in route.params})
    response = auth_client.options(path)
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["name"]
    assert "application/json" in body["renders"]
    allowed = {m.strip() for m in response["Allow"].split(",")}
    assert set(route.methods) <= allowed


@pytest.mark.parametrize("route", api_routes(), ids=str)
@pytest.mark.parametrize("signed_in", [True, False])
def test_a_method_no_action_maps_is_json_405_on_every_route(
    auth_client, api_client, route, signed_in
):
    client = auth_client if signed_in else api_client
    path = route.path(**{name: "some-id" for name in route.params})
    response = client.generic("TRACE", path, data="{}", content_type="application/json")
    if response.status_code == 401:  # authentication comes first on signed-in-only routes
        assert not signed_in
        return
    assert_json_error(response, 405, "Method not allowed")


# --- one content-type rule ----------------------------------------------------------------------
def _operations_with_bodies() -> list[tuple[str, str, str]]:
    """(method, path template, media type) of every operation whose schema takes a body."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                media = next(iter(operation["requestBody"]["content"]))
                found.append((method, path, media))
    return sorted(found)


def test_every_operation_with_a_body_answers_a_form_with_the_one_415(auth_client):
    """JSON everywhere on /api/, multipart only for import: a form body gets the same 415 on
    every route the schema gives a body, naming the type that route parses."""
    operations = _operations_with_bodies()
    assert len(operations) > 30
    answered = {}
    for method, template, media in operations:
        path = re.sub(r"\{[^}]+\}", "some-id", template)
        response = getattr(auth_client, method)(
            path, data="a=1", content_type="application/x-www-form-urlencoded"
        )
        answered[(method, template)] = (response.status_code, response.json(), media)
    expected = {
        key: (415, {"error": "Unsupported media type", "message": f"Send the body as {media}"})
        for key, (_, _, media) in answered.items()
    }
    assert {key: value[:2] for key, value in answered.items()} == expected
    media_types = {media for _, _, media in operations}
    assert media_types == {"application/json", "multipart/form-data"}

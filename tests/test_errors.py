"""Every failure answers the one JSON error shape; bad bodies never reach the DB."""

import json
import uuid

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register"


def post_raw(client, path, body: str | bytes, content_type="application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def test_unknown_api_route_is_json_404(auth_client):
    r = auth_client.get("/api/definitely/not/here")
    assert r.status_code == 404
    assert r.json() == {"error": "Not found"}


def test_unknown_route_outside_api_is_json_404(client):
    r = client.get("/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"error": "Not found"}


def test_wrong_method_is_json_405(auth_client):
    r = auth_client.put("/api/user")
    assert r.status_code == 405
    assert r.json() == {"error": "Method not allowed"}


def test_missing_token_is_json_401(api_client):
    r = api_client.get("/api/user")
    assert r.status_code == 401
    assert r.json() == {
        "error": "Unauthorized",
        "message": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_malformed_json_is_400(api_client):
    r = post_raw(api_client, REGISTER, '{"email": ')
    assert r.status_code == 400
    assert r.json()["error"].startswith("JSON parse error")


@pytest.mark.parametrize(
    "body",
    [
        "[" * 150 + "]" * 150,
        '{"a":' * 150 + "1" + "}" * 150,
        "[" * 5000 + "]" * 5000,
    ],
)
def test_deep_nesting_is_400_not_500(api_client, body):
    r = post_raw(api_client, REGISTER, body)
    assert r.status_code == 400
    assert "nest" in r.json()["error"].lower()


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ('{"email": "a@b.co", "password": "x\\u0000y"}', "Text must not contain NUL characters"),
        (
            '{"email": "a@b.co", "name": "\\ud800"}',
            "Text must not contain unpaired surrogate characters",
        ),
        ('{"email": "a@b.co", "x": {"k\\u0000": 1}}', "Text must not contain NUL characters"),
    ],
)
def test_nul_and_lone_surrogates_anywhere_are_400(api_client, payload, error):
    r = post_raw(api_client, REGISTER, payload)
    assert r.status_code == 400
    assert r.json() == {"error": error}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1" * 5000])
def test_non_finite_and_huge_numbers_are_400(api_client, literal):
    r = post_raw(api_client, REGISTER, '{"email": "a@b.co", "x": ' + literal + "}")
    assert r.status_code == 400
    assert "error" in r.json()


def test_array_root_is_a_400_validation_error(api_client):
    r = post_raw(api_client, REGISTER, json.dumps([1, 2]))
    assert r.status_code == 400
    assert r.json()["error"].startswith("Invalid data")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_body_is_json_413(api_client):
    r = post_raw(api_client, REGISTER, json.dumps({"email": "a@b.co", "name": "x" * 5000}))
    assert r.status_code == 413
    assert r.json() == {"error": "Request body too large"}


def test_unsupported_charset_trick_is_rejected(api_client):
    r = post_raw(api_client, REGISTER, b"{}", content_type="application/json; charset=bz2_codec")
    assert r.status_code in (400, 415)
    assert "error" in r.json()


@pytest.mark.urls("tests.urls_faults")
def test_unexpected_exception_is_500_without_internals(client):
    r = client.get("/api/boom")
    assert r.status_code == 500
    assert r.json() == {"error": "Internal server error"}
    assert b"hunter2" not in r.content


# --- One 400 shape on every endpoint: ``error`` sentence + ``fields`` of dotted wire keys -------
def test_nested_field_errors_have_dotted_keys_in_the_convos_api(auth_client):
    r = auth_client.post("/api/convos/update", {"arg": {"title": "x"}}, format="json")
    assert r.status_code == 400
    assert r.json() == {
        "error": "conversationId is required",
        "fields": {"arg.conversationId": ["conversationId is required"]},
    }


def test_list_item_errors_have_dotted_keys_in_the_tags_api(auth_client):
    r = auth_client.put("/api/tags/convo/any-id", {"tags": ["ok", 1]}, format="json")
    assert r.status_code == 400
    assert r.json() == {
        "error": "tags must be a string",
        "fields": {"tags.1": ["tags must be a string"]},
    }


def test_nested_field_errors_have_dotted_keys_in_the_messages_api(auth_client):
    """A fixed LibreChat sentence as ``error``; the usual sentence and ``fields`` still say
    what was wrong, in the same shape."""
    r = auth_client.put(
        f"/api/messages/{uuid.uuid4()}/{uuid.uuid4()}/feedback",
        {"feedback": {"rating": "meh"}},
        format="json",
    )
    assert r.status_code == 400
    assert r.json() == {
        "error": "Invalid feedback",
        "message": 'feedback.rating: "meh" is not a valid choice',
        "fields": {"feedback.rating": ['"meh" is not a valid choice.']},
    }


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (
            f"/api/messages/{uuid.uuid4()}",
            {"text": 5},
            {"error": "text: Must be a string", "fields": {"text": ["Must be a string."]}},
        ),
        (
            "/api/chats",
            {"title": 5},
            {"error": "title: Must be a string", "fields": {"title": ["Must be a string."]}},
        ),
        (
            "/api/convos/duplicate",
            {"conversationId": 5},
            {
                "error": "conversationId must be a string",
                "fields": {"conversationId": ["conversationId must be a string"]},
            },
        ),
        (
            "/api/tags",
            {"tag": 5},
            {"error": "tag must be a string", "fields": {"tag": ["tag must be a string"]}},
        ),
    ],
)
def test_top_level_field_errors_have_the_same_shape_in_every_app(auth_client, path, body, expected):
    r = auth_client.post(path, body, format="json")
    assert r.status_code == 400
    assert r.json() == expected


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/api/convos/update", "Request body must be a JSON object"),
        (f"/api/messages/{uuid.uuid4()}", "Invalid data. Expected a dictionary, but got list."),
        ("/api/messages/00000000-0000-0000-0000-000000000000/x/feedback", None),
    ],
)
def test_errors_that_belong_to_no_key_have_no_fields(auth_client, path, error):
    method = "put" if path.endswith("feedback") else "post"
    r = getattr(auth_client, method)(path, [1], format="json")
    assert r.status_code == 400
    body = r.json()
    assert "fields" not in body
    if error is not None:
        assert body == {"error": error}


def test_query_string_errors_use_the_same_shape(auth_client):
    r = auth_client.get("/api/messages?pageSize=0")
    assert (r.status_code, r.json()) == (
        400,
        {
            "error": "pageSize must be a positive integer",
            "fields": {"pageSize": ["Must be a positive integer."]},
        },
    )
    r = auth_client.get("/api/tags/list?pageSize=x")
    assert (r.status_code, r.json()) == (
        400,
        {
            "error": "pageSize must be a positive integer",
            "fields": {"pageSize": ["Must be a positive integer."]},
        },
    )

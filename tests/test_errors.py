"""Every failure answers the one JSON error shape (design D10); bad bodies never reach the DB."""

import json

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
    r = auth_client.delete("/api/user")
    assert r.status_code == 405
    assert r.json() == {"error": "Method not allowed"}


def test_missing_token_is_json_401(api_client):
    r = api_client.get("/api/user")
    assert r.status_code == 401
    assert r.json() == {
        "error": "Unauthorized",
        "message": "Authentication credentials were not provided.",
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

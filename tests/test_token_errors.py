"""A 401 says why, with a documented ``code`` (docs/api-behaviour.md#token-errors)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db
ME = "/api/user"


def unauthorized(client, header: str | None) -> dict:
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    return response.json()


def test_expired_token_says_token_expired(api_client, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert unauthorized(api_client, f"Bearer {token}") == {
        "error": "Unauthorized",
        "message": "The access token has expired; refresh it and retry",
        "code": "token_expired",
    }


@pytest.mark.parametrize("token", ["not.a.token", "garbage", "a.b.c.d"])
def test_malformed_token_says_token_invalid(api_client, token):
    assert unauthorized(api_client, f"Bearer {token}") == {
        "error": "Unauthorized",
        "message": "The access token is not valid",
        "code": "token_invalid",
    }


def test_tampered_signature_is_token_invalid(api_client, user):
    token = str(AccessToken.for_user(user))
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert unauthorized(api_client, f"Bearer {tampered}")["code"] == "token_invalid"


def test_refresh_token_used_as_access_token_is_token_invalid(api_client, user):
    body = unauthorized(api_client, f"Bearer {RefreshToken.for_user(user)}")
    assert body["code"] == "token_invalid"


def test_token_without_bearer_says_the_scheme_is_missing(api_client, user):
    assert unauthorized(api_client, str(AccessToken.for_user(user))) == {
        "error": "Unauthorized",
        "message": 'The Authorization header has no scheme: send "Bearer <token>"',
        "code": "token_scheme_missing",
    }


def test_other_scheme_is_named(api_client):
    assert unauthorized(api_client, "Basic dXNlcjpwYXNz") == {
        "error": "Unauthorized",
        "message": 'Unsupported Authorization scheme: send "Bearer <token>"',
        "code": "token_scheme_unsupported",
    }


@pytest.mark.parametrize("header", ["Bearer", "Bearer one two"])
def test_bearer_without_exactly_one_token_is_a_bad_header(api_client, header):
    body = unauthorized(api_client, header)
    assert body["code"] == "bad_authorization_header"
    assert body["error"] == "Unauthorized"


def test_no_header_is_not_authenticated(api_client):
    assert unauthorized(api_client, None) == {
        "error": "Unauthorized",
        "message": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_token_of_a_changed_password_says_so(api_client, user):
    token = AccessToken.for_user(user)
    user.set_password("a-new-password-123")
    user.save()
    assert unauthorized(api_client, f"Bearer {token}")["code"] == "password_changed"


def test_a_valid_token_still_works(auth_client):
    assert auth_client.get(ME).status_code == 200

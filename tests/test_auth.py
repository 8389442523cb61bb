"""Auth flows as a LibreChat client drives them: register, login, refresh, logout, expiry."""

from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from chatcore.auth import services
from chatcore.models import User
from tests.factories import DEFAULT_PASSWORD

REGISTER = "/api/auth/register"
LOGIN = "/api/auth/login"
REFRESH = "/api/auth/refresh"
LOGOUT = "/api/auth/logout"
ME = "/api/user"

pytestmark = pytest.mark.django_db


def login(client: APIClient, email: str = "alice@example.com", password: str = DEFAULT_PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password}, format="json")


def test_register_creates_user_and_returns_tokens(api_client):
    r = api_client.post(
        REGISTER,
        {"email": "New.Person@Example.com", "password": "a-long-passphrase-1", "name": "New"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert set(body) == {"token", "refreshToken", "user"}
    assert body["user"]["email"] == "new.person@example.com"
    assert body["user"]["name"] == "New"
    assert "password" not in body["user"]
    assert User.objects.filter(email="new.person@example.com").count() == 1
    assert r.cookies["refreshToken"]["httponly"]


def test_register_refuses_taken_email_case_insensitively(api_client, user):
    r = api_client.post(
        REGISTER, {"email": "ALICE@example.com", "password": "a-long-passphrase-1"}, format="json"
    )
    assert r.status_code == 409
    assert r.json() == {"error": services.EMAIL_TAKEN}
    assert User.objects.count() == 1


def test_register_refuses_common_password_with_field_errors(api_client):
    r = api_client.post(REGISTER, {"email": "x@example.com", "password": "password"}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "This password is too common."
    assert "password" in body["fields"]
    assert not User.objects.filter(email="x@example.com").exists()


def test_register_requires_email(api_client):
    r = api_client.post(REGISTER, {"password": "a-long-passphrase-1"}, format="json")
    assert r.status_code == 400
    assert r.json() == {
        "error": "email is required",
        "fields": {"email": ["This field is required."]},
    }


def test_login_returns_token_user_and_refresh_cookie(api_client, user):
    r = login(api_client)
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["user"]["id"] == str(user.pk) == body["user"]["_id"]
    assert body["user"]["email"] == "alice@example.com"
    assert r.cookies["refreshToken"].value == body["refreshToken"]
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.get(ME).json()["email"] == "alice@example.com"


def test_login_with_wrong_password_is_401(api_client, user):
    r = login(api_client, password="wrong")
    assert r.status_code == 401
    assert r.json() == {"error": services.INVALID_CREDENTIALS}


def test_login_of_inactive_user_is_401(api_client, user):
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert login(api_client).status_code == 401


def test_login_is_throttled_with_retry_after(api_client, user):
    statuses = [login(api_client, password="wrong").status_code for _ in range(8)]
    assert statuses[:7] == [401] * 7
    assert statuses[7] == 429
    r = login(api_client, password="wrong")
    assert r.status_code == 429
    assert r.json()["error"] == "Too many requests"
    assert int(r["Retry-After"]) > 0


def test_refresh_rotates_and_old_refresh_token_is_refused(api_client, user):
    first = login(api_client).json()["refreshToken"]
    r = api_client.post(REFRESH, {"refreshToken": first}, format="json")
    assert r.status_code == 200, r.json()
    second = r.json()["refreshToken"]
    assert second != first
    again = api_client.post(REFRESH, {"refreshToken": first}, format="json")
    assert again.status_code == 401
    assert again.json() == {"error": services.REFRESH_INVALID}
    assert api_client.post(REFRESH, {"refreshToken": second}, format="json").status_code == 200


def test_refresh_reads_the_cookie_like_a_browser(api_client, user):
    login(api_client)  # the client keeps the refreshToken cookie
    r = api_client.post(REFRESH, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["user"]["email"] == "alice@example.com"


def test_refresh_without_token_is_401(api_client):
    r = api_client.post(REFRESH, format="json")
    assert r.status_code == 401
    assert r.json() == {"error": services.REFRESH_MISSING}


def test_refresh_of_deleted_user_is_401_not_500(api_client, user):
    token = login(api_client).json()["refreshToken"]
    user.delete()
    r = api_client.post(REFRESH, {"refreshToken": token}, format="json")
    assert r.status_code == 401
    assert r.json() == {"error": services.REFRESH_INVALID}


def test_password_change_revokes_refresh_and_access_tokens(api_client, user):
    body = login(api_client).json()
    user.set_password("another-long-passphrase")
    user.save()
    assert (
        api_client.post(REFRESH, {"refreshToken": body["refreshToken"]}, format="json").status_code
        == 401
    )
    old = APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert old.get(ME).status_code == 401


def test_logout_blacklists_refresh_token_and_clears_cookie(api_client, user):
    token = login(api_client).json()["refreshToken"]
    r = api_client.post(LOGOUT, {"refreshToken": token}, format="json")
    assert r.status_code == 200
    assert r.json() == {"message": "Logout successful"}
    assert r.cookies["refreshToken"].value == ""
    refused = APIClient().post(REFRESH, {"refreshToken": token}, format="json")
    assert refused.status_code == 401
    assert refused.json() == {"error": services.REFRESH_INVALID}


def test_expired_access_token_is_401(api_client, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    r = api_client.get(ME)
    assert r.status_code == 401
    assert r.json()["error"] == "Unauthorized"


def test_refresh_token_is_not_accepted_as_access_token(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user)}")
    assert api_client.get(ME).status_code == 401


def test_garbage_token_is_401(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    r = api_client.get(ME)
    assert r.status_code == 401
    assert r.json()["error"] == "Unauthorized"


def test_session_auth_reads_and_enforces_csrf_on_unsafe_methods(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(reverse("chatcore:user-detail")).json()["email"] == "alice@example.com"
    r = client.post(ME, {}, format="json")
    assert r.status_code == 403
    assert r.json()["error"].startswith("CSRF Failed")

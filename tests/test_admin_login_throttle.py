"""The admin login is rate-limited like the API login: per IP and per account, one budget
(docs/api-behaviour.md#auth-rate-limits)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADMIN_LOGIN = "/admin/login/"
API_LOGIN = "/api/auth/login"
LOCKOUT = "Too many requests. Request was throttled. Expected available in"


@pytest.fixture(autouse=True)
def private_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "a"}
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


def admin_try(client: Client, password: str, email: str = "staff@example.com"):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"})


def test_wrong_passwords_are_refused_with_429_after_the_login_limit(staff):
    client = Client()
    statuses = [admin_try(client, f"wrong-{n}").status_code for n in range(9)]
    assert statuses == [200] * 7 + [429] * 2
    locked = admin_try(client, "password")  # the right one is not even checked now
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) >= 1
    assert LOCKOUT in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_limit_is_per_account_across_ips(staff):
    statuses = [admin_try(Client(REMOTE_ADDR=f"10.0.0.{n}"), "wrong").status_code for n in range(8)]
    assert statuses == [200] * 7 + [429]
    # another account from a fresh IP is not locked out
    assert admin_try(Client(REMOTE_ADDR="10.0.1.1"), "wrong", "else@example.com").status_code == 200


def test_the_limit_is_per_ip_across_accounts(staff):
    client = Client(REMOTE_ADDR="10.0.2.1")
    statuses = [admin_try(client, "wrong", f"u{n}@example.com").status_code for n in range(8)]
    assert statuses == [200] * 7 + [429]


def test_api_and_admin_logins_share_one_budget(staff):
    client = Client()
    for _ in range(4):
        body = {"email": "staff@example.com", "password": "wrong"}
        api = client.post(API_LOGIN, body, content_type="application/json")
        assert api.status_code == 401
    assert [admin_try(client, "wrong").status_code for _ in range(4)] == [200, 200, 200, 429]
    body = {"email": "STAFF@example.com", "password": "wrong"}
    refused = client.post(API_LOGIN, body, content_type="application/json")
    assert refused.status_code == 429
    assert refused.json()["error"] == "Too many requests"


def test_the_api_login_is_limited_per_account_across_ips(staff):
    statuses = [
        Client(REMOTE_ADDR=f"10.0.3.{n}")
        .post(API_LOGIN, {"email": "staff@example.com", "password": "wrong"}, "application/json")
        .status_code
        for n in range(8)
    ]
    assert statuses == [401] * 7 + [429]


def test_admin_login_page_and_a_right_password_still_work(staff):
    staff.set_password("right-password-123")
    staff.save()
    client = Client()
    assert client.get(ADMIN_LOGIN).status_code == 200
    response = admin_try(client, "right-password-123")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"

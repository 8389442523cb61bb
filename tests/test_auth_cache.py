"""Bearer authentication from the shared cache: no user SELECT per request, and a password
change, deactivation or deletion still refuses the next request (docs/api-behaviour.md#auth).

The suite's cache is the database cache, for which the cached path is off (a cache read would
be the same round trip); these tests switch it on over a local-memory cache, which stands in
for Redis within this one process."""

from __future__ import annotations

import uuid

import pytest

from chatcore.auth.authentication import CACHE_KEY, CachedJWTAuthentication, auth_user_cache
from chatcore.models import User
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

LIST = "/api/convos?limit=5"


@pytest.fixture
def shared_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"auth-{uuid.uuid4()}",
        },
    }
    settings.AUTH_USER_CACHE = "on"
    return auth_user_cache()


def test_auto_mode_keeps_no_rows_in_the_database_or_a_per_process_cache(settings):
    assert settings.AUTH_USER_CACHE == "auto"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "chatcore_cache",
        }
    }
    assert auth_user_cache() is None
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    assert auth_user_cache() is None
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379",
        }
    }
    assert auth_user_cache() is not None


def test_second_request_authenticates_without_a_query(
    shared_cache, user, django_assert_num_queries
):
    client = bearer_client(user)
    with django_assert_num_queries(2):  # the user row, then the page
        assert client.get(LIST).status_code == 200
    with django_assert_num_queries(1):  # the page only
        r = client.get(LIST)
    assert r.status_code == 200, r.json()
    assert r.json()["conversations"] == []


def test_cached_user_reads_like_the_stored_one(shared_cache, user):
    client = bearer_client(user)
    fresh = client.get("/api/user").json()
    cached = client.get("/api/user").json()
    assert cached == fresh
    assert cached["email"] == "alice@example.com" and cached["name"] == "Alice"


def test_password_change_refuses_the_next_request(shared_cache, user):
    client = bearer_client(user)
    assert client.get(LIST).status_code == 200
    user.set_password("a new long passphrase 42")
    user.save()
    r = client.get(LIST)
    assert r.status_code == 401, r.json()
    assert bearer_client(user).get(LIST).status_code == 200


def test_deactivation_and_deletion_refuse_the_next_request(shared_cache, user, other_user):
    client = bearer_client(user)
    assert client.get(LIST).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(LIST).status_code == 401
    other = bearer_client(other_user)
    assert other.get(LIST).status_code == 200
    other_user.delete()
    assert other.get(LIST).status_code == 401


def test_saving_a_cached_user_keeps_the_password(shared_cache, user):
    user.set_password("the real passphrase 42")
    user.save()
    client = bearer_client(user)
    client.get(LIST)
    assert shared_cache.get(CACHE_KEY.format(user_id=user.pk)) is not None
    token = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    authentication = CachedJWTAuthentication()
    cached = authentication.get_user(authentication.get_validated_token(token))
    assert "password" in cached.get_deferred_fields()
    cached.name = "Renamed"
    cached.save()
    stored = User.objects.get(pk=user.pk)
    assert stored.name == "Renamed"
    assert stored.check_password("the real passphrase 42")

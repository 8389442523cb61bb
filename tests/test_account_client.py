"""Account self-service through LibreChat's own client: ``deleteUser`` (with the password in
its payload), ``requestPasswordReset`` and ``resetPassword``."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from chatcore.models import User
from convos_app.models import Conversation
from tests.factories import DEFAULT_PASSWORD, ConversationFactory
from tests.librechat_client import access_token, run_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Rate-limit counters in a per-test local-memory cache: a committed counter in the shared
    cache table would outlive the test (and spend a later run's budget)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "account-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def test_the_real_client_deletes_the_account(live_server, user):
    ConversationFactory(user=user)
    result = run_client(
        live_server.url,
        f"return await dataService.deleteUser({{ password: {DEFAULT_PASSWORD!r} }});",
        token=access_token(user),
    )
    assert result.ok, result
    assert result.value["message"] == "Account deleted"
    assert result.value["deleted"]["conversations"] == 1
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Conversation.objects.exists()


def test_the_real_client_resets_a_password(live_server, user):
    asked = run_client(
        live_server.url,
        "return await dataService.requestPasswordReset({ email: 'alice@example.com' });",
    )
    assert asked.ok, asked
    assert "link" not in asked.value
    (message,) = mail.outbox
    token, user_id = re.search(r"token=([^&\s]+)&userId=(\d+)", message.body).groups()
    done = run_client(
        live_server.url,
        "return await dataService.resetPassword({"
        f" userId: {user_id!r}, token: {token!r},"
        " password: 'a brand new passphrase', confirm_password: 'a brand new passphrase' });",
    )
    assert done.ok, done
    assert done.value == {"message": "Password reset was successful"}
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")

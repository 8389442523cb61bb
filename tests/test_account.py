"""Account self-service: delete the account with its data (password again), and reset a
forgotten password by email (docs/api-behaviour.md#account-deletion,
docs/api-behaviour.md#password-reset)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from chatcore.audit import StaffAccess, staff_access_record
from chatcore.auth import account, reset
from chatcore.auth.passwords import user_password_set
from chatcore.models import User
from chatcore.search.models import SearchDocument
from convos_app.models import Conversation
from messages_app.models import ContentPart, Feedback, Message
from tags_app.models import Tag, TaggedConversation
from tests.conftest import bearer_client
from tests.factories import (
    DEFAULT_PASSWORD,
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    UserFactory,
    message_chain,
)

pytestmark = pytest.mark.django_db


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


ME = "/api/user"
REQUEST = "/api/auth/requestPasswordReset"
RESET = "/api/auth/resetPassword"
LOGIN = "/api/auth/login"
REFRESH = "/api/auth/refresh"


def fill(owner, conversations: int = 2, messages: int = 3) -> None:
    for n in range(conversations):
        convo = ConversationFactory(user=owner, tags=["work", f"t{n}"])
        chain = message_chain(convo, messages)
        ContentPartFactory(message=chain[0], index=0, type="text", text="hello")
        FeedbackFactory(message=chain[1], rating="thumbsUp")


def counts_of(owner) -> dict[str, int]:
    return {
        "conversations": Conversation.objects.filter(user=owner).count(),
        "messages": Message.objects.filter(user=owner).count(),
        "parts": ContentPart.objects.filter(user=owner).count(),
        "feedback": Feedback.objects.filter(user=owner).count(),
        "tags": Tag.objects.filter(user=owner).count(),
        "links": TaggedConversation.objects.filter(conversation__user=owner).count(),
        "documents": SearchDocument.objects.filter(user=owner).count(),
    }


# --- deletion ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [ME, "/api/user/delete"])
def test_delete_account_removes_everything_and_counts_it(user, other_user, path):
    fill(user)
    fill(other_user, conversations=1)
    others_before = counts_of(other_user)
    client = bearer_client(user)
    login = APIClient().post(
        LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    refresh = login.json()["refreshToken"]

    r = client.delete(path, {"password": DEFAULT_PASSWORD}, format="json")

    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["message"] == account.ACCOUNT_DELETED
    deleted = body["deleted"]
    assert deleted["conversations"] == 2
    assert deleted["messages"] == 6
    assert deleted["contentParts"] == 2
    assert deleted["tags"] == 3
    assert deleted["refreshTokens"] >= 1
    assert not User.objects.filter(pk=user.pk).exists()
    assert set(counts_of(user).values()) == {0}
    assert counts_of(other_user) == others_before
    assert not OutstandingToken.objects.filter(user_id=user.pk).exists()
    # The old tokens are dead: the access token and the refresh token.
    assert client.get(ME).status_code == 401
    assert APIClient().post(REFRESH, {"refreshToken": refresh}, format="json").status_code == 401


def test_delete_account_runs_a_bounded_number_of_statements(user, django_assert_max_num_queries):
    fill(user, conversations=5, messages=10)
    client = bearer_client(user)
    with django_assert_max_num_queries(60):
        r = client.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["deleted"]["messages"] == 50


def test_delete_account_with_a_wrong_or_missing_password_changes_nothing(user):
    fill(user, conversations=1)
    before = counts_of(user)
    client = bearer_client(user)
    wrong = client.delete(ME, {"password": "not my password"}, format="json")
    assert wrong.status_code == 403
    assert wrong.json() == {"error": account.PASSWORD_INCORRECT}
    missing = client.delete(ME, {}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"] == "password is required"
    assert counts_of(user) == before
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_account_needs_a_signed_in_user(user):
    r = APIClient().delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
    assert r.status_code == 401
    assert User.objects.filter(pk=user.pk).exists()


def test_staff_access_log_outlives_the_deleted_account(user):
    staff = UserFactory(email="staff@example.com", is_staff=True)
    convo = ConversationFactory(user=user, title="Read by staff")
    staff_access_record(
        staff=staff, owner=user, object_type="conversation", object_id="c1", label=convo.title
    )
    r = bearer_client(user).delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
    assert r.status_code == 200, r.json()
    (entry,) = StaffAccess.objects.all()
    assert entry.owner_id is None and entry.owner_email == "alice@example.com"
    assert entry.staff_id == staff.pk


# --- password reset ---------------------------------------------------------------------------
def mailed_link() -> tuple[str, str]:
    (message,) = mail.outbox
    match = re.search(r"token=([^&\s]+)&userId=(\d+)", message.body)
    assert match, message.body
    return match.group(2), match.group(1)


def test_reset_request_answers_the_same_whether_or_not_the_email_exists(api_client, user):
    known = api_client.post(REQUEST, {"email": "ALICE@example.com"}, format="json")
    unknown = api_client.post(REQUEST, {"email": "nobody@example.com"}, format="json")
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == {"message": reset.RESET_REQUESTED}
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == reset.RESET_SUBJECT
    assert "http://testserver/reset-password?token=" in message.body


def test_reset_request_refuses_a_malformed_email(api_client):
    r = api_client.post(REQUEST, {"email": "not an email"}, format="json")
    assert r.status_code == 400
    assert r.json()["error"] == "email: Enter a valid email address"
    assert mail.outbox == []


def test_reset_sets_the_password_and_revokes_every_refresh_token(api_client, user):
    first = (
        APIClient()
        .post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
        .json()
    )
    second = (
        APIClient()
        .post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
        .json()
    )
    api_client.post(REQUEST, {"email": user.email}, format="json")
    user_id, token = mailed_link()

    r = api_client.post(
        RESET,
        {"userId": user_id, "token": token, "password": "a brand new passphrase"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json() == {"message": reset.RESET_DONE}
    for pair in (first, second):
        again = APIClient().post(REFRESH, {"refreshToken": pair["refreshToken"]}, format="json")
        assert again.status_code == 401
        stale = APIClient()
        stale.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['token']}")
        assert stale.get(ME).status_code == 401
    assert OutstandingToken.objects.filter(user=user).count() == BlacklistedToken.objects.count()
    old = APIClient().post(
        LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert old.status_code == 401
    new = APIClient().post(
        LOGIN, {"email": user.email, "password": "a brand new passphrase"}, format="json"
    )
    assert new.status_code == 200
    # The link works once.
    reused = api_client.post(
        RESET,
        {"userId": user_id, "token": token, "password": "yet another passphrase"},
        format="json",
    )
    assert reused.status_code == 400
    assert reused.json() == {"error": reset.RESET_TOKEN_INVALID}


@pytest.mark.parametrize(
    "body",
    [
        {"userId": "999999", "token": "x"},
        {"userId": "abc", "token": "x"},
        {"userId": "USER", "token": "bad-token"},
    ],
)
def test_reset_with_a_wrong_user_or_token_is_one_400(api_client, user, body):
    if body["userId"] == "USER":
        body = {**body, "userId": str(user.pk)}
    r = api_client.post(RESET, {**body, "password": "a brand new passphrase"}, format="json")
    assert r.status_code == 400
    assert r.json() == {"error": reset.RESET_TOKEN_INVALID}
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_reset_refuses_a_weak_or_mismatched_password_and_keeps_the_old_one(api_client, user):
    token = default_token_generator.make_token(user)
    weak = api_client.post(
        RESET, {"userId": str(user.pk), "token": token, "password": "password"}, format="json"
    )
    assert weak.status_code == 400
    assert weak.json()["error"] == "This password is too common."
    mismatch = api_client.post(
        RESET,
        {
            "userId": str(user.pk),
            "token": token,
            "password": "a brand new passphrase",
            "confirm_password": "something else",
        },
        format="json",
    )
    assert mismatch.status_code == 400
    assert mismatch.json()["fields"] == {"confirm_password": ["Passwords do not match."]}
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_set_is_the_one_function_revoking_refresh_tokens(user):
    for _ in range(2):
        APIClient().post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert user_password_set(user=user, password="a brand new passphrase") == 2
    assert user_password_set(user=user, password="another new passphrase") == 0


def test_reset_requests_are_throttled_per_client(api_client, settings):
    settings.PASSWORD_RESET_RATES = {"request": (2, 3600), "reset": (10, 3600)}
    for _ in range(2):
        assert (
            api_client.post(REQUEST, {"email": "a@example.com"}, format="json").status_code == 200
        )
    r = api_client.post(REQUEST, {"email": "a@example.com"}, format="json")
    assert r.status_code == 429
    assert "Retry-After" in r

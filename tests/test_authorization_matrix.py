"""Every API route x method, generated from the URLconf (tests/routes.py), so a route added in
any app is covered without anyone listing it (docs/api-behaviour.md#authorization-matrix):

- **another user (B) with A's ids** (in the path, the query and the body) answers exactly what
  an id nobody has answers — same status, same error body — and nothing of A leaks into it;
- **anonymous** answers 401 (routes open to anyone — AllowAny — answer no 5xx);
- **A's rows are unchanged** afterwards: every row of every model with a ``user`` owner, and
  A's user row.

The one documented exception: posting into another user's chat is 403
(docs/api-behaviour.md#ownership). Params the matrix has no owned value for get a fresh id, so a
new route's ownership is still checked against "missing".
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import models
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from chatcore.models import User
from tags_app.services import tag_links_add_new
from tests.conftest import bearer_client
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    UserFactory,
    message_chain,
)
from tests.routes import Route, api_routes

pytestmark = pytest.mark.django_db

SECRET_TITLE = "A-secret-title-5f1c"
SECRET_TEXT = "A-secret-text-9b2e"
# (method, route template) -> status B gets with A's ids, where it is not "same as missing".
DOCUMENTED_EXCEPTIONS = {
    ("POST", "api/chats/<str:chat_id>/messages"): 403,
    ("POST", "api/chats/<str:chat_id>/messages/stream"): 403,
}
# Bodies a route needs to get past validation to its ownership check (the chats API's
# ``content`` is a string and ``userId`` must be the caller's).
CHAT_POST = {"content": "B was here", "modelId": "echo"}
BODY_OVERRIDES = {
    "api/chats/<str:chat_id>/messages": CHAT_POST,
    "api/chats/<str:chat_id>/messages/stream": CHAT_POST,
}
ROUTES = api_routes()
CASES = [(route, method) for route in ROUTES for method in route.methods]


def case_id(case) -> str:
    route, method = case
    return f"{method} /{route.template}"


@pytest.fixture
def owner_a(db):
    a = UserFactory(email="a-owner@example.com")
    conversation = ConversationFactory(user=a, title=SECRET_TITLE)
    ConversationFactory(user=a, title=SECRET_TITLE + "-2")
    messages = message_chain(conversation, 3, text=SECRET_TEXT)
    ContentPartFactory(message=messages[0], text=SECRET_TEXT, index=0)
    FeedbackFactory(message=messages[1])
    tag_links_add_new(user=a, names_by_conversation={conversation.pk: ["a-tag"]})
    return {
        "user": a,
        "conversation_id": conversation.conversation_id,
        "chat_id": conversation.conversation_id,
        "message_id": messages[1].message_id,
        "tag": "a-tag",
    }


def missing_ids() -> dict[str, str]:
    fresh = str(uuid.uuid4())
    return {"conversation_id": fresh, "chat_id": fresh, "message_id": str(uuid.uuid4()),
            "tag": "no-such-tag"}  # fmt: skip


def snapshot(user: User) -> dict[str, list[dict]]:
    """Every row ``user`` owns, in every app (models added later included)."""
    rows: dict[str, list[dict]] = {"user": list(User.objects.filter(pk=user.pk).values())}
    for model in apps.get_models():
        field = next((f for f in model._meta.fields if f.name == "user"), None)
        if isinstance(field, models.ForeignKey) and field.related_model is User:
            rows[model._meta.label] = list(model.objects.filter(user=user).order_by("pk").values())
    return rows


def request_for(
    route: Route, method: str, ids: dict[str, str], caller: User | None = None
) -> tuple[str, dict]:
    values = {name: ids.get(name, str(uuid.uuid4())) for name in route.params}
    query = urlencode(
        {"conversationId": ids["conversation_id"], "messageId": ids["message_id"],
         "tag": ids["tag"]}
    )  # fmt: skip
    body = {
        "conversationId": ids["conversation_id"],
        "messageId": ids["message_id"],
        "parentMessageId": ids["message_id"],
        "latestMessageId": ids["message_id"],
        "arg": {"conversationId": ids["conversation_id"], "title": "renamed", "isArchived": True},
        "conversationIds": [ids["conversation_id"]],
        "title": "renamed",
        "text": "B was here",
        "content": [{"type": "text", "text": "B was here"}],
        "index": 0,
        "tag": ids["tag"],
        "tags": [ids["tag"]],
        "description": "B",
        "position": 1,
        "rating": "thumbsUp",
        "feedback": {"rating": "thumbsUp"},
        "option": "directPath",
        "modelId": "echo",
        "sender": "User",
        "isCreatedByUser": True,
    }
    if route.template in BODY_OVERRIDES and method == "POST":
        body = {**BODY_OVERRIDES[route.template], "userId": str(caller.pk) if caller else ""}
    return f"{route.path(**values)}?{query}", body


def send(client: APIClient, method: str, path: str, body: dict):
    response = getattr(client, method.lower())(path, data=body, format="json")
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return response.status_code, content


def normalised(content: bytes, ids: dict[str, str]) -> bytes:
    for value in ids.values():
        content = content.replace(value.encode(), b"<id>")
    return content


def is_public(route: Route) -> bool:
    permissions = getattr(route.callback.cls, "permission_classes", [])
    return any(p is AllowAny for p in permissions)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_another_users_ids_answer_like_missing_ones(case, owner_a):
    route, method = case
    a = owner_a.pop("user")
    before = snapshot(a)
    b = UserFactory(email="b-intruder@example.com")
    b_client = bearer_client(b)

    path, body = request_for(route, method, owner_a, b)
    status, content = send(b_client, method, path, body)
    assert status < 500, content[:300]
    assert SECRET_TITLE.encode() not in content and SECRET_TEXT.encode() not in content
    assert snapshot(a) == before

    expected = DOCUMENTED_EXCEPTIONS.get((method, route.template))
    if expected is not None:
        assert status == expected, content[:300]
        return
    missing = missing_ids()
    missing_path, missing_body = request_for(route, method, missing, b)
    missing_status, missing_content = send(b_client, method, missing_path, missing_body)
    assert status == missing_status, (content[:300], missing_content[:300])
    if status >= 400:
        assert normalised(content, owner_a) == normalised(missing_content, missing)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_anonymous_callers_get_401_and_change_nothing(case, owner_a):
    route, method = case
    a = owner_a.pop("user")
    before = snapshot(a)
    path, body = request_for(route, method, owner_a)
    status, content = send(APIClient(), method, path, body)
    if is_public(route):
        assert status < 500, content[:300]
    else:
        assert status == 401, content[:300]
        assert json.loads(content)["error"] == "Unauthorized"
    assert SECRET_TITLE.encode() not in content and SECRET_TEXT.encode() not in content
    assert snapshot(a) == before


def test_the_matrix_covers_every_api_route():
    templates = {route.template for route in ROUTES}
    assert {"api/convos/<str:conversation_id>", "api/tags/<path:tag>", "api/chats"} <= templates
    assert len(CASES) >= 40

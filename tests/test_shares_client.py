"""Shared links against a live server: LibreChat's own client library drives every share call
unchanged (tests/librechat_client.py), and parallel creates from real threads resolve to one
link (docs/api-behaviour.md#shared-links)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from chatcore.models import NO_PARENT
from convos_app.models import Conversation, SharedLink, SharedMessage
from tests.factories import ConversationFactory, MessageFactory, UserFactory
from tests.librechat_client import access_token, run_client

pytestmark = pytest.mark.django_db(transaction=True)


def tree(user):
    """root → answer → {left, right}."""
    convo = ConversationFactory(user=user, title="Shared through the client")
    start = timezone.now() - timedelta(minutes=5)
    root = MessageFactory(conversation=convo, text="root", created_at=start)
    answer = MessageFactory(
        conversation=convo,
        parent_message_id=root.message_id,
        is_created_by_user=False,
        text="answer",
        created_at=start + timedelta(seconds=1),
    )
    left = MessageFactory(
        conversation=convo,
        parent_message_id=answer.message_id,
        text="left",
        created_at=start + timedelta(seconds=2),
    )
    MessageFactory(
        conversation=convo,
        parent_message_id=answer.message_id,
        text="right",
        created_at=start + timedelta(seconds=3),
    )
    return convo, left


@override_settings(CONVERSATION_FORK_RATES={"user": (100, 60), "ip": (100, 60)})
def test_every_share_call_of_the_real_client_works(live_server, user):
    convo, left = tree(user)
    reader = UserFactory()
    cid, target = convo.conversation_id, left.message_id

    owner_steps = run_client(
        live_server.url,
        f"""
        const before = await dataService.getSharedLink("{cid}");
        const created = await dataService.createSharedLink("{cid}", "{target}");
        const status = await dataService.getSharedLink("{cid}");
        const list = await dataService.listSharedLinks(
          {{ pageSize: 10, sortBy: "createdAt", sortDirection: "desc" }});
        const updated = await dataService.updateSharedLink(created.shareId);
        return {{ before, created, status, list, updated }};
        """,
        token=access_token(user),
    )

    assert owner_steps.ok, owner_steps
    steps = owner_steps.value
    share_id = steps["created"]["shareId"]
    assert steps["before"] == {
        "shareId": None,
        "conversationId": cid,
        "targetMessageId": None,
        "success": False,
    }
    assert steps["created"] == {
        "shareId": share_id,
        "conversationId": cid,
        "targetMessageId": target,
    }
    assert steps["status"] == {**steps["created"], "success": True}
    assert [link["shareId"] for link in steps["list"]["links"]] == [share_id]
    assert steps["list"]["hasNextPage"] is False and steps["list"]["nextCursor"] is None
    assert steps["list"]["links"][0]["title"] == "Shared through the client"
    assert steps["updated"] == steps["created"]

    reader_steps = run_client(
        live_server.url,
        f"""
        const shared = await dataService.getSharedMessages("{share_id}");
        const fork = await dataService.forkSharedConversation(
          "{share_id}", 1, shared.updatedAt);
        return {{ shared, fork }};
        """,
        token=access_token(reader),
    )

    assert reader_steps.ok, reader_steps
    shared, fork = reader_steps.value["shared"], reader_steps.value["fork"]
    assert [m["text"] for m in shared["messages"]] == ["root", "answer", "left"]
    assert shared["shareId"] == share_id and shared["title"] == "Shared through the client"
    assert [m["text"] for m in fork["messages"]] == ["root", "answer"]
    assert fork["messages"][0]["parentMessageId"] == NO_PARENT
    copy = Conversation.objects.get(conversation_id=fork["conversation"]["conversationId"])
    assert copy.user_id == reader.pk

    revoke = run_client(
        live_server.url,
        f"""
        const deleted = await dataService.deleteSharedLink("{share_id}");
        let after = null;
        try {{ await dataService.getSharedMessages("{share_id}"); }}
        catch (error) {{ after = [error.response.status, error.response.data]; }}
        return {{ deleted, after }};
        """,
        token=access_token(user),
    )

    assert revoke.ok, revoke
    assert revoke.value["deleted"] == {
        "success": True,
        "shareId": share_id,
        "message": "Share deleted successfully",
    }
    assert revoke.value["after"] == [404, {"error": "Shared link not found"}]


@override_settings(CONVERSATION_FORK_RATES={"user": (100, 60), "ip": (100, 60)})
def test_the_client_sees_a_409_for_a_fork_of_a_republished_share(live_server, user):
    convo, _ = tree(user)
    result = run_client(
        live_server.url,
        f"""
        const created = await dataService.createSharedLink("{convo.conversation_id}");
        const shared = await dataService.getSharedMessages(created.shareId);
        await new Promise((done) => setTimeout(done, 5));
        await dataService.updateSharedLink(created.shareId);
        return await dataService.forkSharedConversation(created.shareId, 0, shared.updatedAt);
        """,
        token=access_token(user),
    )

    assert not result.ok
    assert result.status == 409
    assert result.data == {
        "error": "The shared conversation was updated since it was loaded; reload it and retry"
    }
    assert Conversation.objects.count() == 1


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("target", [False, True])
def test_parallel_creates_resolve_to_one_link(live_server, user, target):
    convo, left = tree(user)
    token = access_token(user)
    body = {"targetMessageId": left.message_id} if target else {}
    url = f"{live_server.url}/api/share/{convo.conversation_id}"
    workers = 8
    barrier = threading.Barrier(workers)

    def create(_: int) -> tuple[int, dict]:
        barrier.wait()
        return _post(url, token, body)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        answers = list(pool.map(create, range(workers)))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (workers - 1) + [201], answers
    assert len({json.dumps(answer, sort_keys=True) for _, answer in answers}) == 1
    assert SharedLink.objects.filter(conversation=convo).count() == 1
    expected = 3 if target else 4
    assert SharedMessage.objects.filter(link__conversation=convo).count() == expected

"""LibreChat's own client library against a live chatcore: the calls it makes for existing
routes work unchanged (tests/librechat_client.py drives it from Node)."""

from __future__ import annotations

import pytest

from tests.factories import ConversationFactory
from tests.librechat_client import access_token, run_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_list_conversations_through_the_real_client(live_server, user, other_user):
    mine = ConversationFactory(user=user, title="Mine")
    ConversationFactory(user=other_user, title="Not mine")

    result = run_client(
        live_server.url,
        "const page = await dataService.listConversations({ limit: 5 });"
        " return page.conversations.map((c) => [c.conversationId, c.title]);",
        token=access_token(user),
    )

    assert result.ok, result
    assert result.value == [[str(mine.conversation_id), "Mine"]]


def test_the_client_sees_a_401_without_a_token(live_server, user):
    result = run_client(live_server.url, "return await dataService.listConversations({});")

    assert not result.ok
    assert result.status == 401

"""LibreChat's own client library against a live chatcore, on temporary chats
(docs/api-behaviour.md#temporary-chats): the list never shows one, but it reads by id and its
messages list until it expires; from then on the client gets the one 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from convos_app.models import Conversation
from tests.factories import ConversationFactory, message_chain
from tests.librechat_client import access_token, run_client

pytestmark = pytest.mark.django_db(transaction=True)

READ = (
    "const page = await dataService.listConversations({ limit: 25 });"
    " const convo = await dataService.getConversationById(ID);"
    " const messages = await dataService.getMessagesByConvoId(ID);"
    " return [page.conversations.map((c) => c.conversationId), convo.isTemporary,"
    " messages.length];"
)


def test_the_client_reads_a_temporary_chat_by_id_but_never_lists_it(live_server, user):
    kept = ConversationFactory(user=user, title="Kept")
    temporary = ConversationFactory(
        user=user, is_temporary=True, expired_at=timezone.now() + timedelta(hours=1)
    )
    message_chain(temporary, 2)
    token = access_token(user)
    script = READ.replace("ID", repr(temporary.conversation_id))

    result = run_client(live_server.url, script, token=token)
    assert result.ok, result
    assert result.value == [[kept.conversation_id], True, 2]

    Conversation.objects.filter(pk=temporary.pk).update(
        expired_at=timezone.now() - timedelta(seconds=1)
    )
    gone = run_client(live_server.url, script, token=token)
    assert not gone.ok
    assert gone.status == 404

"""The first assistant reply saved through POST /api/messages titles a "New Chat" conversation."""

import uuid

import pytest

from convos_app.models import Conversation

pytestmark = pytest.mark.django_db


def post(client, convo_id, **body):
    return client.post(f"/api/messages/{convo_id}", body, format="json")


@pytest.fixture
def synchronous_titles(settings):
    settings.CONVERSATION_TITLE_BACKGROUND = False


def test_first_reply_titles_a_new_chat(
    auth_client, user, synchronous_titles, django_capture_on_commit_callbacks
):
    convo_id = str(uuid.uuid4())
    question_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        post(
            auth_client,
            convo_id,
            messageId=question_id,
            text="How do I bake sourdough bread at home?",
            sender="User",
            isCreatedByUser=True,
        )
    assert Conversation.objects.get(conversation_id=convo_id).title == "New Chat"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = post(
            auth_client,
            convo_id,
            messageId=str(uuid.uuid4()),
            parentMessageId=question_id,
            text="Start with a lively starter.",
            sender="Assistant",
            isCreatedByUser=False,
        )
    assert r.status_code == 201, r.json()
    assert len(callbacks) == 1
    title = Conversation.objects.get(conversation_id=convo_id).title
    assert title != "New Chat"
    assert "sourdough" in title.lower()
    assert auth_client.get(f"/api/convos/gen_title/{convo_id}").json() == {"title": title}


def test_later_replies_and_renamed_conversations_are_not_retitled(
    auth_client, user, synchronous_titles, django_capture_on_commit_callbacks
):
    convo_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        post(
            auth_client, convo_id, text="Plan a trip to Kyoto", sender="User", isCreatedByUser=True
        )
    Conversation.objects.filter(conversation_id=convo_id).update(title="My own title")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post(auth_client, convo_id, text="Sure.", sender="Assistant", isCreatedByUser=False)
        post(auth_client, convo_id, text="Again.", sender="Assistant", isCreatedByUser=False)
    assert callbacks == []
    assert Conversation.objects.get(conversation_id=convo_id).title == "My own title"

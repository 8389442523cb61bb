"""Memories in the reply context (docs/api-behaviour.md#memories-in-replies), checked on the
prompts the real ``openai``/``anthropic`` SDKs send to a local server (``tests.fake_providers``):
present when the user's switch is on, absent when off; only the user's own, within the window,
counted with the model's tokenizer; the reply's ``memoryId`` names the newest one used."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from chatcore.tokens import count_tokens
from convos_app.services.chat_context import MEMORY_HEADER
from messages_app.models import Memory, MemoryPreference, Message
from messages_app.selectors.memories import memories_for_context
from tests import fake_providers
from tests.factories import ConversationFactory, MemoryFactory

pytestmark = pytest.mark.django_db
fake_llm = fake_providers.fake_llm
ai_settings = fake_providers.ai_settings


def post(client, chat, user, content="Where should I eat tonight?", model="gpt-4o", stream=False):
    body = {"content": content, "modelId": model, "userId": str(user.pk)}
    suffix = "/stream" if stream else ""
    return client.post(f"/api/chats/{chat.conversation_id}/messages{suffix}", body, format="json")


@pytest.fixture
def saved(user, other_user):
    """Two memories of the user (``city`` the newest change) and one of someone else."""
    now = timezone.now()
    older = MemoryFactory(user=user, key="diet", value="Vegetarian")
    newer = MemoryFactory(user=user, key="city", value="Lives in Lisbon")
    Memory.objects.filter(pk=older.pk).update(updated_at=now.replace(year=2020))
    MemoryFactory(user=other_user, key="secret", value="Mallory's secret")
    return newer, older


BLOCK = f"{MEMORY_HEADER}\n- city: Lives in Lisbon\n- diet: Vegetarian"


def test_memories_are_in_the_system_prompt_when_the_switch_is_on(
    auth_client, user, saved, fake_llm, ai_settings
):
    newer, _older = saved
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user)
    assert r.status_code == 201, r.json()
    assert fake_llm.requests[-1]["body"]["messages"] == [
        {"role": "system", "content": BLOCK},
        {"role": "user", "content": "Where should I eat tonight?"},
    ]
    response = r.json()["data"]["response"]
    assert response["memoryId"] == newer.memory_id
    assert r.json()["data"]["memoryId"] is None  # the user's own message used nothing
    shown = auth_client.get(f"/api/messages/{response['id']}").json()
    assert shown["memoryId"] == newer.memory_id


def test_memories_follow_the_conversations_own_system_prompt(
    auth_client, user, saved, fake_llm, ai_settings
):
    chat = ConversationFactory(user=user, settings={"promptPrefix": "Be brief."})
    post(auth_client, chat, user)
    assert fake_llm.requests[-1]["body"]["messages"][0] == {
        "role": "system",
        "content": f"Be brief.\n\n{BLOCK}",
    }


def test_memories_are_absent_when_the_switch_is_off(
    auth_client, user, saved, fake_llm, ai_settings
):
    r = auth_client.patch("/api/memories/preferences", {"memories": False}, format="json")
    assert r.status_code == 200, r.json()
    chat = ConversationFactory(user=user, settings={"promptPrefix": "Be brief."})
    r = post(auth_client, chat, user)
    assert r.status_code == 201, r.json()
    assert fake_llm.requests[-1]["body"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Where should I eat tonight?"},
    ]
    assert r.json()["data"]["response"]["memoryId"] is None


def test_without_memories_the_prompt_is_unchanged(auth_client, user, fake_llm, ai_settings):
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user)
    assert fake_llm.requests[-1]["body"]["messages"] == [
        {"role": "user", "content": "Where should I eat tonight?"}
    ]
    assert r.json()["data"]["response"]["memoryId"] is None


def test_another_users_memories_never_reach_the_prompt(
    auth_client, other_client, user, other_user, saved, fake_llm, ai_settings
):
    chat = ConversationFactory(user=other_user)
    r = post(other_client, chat, other_user)
    assert r.status_code == 201, r.json()
    assert fake_llm.requests[-1]["body"]["messages"][0] == {
        "role": "system",
        "content": f"{MEMORY_HEADER}\n- secret: Mallory's secret",
    }
    assert "Lisbon" not in json.dumps(fake_llm.requests[-1]["body"])


def test_an_agents_partition_is_used_only_in_that_agents_conversations(
    auth_client, user, fake_llm, ai_settings
):
    MemoryFactory(user=user, key="tone", value="Formal", agent_id="agent_1")
    plain = ConversationFactory(user=user)
    post(auth_client, plain, user)
    assert fake_llm.requests[-1]["body"]["messages"][0]["role"] == "user"
    agents = ConversationFactory(user=user, agent_id="agent_1")
    post(auth_client, agents, user)
    assert fake_llm.requests[-1]["body"]["messages"][0] == {
        "role": "system",
        "content": f"{MEMORY_HEADER}\n- tone: Formal",
    }


def test_anthropic_gets_the_memories_in_its_system_field(
    auth_client, user, saved, fake_llm, ai_settings
):
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user, model="claude-haiku-4-5")
    assert r.status_code == 201, r.json()
    assert fake_llm.requests[-1]["body"]["system"] == BLOCK


def test_the_stream_uses_the_memories_too(auth_client, user, saved, fake_llm, ai_settings):
    newer, _older = saved
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user, stream=True)
    assert r.status_code == 200
    frames = b"".join(r.streaming_content).decode()
    assert "event: end" in frames
    assert fake_llm.requests[-1]["body"]["messages"][0] == {"role": "system", "content": BLOCK}
    reply = Message.objects.get(conversation=chat, is_created_by_user=False)
    assert reply.memory_id == newer.memory_id


def test_memories_take_at_most_their_share_of_the_window_counted_by_the_models_tokenizer(
    auth_client, user, fake_llm, ai_settings
):
    # llama-small: 200-token window - 50 reserved - 3 primer = 147; "hi" takes 1 + 4, so the
    # memories may take 25% of the remaining 142 tokens: 35.
    fake_llm.usage = None
    now = timezone.now()
    big = MemoryFactory(user=user, key="long", value="word " * 60)  # newest, does not fit
    small = MemoryFactory(user=user, key="pet", value="Has a cat")
    Memory.objects.filter(pk=small.pk).update(updated_at=now.replace(year=2020))
    Memory.objects.filter(pk=big.pk).update(updated_at=now)
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user, content="hi", model="llama-small")
    assert r.status_code == 201, r.json()
    system = f"{MEMORY_HEADER}\n- pet: Has a cat"
    assert fake_llm.requests[-1]["body"]["messages"] == [
        {"role": "system", "content": system},
        {"role": "user", "content": "hi"},
    ]
    assert count_tokens(system, model="llama3.2:1b") <= 35
    reply = Message.objects.get(message_id=r.json()["data"]["response"]["id"])
    assert reply.memory_id == small.memory_id
    # The estimate of the prompt's size counts the memories with the same tokenizer.
    expected = count_tokens(system, model="llama3.2:1b") + 4 + 1 + 4 + 3
    assert reply.metadata["usage"]["inputTokens"] == expected


def test_memories_never_make_a_message_too_long(auth_client, user, fake_llm, ai_settings):
    MemoryFactory(user=user, key="long", value="word " * 60)
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user, content="hi", model="llama-small")
    assert r.status_code == 201, r.json()
    assert fake_llm.requests[-1]["body"]["messages"] == [{"role": "user", "content": "hi"}]
    assert r.json()["data"]["response"]["memoryId"] is None


def test_turning_memories_off_and_on_again_is_seen_by_the_next_reply(
    auth_client, user, saved, fake_llm, ai_settings
):
    MemoryPreference.objects.create(user=user, memories=False)
    chat = ConversationFactory(user=user)
    post(auth_client, chat, user)
    assert fake_llm.requests[-1]["body"]["messages"][0]["role"] == "user"
    auth_client.patch("/api/memories/preferences", {"memories": True}, format="json")
    post(auth_client, chat, user, content="And tomorrow?")
    assert fake_llm.requests[-1]["body"]["messages"][0] == {"role": "system", "content": BLOCK}


def test_the_memories_of_a_reply_cost_one_query(user, saved, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert [m.key for m in memories_for_context(user=user)] == ["city", "diet"]
    MemoryPreference.objects.create(user=user, memories=False)
    with django_assert_num_queries(1):
        assert memories_for_context(user=user) == []

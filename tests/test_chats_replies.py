"""Replies from real providers: the official ``openai``/``anthropic`` SDKs talk to a real local
HTTP server (``tests.fake_providers``). Success, usage-based cost, context trimming, system
prompt and options, tool calls, provider 500 / time-out → 502 with the user message kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from chatcore.models import NO_PARENT
from messages_app.models import ContentPart, Message
from tests import fake_providers
from tests.factories import ConversationFactory, message_chain

pytestmark = pytest.mark.django_db
fake_llm = fake_providers.fake_llm
ai_settings = fake_providers.ai_settings


def post(client, chat, user, content="What were the Q4 sales figures?", model="gpt-4o"):
    body = {"content": content, "modelId": model, "userId": str(user.pk)}
    return client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")


def test_openai_reply_with_usage_based_cost(auth_client, user, fake_llm, ai_settings):
    fake_llm.reply = "Q4 sales reached $2.5M."
    fake_llm.usage = (1200, 300)
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user)
    assert r.status_code == 201, r.json()
    response = r.json()["data"]["response"]
    assert (response["role"], response["content"], response["toolUses"]) == (
        "assistant",
        "Q4 sales reached $2.5M.",
        [],
    )
    # gpt-4o: $2.50 / $10.00 per million input / output tokens.
    assert response["cost"] == 0.006
    answer = Message.objects.get(message_id=response["id"])
    assert answer.cost == Decimal("0.00600000")
    assert answer.token_count == 300
    assert answer.metadata == {
        "usage": {"inputTokens": 1200, "outputTokens": 300, "source": "provider"}
    }
    assert (answer.endpoint, answer.model, answer.finish_reason) == ("openAI", "gpt-4o", "stop")
    sent = fake_llm.requests[-1]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["authorization"] == "Bearer sk-test"
    assert sent["body"]["model"] == "gpt-4o"
    assert sent["body"]["messages"] == [
        {"role": "user", "content": "What were the Q4 sales figures?"}
    ]


def test_cost_is_estimated_from_our_counts_without_reported_usage(
    auth_client, user, fake_llm, ai_settings
):
    from chatcore.tokens import count_tokens

    fake_llm.usage = None
    fake_llm.reply = "Four words of reply"
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user, content="Hi", model="gpt-4o-mini")
    answer = Message.objects.get(message_id=r.json()["data"]["response"]["id"])
    output = count_tokens("Four words of reply", model="gpt-4o-mini")
    input_tokens = count_tokens("Hi", model="gpt-4o-mini") + 4 + 3
    assert answer.metadata == {
        "usage": {"inputTokens": input_tokens, "outputTokens": output, "source": "estimate"}
    }
    expected = (Decimal("0.15") * input_tokens + Decimal("0.6") * output) / 1_000_000
    assert answer.cost == expected.quantize(Decimal("0.00000001"))


def test_model_without_price_costs_null_not_zero(auth_client, user, fake_llm, ai_settings):
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user, content="hi", model="llama-small")
    assert r.status_code == 201, r.json()
    assert r.json()["data"]["response"]["cost"] is None
    assert Message.objects.get(message_id=r.json()["data"]["response"]["id"]).cost is None
    # The compatible endpoint is sent the provider's model name.
    assert fake_llm.requests[-1]["body"]["model"] == "llama3.2:1b"


def test_anthropic_reply_with_system_prompt_and_options(auth_client, user, fake_llm, ai_settings):
    fake_llm.reply = "Bonjour"
    fake_llm.usage = (100, 20)
    chat = ConversationFactory(
        user=user, settings={"promptPrefix": "Answer in French.", "temperature": 0.2, "top_p": 0.9}
    )
    r = post(auth_client, chat, user, content="Hello", model="claude-haiku-4-5")
    assert r.status_code == 201, r.json()
    response = r.json()["data"]["response"]
    assert response["content"] == "Bonjour"
    # claude-haiku-4-5: $1.00 / $5.00 per million.
    assert response["cost"] == 0.0002
    sent = fake_llm.requests[-1]
    assert sent["path"] == "/v1/messages"
    assert sent["headers"]["authorization"] == "Bearer sk-ant-test"
    assert "anthropic-version" in sent["headers"]
    assert sent["body"] == {
        "model": "claude-haiku-4-5",
        "messages": [{"role": "user", "content": "Hello"}],
        "max_tokens": 4096,
        "system": "Answer in French.",
    }


def test_openai_and_compatible_name_the_output_budget_their_way(
    auth_client, user, fake_llm, ai_settings
):
    chat = ConversationFactory(user=user, settings={"maxOutputTokens": 20, "stop": ["END"]})
    post(auth_client, chat, user, content="hi", model="gpt-4o")
    assert fake_llm.requests[-1]["body"]["max_completion_tokens"] == 20
    assert fake_llm.requests[-1]["body"]["stop"] == ["END"]
    post(auth_client, chat, user, content="hi again", model="llama-small")
    assert fake_llm.requests[-1]["body"]["max_tokens"] == 20


def test_history_is_the_current_branch_oldest_first(auth_client, user, fake_llm, ai_settings):
    chat = ConversationFactory(user=user, settings={"promptPrefix": "Be brief."})
    first, second = message_chain(chat, 2)
    # A sibling branch under the first message, older than the current leaf: not context.
    Message.objects.create(
        user=user,
        conversation=chat,
        parent_message_id=first.message_id,
        text="abandoned branch",
        is_created_by_user=False,
        created_at=first.created_at,
    )
    r = post(auth_client, chat, user, content="And now?")
    assert r.status_code == 201, r.json()
    assert fake_llm.requests[-1]["body"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": first.text},
        {"role": "assistant", "content": second.text},
        {"role": "user", "content": "And now?"},
    ]
    user_message = Message.objects.get(message_id=r.json()["data"]["id"])
    assert user_message.parent_message_id == second.message_id


def test_history_is_trimmed_to_the_context_window(auth_client, user, fake_llm, ai_settings):
    # llama-small: 200-token window, 50 kept for the reply, 3 for the reply primer -> 147.
    chat = ConversationFactory(user=user)
    history = message_chain(chat, 6, token_count=40)
    r = post(auth_client, chat, user, content="hi", model="llama-small")
    assert r.status_code == 201, r.json()
    sent = fake_llm.requests[-1]["body"]["messages"]
    # "hi" (1 token + 4 framing) leaves room for three 44-token turns: 5 + 3 * 44 = 137.
    assert [m["content"] for m in sent] == [m.text for m in history[3:]] + ["hi"]
    assert sent[0]["role"] == "assistant"


def test_message_larger_than_the_window_is_400_and_not_stored(
    auth_client, user, fake_llm, ai_settings
):
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user, content="word " * 400, model="llama-small")
    assert (r.status_code, r.json()) == (
        400,
        {"error": "Message is too long for the model's context window"},
    )
    assert not Message.objects.exists()
    assert fake_llm.requests == []


def test_anthropic_context_starts_with_a_user_turn(auth_client, user, fake_llm, ai_settings):
    chat = ConversationFactory(user=user)
    history = message_chain(chat, 3)  # user, assistant, user: the last one never got a reply
    post(auth_client, chat, user, content="again", model="claude-haiku-4-5")
    assert fake_llm.requests[-1]["body"]["messages"] == [
        {"role": "user", "content": history[0].text},
        {"role": "assistant", "content": history[1].text},
        {"role": "user", "content": f"{history[2].text}\n\nagain"},
    ]


@pytest.mark.parametrize("model", ["gpt-4o", "claude-haiku-4-5"])
def test_tool_calls_are_recorded_as_tool_uses(auth_client, user, fake_llm, ai_settings, model):
    fake_llm.tool_calls = [("call_1", "dataset_query", {"query": "SELECT SUM(sales)"})]
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user, model=model)
    assert r.status_code == 201, r.json()
    assert r.json()["data"]["response"]["toolUses"] == [
        {"toolName": "dataset_query", "args": {"query": "SELECT SUM(sales)"}}
    ]
    part = ContentPart.objects.get(message__message_id=r.json()["data"]["response"]["id"])
    assert part.payload == {
        "type": "tool_call",
        "tool_call": {
            "id": "call_1",
            "name": "dataset_query",
            "args": {"query": "SELECT SUM(sales)"},
        },
    }


@pytest.mark.parametrize("model", ["gpt-4o", "claude-haiku-4-5", "llama-small"])
def test_provider_500_is_502_and_keeps_the_user_message(
    auth_client, user, fake_llm, ai_settings, model
):
    fake_llm.status = 500
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user, content="hi", model=model)
    saved = Message.objects.get(conversation=chat)
    assert (r.status_code, r.json()) == (
        502,
        {
            "error": "The AI provider failed to answer",
            "message": f"Your message {saved.message_id} was saved; send it again to retry.",
        },
    )
    assert (saved.text, saved.is_created_by_user, saved.error) == ("hi", True, True)


def test_provider_timeout_is_502_and_keeps_the_user_message(
    auth_client, user, fake_llm, ai_settings
):
    ai_settings.AI_TIMEOUT_SECONDS = 0.2
    fake_llm.delay = 1.0
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user, content="slow question")
    saved = Message.objects.get(conversation=chat)
    assert r.status_code == 502
    assert r.json()["error"] == "The AI provider timed out"
    assert (saved.text, saved.error) == ("slow question", True)


def test_retry_after_a_failure_does_not_resend_the_failed_message(
    auth_client, user, fake_llm, ai_settings
):
    chat = ConversationFactory(user=user)
    fake_llm.status = 500
    post(auth_client, chat, user, content="first try")
    fake_llm.status = None
    r = post(auth_client, chat, user, content="first try")
    assert r.status_code == 201, r.json()
    assert fake_llm.requests[-1]["body"]["messages"] == [{"role": "user", "content": "first try"}]
    retried = Message.objects.get(message_id=r.json()["data"]["id"])
    assert retried.parent_message_id == NO_PARENT
    r = auth_client.get(f"/api/chats/{chat.conversation_id}/messages")
    assert [(m["role"], m.get("error", False)) for m in r.json()["_embedded"]["inf:message"]] == [
        ("user", True),
        ("user", False),
        ("assistant", False),
    ]


def test_unreachable_provider_is_502(auth_client, user, settings):
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    settings.OPENAI_MODELS = ["gpt-4o"]
    settings.AI_MAX_RETRIES = 0
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user)
    assert (r.status_code, r.json()["error"]) == (502, "The AI provider failed to answer")


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_during_the_provider_call(auth_client, user, fake_llm, ai_settings):
    """The server (another thread, its own database connection) already sees the committed
    user message when the request reaches it."""
    seen: list[int] = []

    def look(_request):
        try:
            seen.append(Message.objects.filter(user=user, is_created_by_user=True).count())
        finally:
            connection.close()

    fake_llm.on_request = look
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user)
    assert r.status_code == 201, r.json()
    assert seen == [1]

"""The usage ledger: one immutable row per model call (reply, stream, title) with the unit prices
in force at call time and an exact decimal cost; cancelled and failed calls record what was
consumed; a later price version never rewrites history. Real SDKs against the local fake
providers (``tests.fake_providers``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from chatcore.tokens import count_tokens
from convos_app.models import PriceVersion, UsageRecord
from convos_app.services.titles import conversation_title_generate
from convos_app.usage_models import LedgerImmutable
from messages_app.models import Message
from tests import fake_providers
from tests.factories import ConversationFactory, MessageFactory, message_chain
from tests.test_chats_stream import client_goes_away, open_stream, parse, read_all, stream_frames
from tests.test_import_formats import run_import

pytestmark = pytest.mark.django_db
fake_llm = fake_providers.fake_llm
ai_settings = fake_providers.ai_settings


def post(client, chat, user, content="What were the Q4 sales figures?", model="gpt-4o"):
    body = {"content": content, "modelId": model, "userId": str(user.pk)}
    return client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")


def ledger_row(**filters) -> dict:
    return UsageRecord.objects.filter(**filters).values(
        "kind",
        "status",
        "source",
        "endpoint",
        "model",
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "input_price",
        "output_price",
        "price_source",
        "cost",
    )[0]


def test_reply_writes_one_ledger_row_with_prices_in_force(auth_client, user, fake_llm, ai_settings):
    fake_llm.usage = (1200, 300)
    chat = ConversationFactory(user=user)
    r = post(auth_client, chat, user)
    assert r.status_code == 201, r.json()
    answer = Message.objects.get(message_id=r.json()["data"]["response"]["id"])
    record = UsageRecord.objects.get()
    assert (record.user_id, record.conversation_id, record.message_id) == (
        user.pk,
        chat.pk,
        answer.pk,
    )
    assert ledger_row() == {
        "kind": "reply",
        "status": "completed",
        "source": "provider",
        "endpoint": "openAI",
        "model": "gpt-4o",
        "input_tokens": 1200,
        "output_tokens": 300,
        "cached_tokens": 0,
        "input_price": Decimal("2.500000"),
        "output_price": Decimal("10.000000"),
        "price_source": "table",
        "cost": Decimal("0.00600000"),
    }
    assert answer.cost == record.cost
    assert len(record.request_id) == 32


def test_price_change_applies_to_new_calls_and_keeps_history(
    auth_client, user, fake_llm, ai_settings
):
    fake_llm.usage = (1_000_000, 1_000_000)
    chat = ConversationFactory(user=user)
    assert post(auth_client, chat, user).status_code == 201
    PriceVersion.objects.create(
        model="gpt-4o",
        effective_from=timezone.now() - timedelta(seconds=1),
        input_per_million=Decimal("1.10"),
        output_per_million=Decimal("4.40"),
    )
    # A version that is not in force yet changes nothing today.
    PriceVersion.objects.create(
        model="gpt-4o",
        effective_from=timezone.now() + timedelta(days=7),
        input_per_million=Decimal("99"),
        output_per_million=Decimal("99"),
    )
    assert post(auth_client, chat, user, content="and Q3?").status_code == 201
    rows = list(
        UsageRecord.objects.order_by("id").values_list(
            "input_price", "output_price", "price_source", "cost"
        )
    )
    assert rows == [
        (Decimal("2.500000"), Decimal("10.000000"), "table", Decimal("12.50000000")),
        (Decimal("1.100000"), Decimal("4.400000"), "version", Decimal("5.50000000")),
    ]
    answers = Message.objects.filter(is_created_by_user=False).order_by("id")
    assert [m.cost for m in answers] == [Decimal("12.50000000"), Decimal("5.50000000")]


def test_stream_writes_a_stream_row(auth_client, user, fake_llm, ai_settings):
    fake_llm.usage = (40, 9)
    chat = ConversationFactory(user=user)
    events = read_all(open_stream(auth_client, chat, user, model="gpt-4o-mini"))
    assert events[-1][0] == "end"
    row = ledger_row()
    assert (row["kind"], row["status"], row["source"]) == ("stream", "completed", "provider")
    # gpt-4o-mini: $0.15 / $0.60 per million.
    assert row["cost"] == Decimal("0.00001140")


@pytest.mark.parametrize("model", ["gpt-4o", "claude-haiku-4-5"])
def test_cancelled_stream_records_what_was_consumed(
    auth_client, user, fake_llm, ai_settings, model
):
    fake_llm.chunks = ["Once ", "upon ", "a time ", "there was..."]
    fake_llm.hold_after = 2
    chat = ConversationFactory(user=user)
    frames = stream_frames(open_stream(auth_client, chat, user, model=model))
    assert [parse(next(frames))[0] for _ in range(3)] == ["start", "content", "content"]
    client_goes_away(frames)
    answer = Message.objects.get(conversation=chat, is_created_by_user=False)
    row = ledger_row()
    output = count_tokens("Once upon ", model=model)
    assert (row["kind"], row["status"], row["source"], row["output_tokens"]) == (
        "stream",
        "cancelled",
        "estimate",
        output,
    )
    expected = (row["input_price"] * row["input_tokens"] + row["output_price"] * output) / 1_000_000
    assert row["input_tokens"] > 0
    assert row["cost"] == expected.quantize(Decimal("0.00000001")) == answer.cost
    assert UsageRecord.objects.get().message_id == answer.pk


def test_provider_failure_mid_stream_records_the_partial_output(
    auth_client, user, fake_llm, ai_settings
):
    fake_llm.chunks = ["Once ", "upon ", "a time."]
    fake_llm.fail_after = 2
    chat = ConversationFactory(user=user)
    events = read_all(open_stream(auth_client, chat, user, model="gpt-4o"))
    assert events[-1][0] == "error"
    row = ledger_row()
    assert (row["status"], row["output_tokens"]) == ("failed", count_tokens("Once upon "))
    assert row["cost"] > 0


def test_provider_failure_before_any_output_records_a_free_failed_call(
    auth_client, user, fake_llm, ai_settings
):
    fake_llm.status = 500
    chat = ConversationFactory(user=user)
    assert post(auth_client, chat, user).status_code == 502
    question = Message.objects.get(conversation=chat)
    record = UsageRecord.objects.get()
    assert (record.kind, record.status, record.message_id, record.cost) == (
        "reply",
        "failed",
        question.pk,
        Decimal(0),
    )
    assert (record.input_tokens, record.output_tokens) == (0, 0)


def test_ai_title_call_writes_a_title_row(ai_settings, fake_llm, user):
    ai_settings.AI_TITLE_MODEL = "claude-haiku-4-5"
    ai_settings.CONVERSATION_TITLE_GENERATOR = "chatcore.ai.titles.ai_title"
    fake_llm.reply = "Sales Figures for Q4"
    fake_llm.usage = (120, 6)
    chat = ConversationFactory(user=user, title="New Chat")
    message_chain(chat, 2)
    assert conversation_title_generate(conversation_pk=chat.pk) == "Sales Figures for Q4"
    record = UsageRecord.objects.get()
    assert (record.kind, record.user_id, record.conversation_id, record.message_id) == (
        "title",
        user.pk,
        chat.pk,
        None,
    )
    # claude-haiku-4-5: $1 / $5 per million.
    assert (record.input_tokens, record.output_tokens, record.cost) == (
        120,
        6,
        Decimal("0.00015000"),
    )


def test_ledger_rows_cannot_be_changed_or_deleted(auth_client, user, fake_llm, ai_settings):
    chat = ConversationFactory(user=user)
    post(auth_client, chat, user)
    record = UsageRecord.objects.get()
    with pytest.raises(LedgerImmutable):
        UsageRecord.objects.filter(pk=record.pk).update(cost=0)
    with pytest.raises(LedgerImmutable):
        UsageRecord.objects.all().delete()
    with pytest.raises(LedgerImmutable):
        record.save()
    with pytest.raises(LedgerImmutable):
        record.delete()
    for sql in (
        "UPDATE convos_app_usagerecord SET cost = 0",
        "DELETE FROM convos_app_usagerecord",
    ):
        with (
            pytest.raises(DatabaseError, match="immutable"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert UsageRecord.objects.get().cost == record.cost


def test_history_outlives_the_conversation_and_the_user(auth_client, user, fake_llm, ai_settings):
    fake_llm.usage = (1000, 1000)
    chat = ConversationFactory(user=user)
    post(auth_client, chat, user)
    assert auth_client.delete(f"/api/chats/{chat.conversation_id}").status_code in (200, 204)
    user.delete()
    record = UsageRecord.objects.get()
    assert (record.user_id, record.model, record.cost) == (None, "gpt-4o", Decimal("0.01250000"))


def test_imported_messages_get_a_token_count(user):
    run_import(user, "chatgpt/tree.json")
    messages = list(Message.objects.filter(user=user).exclude(text=""))
    assert messages
    for message in messages:
        assert message.token_count == count_tokens(message.text, model=message.model)
    assert all(m.token_count > 0 for m in messages)


def test_conversation_read_carries_its_usage_totals(auth_client, user, fake_llm, ai_settings):
    chat = ConversationFactory(user=user)
    empty = auth_client.get(f"/api/convos/{chat.conversation_id}").json()
    assert empty["usage"] == {"inputTokens": 0, "outputTokens": 0, "cost": 0.0}
    fake_llm.usage = (1200, 300)
    post(auth_client, chat, user)
    fake_llm.usage = (1000, 100)
    post(auth_client, chat, user, content="And Q3?")
    other = ConversationFactory(user=user)
    post(auth_client, other, user)
    body = auth_client.get(f"/api/convos/{chat.conversation_id}").json()
    # gpt-4o: (2200 x 2.50 + 400 x 10.00) / 1e6 = 0.0095
    assert body["usage"] == {"inputTokens": 2200, "outputTokens": 400, "cost": 0.0095}
    assert body["conversationId"] == chat.conversation_id


def test_conversation_usage_of_another_user_is_404(other_client, user, fake_llm, ai_settings):
    chat = ConversationFactory(user=user)
    r = other_client.get(f"/api/convos/{chat.conversation_id}")
    assert r.status_code == 404 and "usage" not in r.json()


def test_messages_in_the_tmessage_shape_carry_their_cost(auth_client, user, fake_llm, ai_settings):
    fake_llm.usage = (1200, 300)
    chat = ConversationFactory(user=user)
    post(auth_client, chat, user)
    legacy = MessageFactory(conversation=chat, cost=None)
    listed = auth_client.get(f"/api/messages/{chat.conversation_id}").json()
    costs = {m["messageId"]: m.get("cost", "absent") for m in listed}
    question, answer = (
        Message.objects.filter(conversation=chat).exclude(pk=legacy.pk).order_by("id")
    )
    assert costs == {
        question.message_id: 0.0,
        answer.message_id: 0.006,
        legacy.message_id: "absent",
    }


def test_cached_prompt_tokens_are_recorded_and_priced_by_the_version(
    auth_client, user, fake_llm, ai_settings
):
    PriceVersion.objects.create(
        model="gpt-4o",
        effective_from=timezone.now() - timedelta(days=1),
        input_per_million=Decimal("2.50"),
        output_per_million=Decimal("10.00"),
        cached_input_per_million=Decimal("1.25"),
    )
    fake_llm.usage = (1200, 300)
    fake_llm.cached_tokens = 1000
    chat = ConversationFactory(user=user)
    assert post(auth_client, chat, user).status_code == 201
    record = UsageRecord.objects.get()
    assert (record.input_tokens, record.cached_tokens, record.cached_price) == (
        1200,
        1000,
        Decimal("1.250000"),
    )
    # 200 x 2.50 + 1000 x 1.25 + 300 x 10.00 = 4750 micro-dollars.
    assert record.cost == Decimal("0.00475000")


def test_cached_tokens_without_a_cached_price_are_charged_in_full(
    auth_client, user, fake_llm, ai_settings
):
    fake_llm.usage = (1200, 300)
    fake_llm.cached_tokens = 1000
    chat = ConversationFactory(user=user)
    post(auth_client, chat, user)
    record = UsageRecord.objects.get()
    assert (record.cached_tokens, record.cached_price, record.cost) == (
        1000,
        None,
        Decimal("0.00600000"),
    )

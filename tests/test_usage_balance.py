"""Balances (``BALANCE_ENABLED=1``): LibreChat's ``GET /api/balance`` shape (read by its own
client), start balance and refill, 402 before the provider is called, settlement to the real
cost, and no overdraw when ten replies race for the last credits (real threads, live server,
real SDK against the local fake provider)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from chatcore.tokens import count_tokens
from convos_app.models import Balance, UsageRecord
from messages_app.models import Message
from tests import fake_providers
from tests.factories import ConversationFactory
from tests.librechat_client import access_token, run_client

fake_llm = fake_providers.fake_llm
ai_settings = fake_providers.ai_settings
CONTENT = "What were the Q4 sales figures?"


@pytest.fixture
def balances(ai_settings):
    ai_settings.BALANCE_ENABLED = True
    ai_settings.BALANCE_START_CREDITS = 20_000
    return ai_settings


def post(client, chat, user, content=CONTENT, model="gpt-4o-mini"):
    body = {"content": content, "modelId": model, "userId": str(user.pk)}
    return client.post(f"/api/chats/{chat.conversation_id}/messages", body, format="json")


def largest_cost_in_credits(max_output: int) -> Decimal:
    """gpt-4o-mini ($0.15 / $0.60 per million), the prompt being just CONTENT: credits are
    micro-dollars, so the worst case is 0.15 x input + 0.60 x max_output."""
    input_tokens = count_tokens(CONTENT, model="gpt-4o-mini") + 4 + 3
    return Decimal("0.15") * input_tokens + Decimal("0.60") * max_output


@pytest.mark.django_db
def test_balance_is_404_while_balances_are_off(auth_client, settings):
    settings.BALANCE_ENABLED = False
    r = auth_client.get("/api/balance")
    assert (r.status_code, r.json()) == (404, {"error": "Balances are not enabled"})


@pytest.mark.django_db
def test_a_new_user_starts_with_the_start_balance(auth_client, user, balances):
    r = auth_client.get("/api/balance")
    assert (r.status_code, r.json()) == (200, {"tokenCredits": 20000.0, "autoRefillEnabled": False})
    assert Balance.objects.get(user=user).token_credits == Decimal(20000)


@pytest.mark.django_db
def test_a_due_refill_is_added_and_reported(auth_client, user, balances):
    balances.BALANCE_AUTO_REFILL = True
    balances.BALANCE_REFILL_INTERVAL_VALUE = 1
    balances.BALANCE_REFILL_INTERVAL_UNIT = "days"
    balances.BALANCE_REFILL_AMOUNT = 500
    assert auth_client.get("/api/balance").json()["tokenCredits"] == 20000.0
    Balance.objects.filter(user=user).update(last_refill=timezone.now() - timedelta(days=2))
    body = auth_client.get("/api/balance").json()
    assert body["tokenCredits"] == 20500.0
    assert (body["autoRefillEnabled"], body["refillIntervalValue"], body["refillIntervalUnit"]) == (
        True,
        1,
        "days",
    )
    assert body["refillAmount"] == 500.0 and body["lastRefill"].endswith("Z")
    # Not due again for a day.
    assert auth_client.get("/api/balance").json()["tokenCredits"] == 20500.0


@pytest.mark.django_db
def test_a_reply_costing_more_than_the_balance_is_refused_before_the_provider(
    auth_client, user, fake_llm, balances
):
    chat = ConversationFactory(user=user, settings={"maxOutputTokens": 1000})
    needed = largest_cost_in_credits(1000)
    Balance.objects.create(user=user, token_credits=needed - Decimal("0.01"))
    r = post(auth_client, chat, user)
    assert r.status_code == 402
    assert r.json() == {
        "error": "Insufficient balance",
        "message": f"This reply may cost up to {needed:.2f} credits and your balance is "
        f"{needed - Decimal('0.01'):.2f} credits.",
    }
    assert fake_llm.requests == []
    assert not Message.objects.exists() and not UsageRecord.objects.exists()
    assert Balance.objects.get(user=user).token_credits == needed - Decimal("0.01")


@pytest.mark.django_db
def test_a_reply_is_charged_its_real_cost(auth_client, user, fake_llm, balances):
    fake_llm.usage = (100, 50)
    chat = ConversationFactory(user=user, settings={"maxOutputTokens": 1000})
    assert post(auth_client, chat, user).status_code == 201
    # 100 x 0.15 + 50 x 0.60 = 45 micro-dollars = 45 credits.
    assert Balance.objects.get(user=user).token_credits == Decimal("19955.00")
    assert UsageRecord.objects.get().cost == Decimal("0.00004500")


@pytest.mark.django_db
def test_a_failed_reply_gives_the_reservation_back(auth_client, user, fake_llm, balances):
    fake_llm.status = 500
    chat = ConversationFactory(user=user)
    assert post(auth_client, chat, user).status_code == 502
    assert Balance.objects.get(user=user).token_credits == Decimal(20000)


@pytest.mark.django_db(transaction=True)
def test_librechat_client_reads_the_balance(live_server, user, balances):
    Balance.objects.create(user=user, token_credits=Decimal("1234.5"))
    result = run_client(
        live_server.url, "return await dataService.getUserBalance();", token=access_token(user)
    )
    assert result.ok, result
    assert result.value == {"tokenCredits": 1234.5, "autoRefillEnabled": False}


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_replies_cannot_overdraw(live_server, user, fake_llm, balances):
    fake_llm.usage = (100, 50)  # 45 credits each once settled
    # The provider holds every reply until the refused ones have all been answered, so no
    # settlement can give credits back while others are still reserving.
    gate = threading.Event()
    balances.AI_TIMEOUT_SECONDS = 30.0
    fake_llm.on_request = lambda record: gate.wait(timeout=30)
    worst_case = largest_cost_in_credits(1000)
    # Room for three worst cases, not four.
    start = (worst_case * 3 + worst_case / 2).quantize(Decimal("0.01"))
    Balance.objects.create(user=user, token_credits=start)
    chats = [ConversationFactory(user=user, settings={"maxOutputTokens": 1000}) for _ in range(10)]
    token = str(RefreshToken.for_user(user).access_token)
    statuses: list[int] = []
    barrier = threading.Barrier(10)

    def reply(chat) -> None:
        barrier.wait()
        request = urllib.request.Request(
            f"{live_server.url}/api/chats/{chat.conversation_id}/messages",
            data=json.dumps(
                {"content": CONTENT, "modelId": "gpt-4o-mini", "userId": str(user.pk)}
            ).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as refused:
            statuses.append(refused.code)

    threads = [threading.Thread(target=reply, args=(chat,)) for chat in chats]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(statuses) < 7 and time.monotonic() < deadline:
        time.sleep(0.02)
    gate.set()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] * 3 + [402] * 7
    assert len(fake_llm.requests) == 3
    assert Balance.objects.get(user=user).token_credits == start - 3 * 45
    assert UsageRecord.objects.count() == 3


@pytest.mark.django_db
def test_a_stream_is_refused_before_it_starts(auth_client, user, fake_llm, balances):
    chat = ConversationFactory(user=user)
    Balance.objects.create(user=user, token_credits=Decimal("1.00"))
    body = {"content": CONTENT, "modelId": "gpt-4o-mini", "userId": str(user.pk)}
    r = auth_client.post(f"/api/chats/{chat.conversation_id}/messages/stream", body, format="json")
    assert r.status_code == 402 and r.json()["error"] == "Insufficient balance"
    assert fake_llm.requests == [] and not Message.objects.exists()


@pytest.mark.django_db
def test_a_free_model_needs_only_a_positive_balance(auth_client, user, balances):
    chat = ConversationFactory(user=user)
    Balance.objects.create(user=user, token_credits=Decimal("0.01"))
    assert post(auth_client, chat, user, model="echo").status_code == 201
    Balance.objects.filter(user=user).update(token_credits=0)
    assert post(auth_client, chat, user, model="echo").status_code == 402

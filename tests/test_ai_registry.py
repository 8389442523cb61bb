"""chatcore.ai: the registry chooses endpoints explicitly from settings; echo; prices."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from chatcore.ai.base import ChatTurn, GenerationOptions, StreamEnd, TextDelta
from chatcore.ai.registry import available_models, resolve_model
from chatcore.errors import InvalidInput
from chatcore.pricing import cost_for, price_for, price_table
from tests import fake_providers

fake_llm = fake_providers.fake_llm
ai_settings = fake_providers.ai_settings


def test_only_echo_without_configuration(settings):
    settings.OPENAI_API_KEY = ""
    settings.ANTHROPIC_API_KEY = ""
    settings.AI_CUSTOM_ENDPOINTS = []
    assert available_models() == ["echo"]


def test_configured_endpoints_serve_their_models(ai_settings):
    assert available_models() == [
        "claude-haiku-4-5",
        "echo",
        "gpt-4o",
        "gpt-4o-mini",
        "llama-small",
    ]
    spec = resolve_model("llama-small").spec
    assert (spec.endpoint, spec.provider_model, spec.context_window, spec.max_output_tokens) == (
        "local",
        "llama3.2:1b",
        200,
        50,
    )
    assert resolve_model("gpt-4o").spec.context_window == 128_000
    assert resolve_model("claude-haiku-4-5").spec.context_window == 200_000


def test_unknown_model_is_invalid_input_listing_the_models(ai_settings):
    with pytest.raises(InvalidInput) as caught:
        resolve_model("gpt-9")
    assert caught.value.message == (
        "Available models: claude-haiku-4-5, echo, gpt-4o, gpt-4o-mini, llama-small"
    )


def test_custom_endpoints_file_with_env_key(settings, tmp_path, monkeypatch, fake_llm):
    monkeypatch.setenv("LOCAL_LLM_KEY", "secret-from-env")
    path = tmp_path / "endpoints.json"
    path.write_text(
        json.dumps(
            {
                "endpoints": [
                    {
                        "name": "ollama",
                        "baseURL": f"{fake_llm.url}/v1",
                        "apiKey": "${LOCAL_LLM_KEY}",
                        "streamUsage": False,
                        "models": [
                            "qwen2.5:7b",
                            {
                                "id": "free-llama",
                                "model": "llama3.1:8b",
                                "prices": {"input": 0, "output": 0},
                            },
                        ],
                    }
                ]
            }
        )
    )
    settings.OPENAI_API_KEY = ""
    settings.ANTHROPIC_API_KEY = ""
    settings.AI_MAX_RETRIES = 0
    settings.AI_CUSTOM_ENDPOINTS_FILE = str(path)
    assert available_models() == ["echo", "free-llama", "qwen2.5:7b"]
    resolved = resolve_model("free-llama")
    assert resolved.spec.prices == (0.0, 0.0)
    events = list(
        resolved.provider.stream(
            model=resolved.spec,
            system=None,
            turns=[ChatTurn(role="user", content="hi")],
            options=GenerationOptions(),
        )
    )
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello from llama3.1:8b"
    request = fake_llm.requests[-1]
    assert request["headers"]["authorization"] == "Bearer secret-from-env"
    assert request["body"]["model"] == "llama3.1:8b"
    assert "stream_options" not in request["body"]
    # No usage asked for, none reported: the reply's cost is estimated from our own counts.
    assert events[-1] == StreamEnd(usage=None, finish_reason="stop")


@pytest.mark.parametrize(
    ("endpoints", "problem"),
    [
        ([{"name": "openAI", "baseURL": "http://127.0.0.1:1/v1", "models": ["x"]}], "reserved"),
        ([{"name": "a", "models": ["x"]}], "needs a name and a baseURL"),
        (
            [
                {"name": "a", "baseURL": "http://127.0.0.1:1/v1", "models": ["same"]},
                {"name": "b", "baseURL": "http://127.0.0.1:2/v1", "models": ["same"]},
            ],
            "modelId 'same' is served by both 'a' and 'b'",
        ),
        (
            [
                {
                    "name": "a",
                    "baseURL": "http://127.0.0.1:1/v1",
                    "models": [{"id": "m", "prices": {}}],
                }
            ],
            "prices need input and output",
        ),
    ],
)
def test_bad_custom_endpoints_are_configuration_errors(settings, endpoints, problem):
    settings.AI_CUSTOM_ENDPOINTS = endpoints
    with pytest.raises(ImproperlyConfigured, match=problem):
        available_models()


def test_unreadable_endpoints_file_is_a_configuration_error(settings, tmp_path):
    settings.AI_CUSTOM_ENDPOINTS = None
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    settings.AI_CUSTOM_ENDPOINTS_FILE = str(bad)
    with pytest.raises(ImproperlyConfigured, match="AI_CUSTOM_ENDPOINTS_FILE"):
        available_models()


def test_echo_streams_chunks_that_join_into_the_whole_answer(settings):
    resolved = resolve_model("echo")
    turns = [
        ChatTurn(role="user", content="first"),
        ChatTurn(role="assistant", content="Echo: first"),
        ChatTurn(role="user", content="two  words\nand a line"),
    ]
    whole = resolved.provider.complete(
        model=resolved.spec, system="ignored", turns=turns, options=GenerationOptions()
    )
    assert whole.text == "Echo: two  words\nand a line" and whole.usage is None
    events = list(
        resolved.provider.stream(
            model=resolved.spec, system=None, turns=turns, options=GenerationOptions()
        )
    )
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert deltas == ["Echo: ", "two  ", "words\n", "and ", "a ", "line"]
    assert events[-1] == StreamEnd(usage=None, finish_reason="stop")


# --- prices -------------------------------------------------------------------------------------
def test_price_table_has_its_date():
    assert price_table().taken_on == "2025-11-30"


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o", (Decimal("2.5"), Decimal("10.0"))),
        ("gpt-4o-mini-2024-07-18", (Decimal("0.15"), Decimal("0.6"))),
        ("claude-sonnet-4-20250514", (Decimal("3.0"), Decimal("15.0"))),
        ("claude-3-5-haiku-latest", (Decimal("0.8"), Decimal("4.0"))),
        ("claude-opus-4-6", None),  # a newer version never inherits an older one's price
        ("llama3.1:8b", None),
    ],
)
def test_price_lookup(model, expected):
    price = price_for(model)
    assert (None if price is None else (price.input_per_million, price.output_per_million)) == (
        expected
    )


def test_costs_are_exact_decimals_and_unknown_is_none():
    assert cost_for("gpt-4o", input_tokens=1_000_000, output_tokens=1_000_000) == Decimal("12.5")
    assert cost_for("gpt-4o-mini", input_tokens=1, output_tokens=1) == Decimal("0.00000075")
    assert cost_for("echo", input_tokens=500, output_tokens=500) == Decimal("0")
    assert cost_for("mystery", input_tokens=1, output_tokens=1) is None


def test_prices_file_can_be_replaced(settings, tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps({"takenOn": "2030-01-01", "models": {"house": {"input": 1, "output": 2}}})
    )
    settings.AI_PRICES_FILE = str(path)
    assert price_table().taken_on == "2030-01-01"
    assert cost_for("house", input_tokens=1_000_000, output_tokens=0) == Decimal("1")
    assert cost_for("gpt-4o", input_tokens=1, output_tokens=1) is None

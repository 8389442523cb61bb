"""Model discovery as LibreChat's client calls it: ``GET /api/endpoints`` and
``GET /api/models`` from the AI registry, echo included (docs/api-behaviour.md#model-discovery)."""

from __future__ import annotations

import pytest

from tests import fake_providers
from tests.librechat_client import access_token, run_client

ai_settings = fake_providers.ai_settings
fake_llm = fake_providers.fake_llm

ALL_ENDPOINTS = {
    "openAI": {"order": 0, "name": "openAI", "userProvide": False, "modelDisplayLabel": "OpenAI"},
    "anthropic": {
        "order": 1,
        "name": "anthropic",
        "userProvide": False,
        "modelDisplayLabel": "Claude",
    },
    "local": {
        "order": 2,
        "type": "custom",
        "name": "local",
        "userProvide": False,
        "modelDisplayLabel": "Local models",
        "iconURL": "https://example.com/llama.png",
    },
    "echo": {
        "order": 3,
        "type": "custom",
        "name": "echo",
        "userProvide": False,
        "modelDisplayLabel": "Echo",
    },
}
ALL_MODELS = {
    "openAI": ["gpt-4o", "gpt-4o-mini"],
    "anthropic": ["claude-haiku-4-5"],
    "local": ["llama-small"],
    "echo": ["echo"],
}


@pytest.fixture
def configured(ai_settings):
    local = dict(ai_settings.AI_CUSTOM_ENDPOINTS[0])
    local.update(modelDisplayLabel="Local models", iconURL="https://example.com/llama.png")
    ai_settings.AI_CUSTOM_ENDPOINTS = [local]
    return ai_settings


@pytest.fixture
def echo_only(settings):
    settings.OPENAI_API_KEY = ""
    settings.ANTHROPIC_API_KEY = ""
    settings.AI_CUSTOM_ENDPOINTS = []
    return settings


@pytest.mark.django_db
def test_endpoints_and_models_list_what_is_configured(auth_client, configured):
    endpoints = auth_client.get("/api/endpoints")
    assert endpoints.status_code == 200, endpoints.json()
    assert endpoints.json() == ALL_ENDPOINTS
    assert list(endpoints.json()) == ["openAI", "anthropic", "local", "echo"]
    models = auth_client.get("/api/models")
    assert models.status_code == 200
    assert models.json() == ALL_MODELS


@pytest.mark.django_db
def test_only_echo_when_nothing_is_configured(auth_client, echo_only):
    assert auth_client.get("/api/endpoints").json() == {
        "echo": {
            "order": 0,
            "type": "custom",
            "name": "echo",
            "userProvide": False,
            "modelDisplayLabel": "Echo",
        }
    }
    assert auth_client.get("/api/models").json() == {"echo": ["echo"]}


@pytest.mark.django_db
def test_nothing_listed_when_echo_is_off_too(auth_client, echo_only):
    echo_only.AI_ECHO_MODEL = False
    assert auth_client.get("/api/endpoints").json() == {}
    assert auth_client.get("/api/models").json() == {}


@pytest.mark.django_db
def test_discovery_needs_a_token(api_client):
    for path in ("/api/endpoints", "/api/models"):
        r = api_client.get(path)
        assert r.status_code == 401
        assert r.json()["error"] == "Unauthorized"
    assert api_client.post("/api/models").status_code == 401


@pytest.mark.django_db
def test_discovery_refuses_writes(auth_client):
    r = auth_client.post("/api/models", {}, format="json")
    assert r.status_code == 405
    assert r.json()["error"] == "Method not allowed"


@pytest.mark.django_db(transaction=True)
def test_the_real_client_discovers_endpoints_and_models(live_server, user, configured):
    result = run_client(
        live_server.url,
        "const endpoints = await dataService.getAIEndpoints();"
        " const models = await dataService.getModels();"
        " return { endpoints, models };",
        token=access_token(user),
    )
    assert result.ok, result
    assert result.value == {"endpoints": ALL_ENDPOINTS, "models": ALL_MODELS}

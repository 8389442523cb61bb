"""The memories API in LibreChat's shape (docs/api-behaviour.md#memories): CRUD by key and by
id, every refusal with its sentence, the token limit, partitions, the "use memories" switch,
and ownership (another user's memory answers exactly like a missing one)."""

from __future__ import annotations

import pytest

from chatcore.serializers import iso
from chatcore.tokens import count_tokens
from messages_app.models import Memory, MemoryPreference
from tests.factories import MemoryFactory

pytestmark = pytest.mark.django_db

KEY_FORMAT = "key must be 1 to 100 characters of lowercase letters, digits and underscores"


def body_of(memory: Memory) -> dict:
    memory.refresh_from_db()
    body = {
        "_id": memory.memory_id,
        "key": memory.key,
        "value": memory.value,
        "updated_at": iso(memory.updated_at),
        "tokenCount": memory.token_count,
    }
    if memory.agent_id:
        body["agentId"] = memory.agent_id
    return body


def snapshot() -> list[tuple]:
    return list(
        Memory.objects.order_by("pk").values_list(
            "user_id", "key", "value", "token_count", "agent_id"
        )
    )


# --- GET /api/memories ----------------------------------------------------------------------------
def test_list_is_empty_with_the_limit_for_a_new_user(auth_client):
    r = auth_client.get("/api/memories")
    assert r.status_code == 200, r.json()
    assert r.json() == {"memories": [], "totalTokens": 0, "tokenLimit": 10000, "usagePercentage": 0}


def test_list_is_newest_change_first_with_usage_and_only_the_users_own(
    auth_client, user, other_user, settings
):
    settings.MEMORY_TOKEN_LIMIT = 40
    older = MemoryFactory(user=user, key="name", value="Alice", token_count=7)
    newer = MemoryFactory(user=user, key="city", value="Lisbon", token_count=3, agent_id="agent_1")
    Memory.objects.filter(pk=older.pk).update(updated_at=newer.updated_at.replace(year=2020))
    MemoryFactory(user=other_user, key="secret", value="not yours", token_count=30)
    r = auth_client.get("/api/memories")
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "memories": [body_of(newer), body_of(older)],
        "totalTokens": 10,
        "tokenLimit": 40,
        "usagePercentage": 25,
    }
    assert r.json()["memories"][0]["agentId"] == "agent_1"
    assert "agentId" not in r.json()["memories"][1]


def test_list_without_a_limit_reports_null(auth_client, user, settings):
    settings.MEMORY_TOKEN_LIMIT = 0
    MemoryFactory(user=user, token_count=12)
    body = auth_client.get("/api/memories").json()
    assert (body["totalTokens"], body["tokenLimit"], body["usagePercentage"]) == (12, None, None)


def test_list_costs_one_query_after_authentication(auth_client, user, django_assert_num_queries):
    MemoryFactory.create_batch(5, user=user)
    with django_assert_num_queries(2):  # the token's user, then the memories
        r = auth_client.get("/api/memories")
    assert len(r.json()["memories"]) == 5


# --- POST /api/memories ---------------------------------------------------------------------------
def test_create_answers_201_with_the_memory_and_counts_its_tokens(auth_client, user):
    value = "Prefers answers in metric units."
    r = auth_client.post("/api/memories", {"key": "units", "value": value}, format="json")
    assert r.status_code == 201, r.json()
    memory = Memory.objects.get(user=user, key="units")
    assert memory.token_count == count_tokens(value) > 0
    assert memory.agent_id == ""
    assert r.json() == {"created": True, "memory": body_of(memory)}


def test_create_in_an_agent_partition_keeps_keys_apart(auth_client, user):
    for agent in (None, "agent_1"):
        body = {"key": "tone", "value": f"tone for {agent}"}
        if agent:
            body["agentId"] = agent
        r = auth_client.post("/api/memories", body, format="json")
        assert r.status_code == 201, r.json()
    assert r.json()["memory"]["agentId"] == "agent_1"
    assert sorted(Memory.objects.values_list("agent_id", "value")) == [
        ("", "tone for None"),
        ("agent_1", "tone for agent_1"),
    ]


def test_create_of_an_existing_key_is_409_and_changes_nothing(auth_client, user):
    MemoryFactory(user=user, key="name", value="Alice")
    before = snapshot()
    r = auth_client.post("/api/memories", {"key": "name", "value": "Bob"}, format="json")
    assert r.status_code == 409
    assert r.json() == {"error": "Memory with this key already exists"}
    assert snapshot() == before


def test_the_same_key_of_another_user_is_no_conflict(auth_client, user, other_user):
    MemoryFactory(user=other_user, key="name", value="Mallory")
    r = auth_client.post("/api/memories", {"key": "name", "value": "Alice"}, format="json")
    assert r.status_code == 201, r.json()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"value": "v"}, "key is required"),
        ({"key": "", "value": "v"}, "key is required"),
        ({"key": "Name", "value": "v"}, KEY_FORMAT),
        ({"key": "two words", "value": "v"}, KEY_FORMAT),
        ({"key": "dash-key", "value": "v"}, KEY_FORMAT),
        ({"key": "k" * 101, "value": "v"}, KEY_FORMAT),
        ({"key": 12, "value": "v"}, "key must be a string"),
        ({"key": "name"}, "value is required"),
        ({"key": "name", "value": ""}, "value is required"),
        ({"key": "name", "value": "   "}, "value is required"),
        ({"key": "name", "value": None}, "value must be a string"),
        ({"key": "name", "value": ["v"]}, "value must be a string"),
        ({"key": "name", "value": "a\u0000b"}, "Text must not contain NUL characters"),
        ({"key": "name", "value": "v", "agentId": 5}, "agentId must be a string"),
        (
            {"key": "name", "value": "v", "agentId": "a" * 256},
            "agentId must be at most 255 characters",
        ),
    ],
)
def test_create_refuses_bad_input_with_400_and_writes_nothing(auth_client, body, error):
    r = auth_client.post("/api/memories", body, format="json")
    assert r.status_code == 400, r.json()
    assert r.json()["error"] == error
    assert not Memory.objects.exists()


def test_create_refuses_a_body_that_is_not_an_object(auth_client):
    r = auth_client.post("/api/memories", ["key", "value"], format="json")
    assert r.status_code == 400
    assert "error" in r.json()
    assert not Memory.objects.exists()


def test_create_refuses_a_value_over_the_configured_size(auth_client, settings):
    settings.MEMORY_VALUE_MAX_CHARS = 10
    ok = auth_client.post("/api/memories", {"key": "a", "value": "x" * 10}, format="json")
    assert ok.status_code == 201, ok.json()
    r = auth_client.post("/api/memories", {"key": "b", "value": "x" * 11}, format="json")
    assert r.status_code == 400
    assert r.json()["error"] == "value must be at most 10 characters"
    assert list(Memory.objects.values_list("key", flat=True)) == ["a"]


def test_create_past_the_token_limit_is_400_and_writes_nothing(auth_client, user, settings):
    settings.MEMORY_TOKEN_LIMIT = 20
    MemoryFactory(user=user, key="first", token_count=15)
    value = "one two three four five six seven eight"
    assert count_tokens(value) > 5
    before = snapshot()
    r = auth_client.post("/api/memories", {"key": "second", "value": value}, format="json")
    assert r.status_code == 400
    assert r.json() == {
        "error": "Adding this memory would exceed the token limit of 20. Current usage: 15 tokens."
    }
    assert snapshot() == before


def test_the_token_limit_is_per_user(auth_client, user, other_user, settings):
    settings.MEMORY_TOKEN_LIMIT = 20
    MemoryFactory(user=other_user, token_count=20)
    r = auth_client.post("/api/memories", {"key": "mine", "value": "short"}, format="json")
    assert r.status_code == 201, r.json()


# --- PATCH /api/memories/{key} and /api/memories/id/{id} -----------------------------------------
def test_update_by_key_replaces_the_value_and_keeps_the_id(auth_client, user):
    memory = MemoryFactory(user=user, key="city", value="Lisbon", token_count=1)
    r = auth_client.patch("/api/memories/city", {"value": "Porto, Portugal"}, format="json")
    assert r.status_code == 200, r.json()
    memory.refresh_from_db()
    assert (memory.value, memory.token_count) == (
        "Porto, Portugal",
        count_tokens("Porto, Portugal"),
    )
    assert r.json() == {"updated": True, "memory": body_of(memory)}


def test_update_with_a_new_key_renames(auth_client, user):
    memory = MemoryFactory(user=user, key="city", value="Lisbon")
    r = auth_client.patch(
        "/api/memories/city", {"key": "home_city", "value": "Lisbon"}, format="json"
    )
    assert r.status_code == 200, r.json()
    memory.refresh_from_db()
    assert memory.key == "home_city"
    assert r.json()["memory"]["_id"] == memory.memory_id


def test_rename_onto_an_existing_key_is_409_and_changes_nothing(auth_client, user):
    MemoryFactory(user=user, key="city", value="Lisbon")
    MemoryFactory(user=user, key="home", value="Flat")
    before = snapshot()
    r = auth_client.patch("/api/memories/city", {"key": "home", "value": "X"}, format="json")
    assert r.status_code == 409
    assert r.json() == {"error": "Memory with this key already exists"}
    assert snapshot() == before


def test_update_by_id_with_an_optional_key(auth_client, user):
    memory = MemoryFactory(user=user, key="city", value="Lisbon", agent_id="agent_1")
    r = auth_client.patch(
        f"/api/memories/id/{memory.memory_id}", {"value": "Madrid"}, format="json"
    )
    assert r.status_code == 200, r.json()
    memory.refresh_from_db()
    assert (memory.key, memory.value) == ("city", "Madrid")
    assert r.json() == {"updated": True, "memory": body_of(memory)}


def test_update_past_the_token_limit_is_400_counting_the_replaced_value_out(
    auth_client, user, settings
):
    settings.MEMORY_TOKEN_LIMIT = 12
    MemoryFactory(user=user, key="other", token_count=4)
    memory = MemoryFactory(user=user, key="mine", value="old", token_count=8)
    fits = "a b c d e f g h"  # 8 tokens: replaces the old 8
    assert count_tokens(fits) == 8
    assert (
        auth_client.patch("/api/memories/mine", {"value": fits}, format="json").status_code == 200
    )
    before = snapshot()
    r = auth_client.patch("/api/memories/mine", {"value": fits + " i"}, format="json")
    assert r.status_code == 400
    assert r.json() == {
        "error": "Updating this memory would exceed the token limit of 12. Current usage: 4 tokens."
    }
    assert snapshot() == before
    memory.refresh_from_db()
    assert memory.value == fits


def test_update_addresses_the_agent_partition_by_query(auth_client, user):
    shared = MemoryFactory(user=user, key="tone", value="shared")
    agents = MemoryFactory(user=user, key="tone", value="agent", agent_id="agent_1")
    r = auth_client.patch(
        "/api/memories/tone?agentId=agent_1", {"value": "agent v2"}, format="json"
    )
    assert r.status_code == 200, r.json()
    shared.refresh_from_db()
    agents.refresh_from_db()
    assert (shared.value, agents.value) == ("shared", "agent v2")
    r = auth_client.patch("/api/memories/tone?agentId=agent_2", {"value": "x"}, format="json")
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "value is required"),
        ({"value": ""}, "value is required"),
        ({"value": 3}, "value must be a string"),
        ({"key": "Bad Key", "value": "v"}, KEY_FORMAT),
    ],
)
def test_update_refuses_bad_input_with_400_and_changes_nothing(auth_client, user, body, error):
    MemoryFactory(user=user, key="city", value="Lisbon")
    before = snapshot()
    r = auth_client.patch("/api/memories/city", body, format="json")
    assert r.status_code == 400, r.json()
    assert r.json()["error"] == error
    assert snapshot() == before


@pytest.mark.parametrize("path", ["/api/memories/nope", "/api/memories/id/nope"])
def test_update_of_a_missing_memory_is_404(auth_client, path):
    r = auth_client.patch(path, {"value": "v"}, format="json")
    assert r.status_code == 404
    assert r.json() == {"error": "Memory not found"}


def test_another_users_memory_answers_404_by_key_and_by_id_and_is_untouched(
    auth_client, other_user
):
    theirs = MemoryFactory(user=other_user, key="secret", value="theirs")
    before = snapshot()
    for path in ("/api/memories/secret", f"/api/memories/id/{theirs.memory_id}"):
        patched = auth_client.patch(path, {"value": "mine now"}, format="json")
        deleted = auth_client.delete(path)
        assert (patched.status_code, deleted.status_code) == (404, 404), path
        assert patched.json() == deleted.json() == {"error": "Memory not found"}
    assert snapshot() == before


@pytest.mark.parametrize(
    "path", ["/api/memories/a%00b", "/api/memories/id/a%00b", "/api/memories/" + "k" * 300]
)
def test_ids_no_memory_can_have_answer_404_not_500(auth_client, path):
    r = auth_client.delete(path)
    assert r.status_code == 404
    assert r.json() == {"error": "Memory not found"}


# --- DELETE /api/memories/{key} and /api/memories/id/{id} ----------------------------------------
def test_delete_by_key_and_by_id(auth_client, user):
    by_key = MemoryFactory(user=user, key="one")
    by_id = MemoryFactory(user=user, key="two")
    kept = MemoryFactory(user=user, key="three")
    r = auth_client.delete("/api/memories/one")
    assert (r.status_code, r.json()) == (200, {"deleted": True})
    r = auth_client.delete(f"/api/memories/id/{by_id.memory_id}")
    assert (r.status_code, r.json()) == (200, {"deleted": True})
    assert list(Memory.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not Memory.objects.filter(pk__in=[by_key.pk, by_id.pk]).exists()
    again = auth_client.delete("/api/memories/one")
    assert (again.status_code, again.json()) == (404, {"error": "Memory not found"})


def test_delete_by_key_without_agent_id_touches_only_the_shared_pool(auth_client, user):
    MemoryFactory(user=user, key="tone", agent_id="agent_1")
    r = auth_client.delete("/api/memories/tone")
    assert r.status_code == 404
    r = auth_client.delete("/api/memories/tone?agentId=agent_1")
    assert r.status_code == 200
    assert not Memory.objects.exists()


# --- /api/memories/preferences --------------------------------------------------------------------
def test_preferences_default_on_and_switch_off_and_on(auth_client, user):
    r = auth_client.get("/api/memories/preferences")
    assert (r.status_code, r.json()) == (200, {"preferences": {"memories": True}})
    r = auth_client.patch("/api/memories/preferences", {"memories": False}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json() == {"updated": True, "preferences": {"memories": False}}
    assert MemoryPreference.objects.get(user=user).memories is False
    assert auth_client.get("/api/memories/preferences").json() == {
        "preferences": {"memories": False}
    }
    r = auth_client.patch("/api/memories/preferences", {"memories": True}, format="json")
    assert r.json() == {"updated": True, "preferences": {"memories": True}}
    assert MemoryPreference.objects.count() == 1


@pytest.mark.parametrize("body", [{}, {"memories": "false"}, {"memories": 0}, {"memories": None}])
def test_preferences_refuse_a_non_boolean(auth_client, user, body):
    r = auth_client.patch("/api/memories/preferences", body, format="json")
    assert r.status_code == 400
    assert r.json()["error"] == "memories must be a boolean value"
    assert not MemoryPreference.objects.exists()


def test_preferences_are_per_user(auth_client, other_client, user, other_user):
    auth_client.patch("/api/memories/preferences", {"memories": False}, format="json")
    assert other_client.get("/api/memories/preferences").json() == {
        "preferences": {"memories": True}
    }


# --- Anonymous, methods ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/memories"),
        ("post", "/api/memories"),
        ("patch", "/api/memories/name"),
        ("delete", "/api/memories/name"),
        ("patch", "/api/memories/id/x"),
        ("delete", "/api/memories/id/x"),
        ("get", "/api/memories/preferences"),
        ("patch", "/api/memories/preferences"),
    ],
)
def test_anonymous_requests_are_401(api_client, method, path):
    r = getattr(api_client, method)(path, {}, format="json")
    assert r.status_code == 401
    assert r.json()["error"] == "Unauthorized"


def test_unsupported_methods_answer_json_405(auth_client):
    r = auth_client.put("/api/memories/name", {"value": "v"}, format="json")
    assert r.status_code == 405
    assert r.json()["error"] == "Method not allowed"


def test_the_openapi_schema_documents_every_memory_route(auth_client):
    schema = auth_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert set(paths["/api/memories"]) >= {"get", "post"}
    assert set(paths["/api/memories/{key}"]) >= {"patch", "delete"}
    assert set(paths["/api/memories/id/{memory_id}"]) >= {"patch", "delete"}
    assert set(paths["/api/memories/preferences"]) >= {"get", "patch"}
    created = paths["/api/memories"]["post"]["responses"]
    assert set(created) >= {"201", "400", "409"}

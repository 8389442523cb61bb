"""LibreChat's own client library drives the memories API unchanged: ``createMemory``,
``getMemories``, ``updateMemory`` (with a rename through ``originalKey``), ``updateMemoryById``,
``updateMemoryPreferences``, ``deleteMemory`` and ``deleteMemoryById``, with the agent partition
in the query string, and a 409 as the client sees it (tests/librechat_client.py)."""

from __future__ import annotations

import pytest

from messages_app.models import Memory, MemoryPreference
from tests.factories import MemoryFactory
from tests.librechat_client import access_token, run_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_whole_memory_lifecycle_through_the_real_client(live_server, user):
    result = run_client(
        live_server.url,
        """
        const created = await dataService.createMemory({ key: "city", value: "Lisbon" });
        const agents = await dataService.createMemory({
          key: "tone", value: "Formal", agentId: "agent_1" });
        const renamed = await dataService.updateMemory("home_city", "Porto", "city");
        const byId = await dataService.updateMemoryById(
          agents.memory._id, "Casual", undefined, "agent_1");
        const listed = await dataService.getMemories();
        const prefs = await dataService.updateMemoryPreferences({ memories: false });
        const goneByKey = await dataService.deleteMemory("home_city");
        const goneById = await dataService.deleteMemoryById(agents.memory._id, "agent_1");
        const empty = await dataService.getMemories();
        return {
          created: [created.created, created.memory.key, created.memory.value],
          agentId: agents.memory.agentId,
          renamed: [renamed.updated, renamed.memory.key, renamed.memory.value,
                    renamed.memory._id === created.memory._id],
          byId: [byId.updated, byId.memory.value],
          listed: listed.memories.map((m) => [m.key, m.value, m.agentId || null]),
          totals: [listed.totalTokens > 0, listed.tokenLimit, typeof listed.usagePercentage],
          prefs, goneByKey, goneById,
          empty: empty.memories,
        };
        """,
        token=access_token(user),
    )
    assert result.ok, result
    assert result.value == {
        "created": [True, "city", "Lisbon"],
        "agentId": "agent_1",
        "renamed": [True, "home_city", "Porto", True],
        "byId": [True, "Casual"],
        "listed": [["tone", "Casual", "agent_1"], ["home_city", "Porto", None]],
        "totals": [True, 10000, "number"],
        "prefs": {"updated": True, "preferences": {"memories": False}},
        "goneByKey": {"deleted": True},
        "goneById": {"deleted": True},
        "empty": [],
    }
    assert not Memory.objects.exists()
    assert MemoryPreference.objects.get(user=user).memories is False


def test_the_client_sees_409_for_an_existing_key(live_server, user):
    MemoryFactory(user=user, key="city", value="Lisbon")
    result = run_client(
        live_server.url,
        'return await dataService.createMemory({ key: "city", value: "Porto" });',
        token=access_token(user),
    )
    assert not result.ok
    assert (result.status, result.data) == (409, {"error": "Memory with this key already exists"})
    assert list(Memory.objects.values_list("value", flat=True)) == ["Lisbon"]

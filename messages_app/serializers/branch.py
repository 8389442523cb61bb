"""``POST /api/messages/branch``: one agent's parts of a parallel reply as a new sibling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from chatcore.errors import InvalidInput
from chatcore.schema_examples import MESSAGE_ID, request_example

BRANCH_FIELDS_REQUIRED = "messageId and agentId are required"


@request_example({"messageId": MESSAGE_ID, "agentId": "agent_research"})
class MessageBranchInputSerializer(serializers.Serializer):
    """Every problem answers LibreChat's one sentence (its client shows no field detail)."""

    messageId = serializers.CharField(source="message_id")
    agentId = serializers.CharField(source="agent_id")

    def to_internal_value(self, data: Any) -> dict[str, str]:
        values = data if isinstance(data, Mapping) else {}
        message_id, agent_id = values.get("messageId"), values.get("agentId")
        if not (
            isinstance(message_id, str) and message_id and isinstance(agent_id, str) and agent_id
        ):
            raise InvalidInput(BRANCH_FIELDS_REQUIRED)
        if len(agent_id) > 255:
            raise InvalidInput(BRANCH_FIELDS_REQUIRED, message="agentId is too long")
        return {"message_id": message_id, "agent_id": agent_id}

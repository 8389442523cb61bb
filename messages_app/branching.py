"""Parallel-agent branching as a pure function over content parts
(docs/api-behaviour.md#branch).

In a parallel-agent run one assistant message interleaves parts written by several agents,
each tagged with ``agentId`` (and usually ``groupId``). Branching keeps one agent's parts as a
new sibling message. The rules live here, free of the ORM, so every error case is unit-tested.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

MESSAGE_HAS_NO_CONTENT = "Message does not have content"
NO_ATTRIBUTED_CONTENT = "Message does not have parallel content with attributions"
NO_CONTENT_FOR_AGENT = "No content found for the specified agentId"

# Keys that only make sense inside the parallel response; the branch drops them.
ATTRIBUTION_KEYS = ("agentId", "groupId")


class BranchError(ValueError):
    """The message cannot be branched; ``str(exc)`` is the client-facing sentence."""


def branch_parts(parts: Sequence[Mapping[str, Any]], agent_id: str) -> list[dict[str, Any]]:
    """Deep copies of the parts written by ``agent_id``, in order, without attribution keys.

    Raises ``BranchError`` when the message has no parts, when no part is attributed to any
    agent (not a parallel response), or when none belongs to ``agent_id``.
    """
    if not parts:
        raise BranchError(MESSAGE_HAS_NO_CONTENT)
    if not any(part.get("agentId") for part in parts):
        raise BranchError(NO_ATTRIBUTED_CONTENT)
    kept = []
    for part in parts:
        if part.get("agentId") != agent_id:
            continue
        clone = copy.deepcopy(dict(part))
        for key in ATTRIBUTION_KEYS:
            clone.pop(key, None)
        kept.append(clone)
    if not kept:
        raise BranchError(NO_CONTENT_FOR_AGENT)
    return kept

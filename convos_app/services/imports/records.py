"""What every format converter produces: plain records the one import service writes in bulk.

Converters never touch the database; they turn one source conversation into an
``ImportedConversation`` (or raise ``SkipConversation`` with a reason the user can read). The
service then mints new ids, remaps parents and writes. Keeping the two apart lets each format be
tested without a database and lets the writer stay the same for every door (HTTP, manage.py,
admin).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chatcore.models import NO_PARENT
from chatcore.validators import text_problem
from convos_app.models import PROJECT_NAME_MAX_LENGTH
from messages_app.trees import TreeNode, topological_order

DEFAULT_CONVERSATION_MODEL = "gpt-4o-mini"
DEFAULT_TITLE = "Imported Chat"
ONE_MS = timedelta(milliseconds=1)


class SkipConversation(Exception):
    """This source conversation cannot be converted; the rest of the file still imports."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ImportedFeedback:
    rating: str
    tag: str | None = None
    text: str | None = None
    comment_key: str = "text"


@dataclass
class ImportedMessage:
    """One message with its *source* ids; the service mints the stored ids."""

    source_id: str
    source_parent_id: str | None
    text: str
    is_created_by_user: bool
    sender: str
    created_at: datetime
    updated_at: datetime | None = None
    endpoint: str | None = None
    model: str | None = None
    content: list[dict[str, Any]] = field(default_factory=list)
    feedback: ImportedFeedback | None = None
    columns: dict[str, Any] = field(default_factory=dict)  # other Message columns
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportedConversation:
    title: str
    created_at: datetime
    updated_at: datetime
    endpoint: str | None
    model: str | None
    messages: list[ImportedMessage]
    settings: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, Any] = field(default_factory=dict)  # other Conversation columns
    tags: list[str] = field(default_factory=list)
    project: str | None = None  # the project's name (chatcore's own exports carry it)


# --- helpers shared by the converters ------------------------------------------------------------
def from_epoch(value: Any) -> datetime | None:
    """Seconds since the epoch (ChatGPT, Open WebUI) as an aware datetime; None when unusable."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def from_iso(value: Any) -> datetime | None:
    """An ISO-8601 string (LibreChat, Claude) or epoch milliseconds as an aware datetime."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_epoch(value / 1000)
    if not isinstance(value, str) or not value:
        return None
    raw = value.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def json_block(value: Any) -> str:
    """A pretty-printed ```json fenced block, as LibreChat renders content it cannot read."""
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n```"


def enforce_parent_order(messages: Iterable[ImportedMessage]) -> None:
    """A child is never stored before its parent: a child older than its parent moves to parent+1ms.

    Walks parents before children with the tree walker's rules (``messages_app.trees``: the
    list may come in any order, missing parents make roots, a cycle is broken at its oldest
    message exactly as the service will store it), so a whole chain shifts consistently. Equal
    timestamps are left alone so an export of our own data round-trips.
    """
    items = list(messages)
    by_id = {m.source_id: m for m in items}
    nodes = [TreeNode(m.source_id, m.source_parent_id or NO_PARENT) for m in items]
    for node in topological_order(nodes):
        if node.parent == NO_PARENT:
            continue
        child, parent = by_id[node.id], by_id[node.parent]
        if child.created_at < parent.created_at:
            child.created_at = parent.created_at + ONE_MS
    for message in items:
        if message.updated_at is None or message.updated_at < message.created_at:
            message.updated_at = message.created_at


def project_name_clean(value: Any) -> str | None:
    """A project name from a file: trimmed and cut to the column, or None when unusable."""
    if not isinstance(value, str):
        return None
    name = value.strip()[:PROJECT_NAME_MAX_LENGTH].strip()
    return name if name and text_problem(name) is None else None

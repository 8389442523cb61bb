"""When a temporary chat expires: one rule for every path that makes one
(docs/api-behaviour.md#temporary-chats)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings


def temporary_expiry(now: datetime) -> datetime:
    """``now`` plus ``TEMP_CHAT_RETENTION_HOURS`` (default 720, clamped to 1..8,760)."""
    hours = min(max(int(settings.TEMP_CHAT_RETENTION_HOURS), 1), 8760)
    return now + timedelta(hours=hours)

"""Conversation import: format detection, one converter per export format, one service.

Formats: ``librechat`` (and chatcore's own JSON export), ``chatgpt``, ``claude``,
``chatbotui`` (v1-v4), ``openwebui``. Everything enters through ``conversations_import``.
"""

from .detection import FORMATS, NO_CONVERSATIONS, NOT_JSON, UNSUPPORTED, TimeBudgetReader
from .service import (
    IMPORT_SUCCESS,
    NOTHING_IMPORTED,
    NOTHING_TO_IMPORT,
    ImportProgress,
    ImportResult,
    SkippedConversation,
    conversations_import,
)

__all__ = [
    "FORMATS",
    "IMPORT_SUCCESS",
    "NOTHING_IMPORTED",
    "NOTHING_TO_IMPORT",
    "NOT_JSON",
    "NO_CONVERSATIONS",
    "UNSUPPORTED",
    "ImportProgress",
    "ImportResult",
    "SkippedConversation",
    "TimeBudgetReader",
    "conversations_import",
]

"""Conversation import: format detection, one converter per export format, one service.

Formats: ``librechat`` (and chatcore's own JSON export), ``chatgpt``, ``claude``,
``chatbotui`` (v1-v4), ``openwebui``. Everything enters through ``conversations_import``.
"""

from .detection import FORMATS, NO_CONVERSATIONS, NOT_JSON, UNSUPPORTED
from .service import (
    IMPORT_SUCCESS,
    NOTHING_IMPORTED,
    ImportProgress,
    ImportResult,
    SkippedConversation,
    conversations_import,
)

__all__ = [
    "FORMATS",
    "IMPORT_SUCCESS",
    "NOTHING_IMPORTED",
    "NOT_JSON",
    "NO_CONVERSATIONS",
    "UNSUPPORTED",
    "ImportProgress",
    "ImportResult",
    "SkippedConversation",
    "conversations_import",
]

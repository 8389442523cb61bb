"""Conversation export: LibreChat JSON (recursive tree), Markdown and CSV, written as a stream.

One entry module (``service``) serves every door; reading is ``loading``; each format is its
own module. What the doors use is importable from here.
"""

from .csv_format import CSV_COLUMNS
from .loading import ExportProgress
from .service import (
    EXPORT_FORMATS,
    ExportFile,
    conversation_export_file,
    conversations_export,
    export_chunks,
)

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_FORMATS",
    "ExportFile",
    "ExportProgress",
    "conversation_export_file",
    "conversations_export",
    "export_chunks",
]

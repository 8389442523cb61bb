"""The export entry points behind every door: ``manage.py export_conversations``, ``GET
/api/convos/:id/export`` and the admin's "export selected" action.

Each format is a module (``librechat`` JSON, ``markdown``, ``csv_format``) that turns one
loaded conversation into text pieces; this module streams them for any number of
conversations, so nothing is held whole in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from chatcore.errors import ConversationNotFound, InvalidInput
from chatcore.models import User
from convos_app.models import Conversation

from .csv_format import CSV_COLUMNS, csv_line, csv_rows
from .librechat import json_document
from .loading import ExportProgress, iter_loaded
from .markdown import markdown_document

EXPORT_FORMATS = ("json", "markdown", "csv")
CONTENT_TYPES = {
    "json": "application/json",
    "markdown": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
EXTENSIONS = {"json": "json", "markdown": "md", "csv": "csv"}


def _check_format(export_format: str) -> None:
    if export_format not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of: {', '.join(EXPORT_FORMATS)}")


def export_chunks(
    *,
    conversations: Iterable[Conversation],
    export_format: str,
    single: bool = False,
    progress: Callable[[ExportProgress], None] | None = None,
) -> Iterator[str]:
    """Text chunks of the export. ``single`` writes one JSON object instead of an array."""
    _check_format(export_format)
    done_messages = 0
    if export_format == "json" and not single:
        yield "["
    elif export_format == "csv":
        yield csv_line(CSV_COLUMNS)
    for done_conversations, loaded in enumerate(iter_loaded(conversations), start=1):
        if export_format == "json":
            if done_conversations > 1 and not single:
                yield ",\n"
            yield from json_document(loaded)
        elif export_format == "markdown":
            if done_conversations > 1:
                yield "\n---\n\n"
            yield from markdown_document(loaded)
        else:
            for row in csv_rows(loaded):
                yield csv_line(row)
        done_messages += len(loaded.messages)
        if progress is not None:
            progress(ExportProgress(done_conversations, done_messages))
    if export_format == "json" and not single:
        yield "]\n"
    elif export_format == "json":
        yield "\n"


def conversations_export(
    *,
    user: User,
    out: IO[str],
    export_format: str = "json",
    conversation_ids: Sequence[str] | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
) -> ExportProgress:
    """Write the user's conversations (all, or the given ids) to ``out``; unknown ids are 404,
    named in the message (at most ten), before anything is written."""
    queryset = Conversation.objects.for_user(user)
    if conversation_ids:
        queryset = queryset.filter(conversation_id__in=list(conversation_ids))
        found = set(queryset.values_list("conversation_id", flat=True))
        missing = [cid for cid in conversation_ids if cid not in found]
        if missing:
            raise ConversationNotFound(message=", ".join(missing[:10]))
    total = ExportProgress(0, 0)

    def track(step: ExportProgress) -> None:
        nonlocal total
        total = step
        if progress is not None:
            progress(step)

    for chunk in export_chunks(conversations=queryset, export_format=export_format, progress=track):
        out.write(chunk)
    return total


def export_filename(conversation: Conversation, export_format: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", conversation.title).strip("-")[:60] or "conversation"
    return f"{slug}-{conversation.conversation_id}.{EXTENSIONS[export_format]}"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    chunks: Iterator[str]


def conversation_export_file(*, user: User, conversation_id: str, export_format: str) -> ExportFile:
    """One conversation as a downloadable file (the HTTP door); 404 for unknown or foreign ids.

    The lookup happens now, so a 404 is raised before any byte is streamed.
    """
    _check_format(export_format)
    conversation = Conversation.objects.access(user, conversation_id)
    return ExportFile(
        filename=export_filename(conversation, export_format),
        content_type=CONTENT_TYPES[export_format],
        chunks=export_chunks(
            conversations=[conversation], export_format=export_format, single=True
        ),
    )

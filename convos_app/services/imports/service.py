"""The one import service behind all three doors (HTTP, ``manage.py``, admin).

``conversations_import`` detects the format from the content, streams the file one conversation at a
time, converts each with its format module, mints new ids, remaps parents and writes in
``COPY`` batches — all inside **one** transaction, so a crash, a kill or a database error
leaves nothing behind (docs/api-behaviour.md#import). A conversation that cannot be converted is
skipped and reported; a file that is not JSON, not a known format, or yields no conversation at all
imports nothing and raises ``InvalidInput``.

Repair policy for hostile trees, documented here because the formats say nothing about it: a
parent id that is missing from the conversation or equal to the message's own id makes the
message a root, and a cycle is broken at its oldest message, which becomes a root (the root rule
of ``messages_app.trees``); a duplicated message id inside one conversation skips that
conversation; NUL characters, lone surrogates, NaN numbers and over-deep JSON skip it too
(PostgreSQL would refuse them). Every stored id is server-generated and owned by the importer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chatcore.bulk_copy import RowCopy, reserve_pks
from chatcore.errors import InvalidInput
from chatcore.models import NO_PARENT, User, new_public_id, new_public_ids
from chatcore.validators import json_value_problem
from convos_app.models import Conversation, Project
from convos_app.search import index_conversations
from convos_app.services.projects import projects_by_name
from convos_app.services.usage import with_token_count
from messages_app.models import ContentPart, Feedback, Message
from messages_app.rows import content_part_values, message_values
from messages_app.search_indexes import SEARCHABLE_PART_TYPES
from messages_app.trees import TreeNode, topological_order
from tags_app.services import tag_links_add_new

from . import chatbotui, chatgpt, claude, librechat, openwebui
from .detection import FORMATS, detect, iter_conversations, shape_for
from .hooks import after_conversations_imported
from .records import ImportedConversation, SkipConversation

IMPORT_SUCCESS = "Conversation(s) imported successfully"
NOTHING_IMPORTED = "No conversation in the file could be imported"
NOTHING_TO_IMPORT = "Nothing to import: the file contains no messages"

_CONVERTERS: dict[str, Callable[..., ImportedConversation]] = {
    "librechat": librechat.convert,
    "chatgpt": lambda raw, now: chatgpt.convert(raw),
    "claude": claude.convert,
    "chatbotui": chatbotui.convert,
    "openwebui": openwebui.convert,
}


@dataclass(frozen=True)
class SkippedConversation:
    index: int
    title: str
    reason: str


@dataclass(frozen=True)
class ImportProgress:
    conversations: int
    messages: int
    skipped: int
    bytes_read: int
    bytes_total: int | None


@dataclass(frozen=True)
class ImportResult:
    format: str
    conversations: int
    messages: int
    skipped: tuple[SkippedConversation, ...]
    conversation_ids: tuple[str, ...]
    dry_run: bool = False
    message: str = IMPORT_SUCCESS


@dataclass
class _Pending:
    conversation: dict[str, Any]  # the conversation's column values, by attribute name
    source: ImportedConversation


@dataclass
class _Copies:
    """One ``RowCopy`` per written model, prepared once per file."""

    conversations: RowCopy = field(default_factory=lambda: RowCopy(Conversation, with_pk=True))
    messages: RowCopy = field(default_factory=lambda: RowCopy(Message, with_pk=True))
    parts: RowCopy = field(default_factory=lambda: RowCopy(ContentPart))
    feedback: RowCopy = field(default_factory=lambda: RowCopy(Feedback))


@dataclass
class _Writer:
    """Buffers converted conversations and writes them set-based, a batch at a time: the keys
    of the batch's conversations and messages are reserved in one statement, then each table
    gets one ``COPY`` of plain rows (no model instances: ``chatcore.bulk_copy``), and the
    search documents are built from the same values."""

    user: User
    batch_messages: int
    pending: list[_Pending] = field(default_factory=list)
    pending_messages: int = 0
    conversations: int = 0
    messages: int = 0
    public_ids: list[str] = field(default_factory=list)
    tags: dict[int, list[str]] = field(default_factory=dict)  # conversation pk -> its labels
    projects: dict[str, Project] = field(default_factory=dict)  # project name -> the user's
    copies: _Copies = field(default_factory=_Copies)

    def add(self, source: ImportedConversation) -> None:
        project = self._project(source.project) if source.project else None
        conversation = {
            "project_id": project.pk if project is not None else None,
            "user_id": self.user.pk,
            "conversation_id": new_public_id(),
            "title": source.title,
            "endpoint": source.endpoint,
            "model": source.model,
            "settings": source.settings,
            "created_at": source.created_at,
            "updated_at": source.updated_at,
            **source.columns,
        }
        self.pending.append(_Pending(conversation, source))
        self.pending_messages += len(source.messages) + 1
        if self.pending_messages >= self.batch_messages:
            self.flush()

    def _project(self, name: str) -> Project | None:
        """The importer's project of that (cleaned) name, created once per file if missing."""
        if name not in self.projects:
            self.projects.update(projects_by_name(user=self.user, names=[name]))
        return self.projects.get(name)

    def flush(self) -> None:
        if not self.pending:
            return
        copies = self.copies
        conversation_pks, message_pks = reserve_pks(
            [
                (Conversation, len(self.pending)),
                (Message, sum(len(item.source.messages) for item in self.pending)),
            ]
        )
        conversation_rows: list[tuple[Any, ...]] = []
        conversations: list[Conversation] = []
        for item, conversation_pk in zip(self.pending, conversation_pks, strict=True):
            values = item.conversation
            values["id"] = conversation_pk
            conversation_rows.append(copies.conversations.row(values))
            conversation = Conversation(**values)
            conversation.search_tag_names = []  # tags are linked (and indexed) by link_tags
            conversations.append(conversation)
            if item.source.tags:
                self.tags[conversation_pk] = item.source.tags
            self.public_ids.append(values["conversation_id"])
        copies.conversations.copy(conversation_rows)
        parts: list[tuple[Any, ...]] = []
        feedback: list[tuple[Any, ...]] = []
        documents: list[dict[str, Any]] = []  # each message's values, for its search document
        # The message rows are built while they stream: the server stores the first ones
        # while the next are being built.
        written = copies.messages.copy(
            self._message_rows(conversation_pks, message_pks, parts, feedback, documents)
        )
        if parts:
            copies.parts.copy(parts)
        if feedback:
            copies.feedback.copy(feedback)
        after_conversations_imported(
            user=self.user,
            conversation_pks=conversation_pks,
            conversations=conversations,
            messages=documents,
        )
        self.conversations += len(conversation_rows)
        self.messages += written
        self.pending = []
        self.pending_messages = 0

    def _message_rows(
        self,
        conversation_pks: list[int],
        message_pks: list[int],
        parts: list[tuple[Any, ...]],
        feedback: list[tuple[Any, ...]],
        documents: list[dict[str, Any]],
    ) -> Iterator[tuple[Any, ...]]:
        """The pending messages' rows, with their content parts' and feedback rows and their
        search documents' values collected on the side."""
        copies = self.copies
        user_id = self.user.pk
        next_message_pk = iter(message_pks).__next__
        searchable = set(SEARCHABLE_PART_TYPES)
        message_defaults = {
            name: copies.messages.default(name) for name in ("is_temporary", "expired_at")
        }
        for item, conversation_pk in zip(self.pending, conversation_pks, strict=True):
            messages = item.source.messages
            ids = dict(
                zip((m.source_id for m in messages), new_public_ids(len(messages)), strict=True)
            )
            parents = _repaired_parents(item.source, ids)
            for message in messages:
                pk = next_message_pk()
                row = message_values(
                    message_id=ids[message.source_id],
                    parent_message_id=parents[message.source_id],
                    sender=message.sender,
                    text=message.text,
                    is_created_by_user=message.is_created_by_user,
                    endpoint=message.endpoint,
                    model=message.model,
                    created_at=message.created_at,
                    updated_at=message.updated_at,
                    extra=message.extra,
                    **message.columns,
                )
                row["id"] = pk
                row["user_id"] = user_id
                row["conversation_id"] = conversation_pk
                yield copies.messages.row(row)
                texts: list[str] = []
                for index, payload in enumerate(message.content):
                    part = content_part_values(index=index, payload=payload)
                    part["user_id"] = user_id
                    part["message_id"] = pk
                    parts.append(copies.parts.row(part))
                    if part["type"] in searchable:
                        texts.append(part["text"])
                if message.feedback is not None:
                    rating = message.feedback
                    feedback.append(
                        copies.feedback.row(
                            {
                                "user_id": user_id,
                                "message_id": pk,
                                "rating": rating.rating,
                                "tag": rating.tag,
                                "text": rating.text,
                                "comment_key": rating.comment_key,
                            }
                        )
                    )
                documents.append({**message_defaults, **row, "search_part_texts": texts})

    def link_tags(self) -> None:
        """Tag every written conversation through the tags service (normalised labels, exact
        counts), once for the whole file, and re-index the tagged ones: their documents were
        written before they had tags."""
        tag_links_add_new(user=self.user, names_by_conversation=self.tags)
        index_conversations(list(self.tags))


def _repaired_parents(source: ImportedConversation, ids: Mapping[str, str]) -> dict[str, str]:
    """New parent id per source message, by the tree walker's rules: a missing, own or
    ``NO_PARENT`` parent makes a root, and a cycle is broken at its oldest message."""
    nodes = [TreeNode(m.source_id, m.source_parent_id or NO_PARENT) for m in source.messages]
    return {
        node.id: NO_PARENT if node.parent == NO_PARENT else ids[node.parent]
        for node in topological_order(nodes)
    }


def _check(source: ImportedConversation) -> None:
    seen: set[str] = set()
    max_text = settings.CHATCORE_MAX_TEXT_CHARS
    for message in source.messages:
        if message.source_id in seen:
            raise SkipConversation(f"Duplicate message id {message.source_id}")
        seen.add(message.source_id)
        if len(message.text) > max_text:
            raise SkipConversation(
                f"Message {message.source_id} is longer than {max_text} characters"
            )
    problem = json_value_problem(
        [
            source.title,
            source.settings,
            source.columns,
            source.tags,
            [
                (m.text, m.sender, m.model, m.endpoint, m.content, m.extra, m.columns)
                for m in source.messages
            ],
            [(f.tag, f.text) for f in (m.feedback for m in source.messages) if f is not None],
        ],
        max_depth=settings.CHATCORE_MAX_JSON_DEPTH + 3,
    )
    if problem:
        raise SkipConversation(problem)


def _title_of(raw: Any) -> str:
    if isinstance(raw, Mapping):
        for key in ("title", "name"):
            if isinstance(raw.get(key), str):
                return raw[key][:200]
    return ""


def _stream_size(stream: IO[bytes]) -> int | None:
    try:
        position = stream.tell()
        size = stream.seek(0, 2)
        stream.seek(position)
        return size
    except (OSError, AttributeError):
        return None


def conversations_import(
    *,
    user: User,
    stream: IO[bytes],
    file_format: str = "auto",
    dry_run: bool = False,
    progress: Callable[[ImportProgress], None] | None = None,
    batch_messages: int = 5000,
) -> ImportResult:
    """Import every convertible conversation of one export file for ``user``, atomically.

    ``dry_run`` does all the work, including the writes, and then rolls the transaction back,
    so it reports exactly what a real run would (constraint failures included).
    """
    if file_format == "auto":
        fmt, shape = detect(stream)
    else:
        fmt, shape = file_format, shape_for(stream, file_format)
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown format {fmt!r}")
    convert = _CONVERTERS[fmt]
    total = _stream_size(stream)
    now = timezone.now()
    skipped: list[SkippedConversation] = []
    writer = _Writer(user=user, batch_messages=batch_messages)
    seen_messages = 0
    with transaction.atomic():
        for index, source, skip in _converted(stream, shape, convert, now):
            if source is None:
                skipped.append(skip)
                continue
            writer.add(source)
            seen_messages += len(source.messages)
            if progress is not None:
                progress(
                    ImportProgress(
                        conversations=index + 1 - len(skipped),
                        messages=seen_messages,
                        skipped=len(skipped),
                        bytes_read=_tell(stream),
                        bytes_total=total,
                    )
                )
        writer.flush()
        if writer.conversations == 0:
            reason = skipped[0].reason if skipped else None
            raise InvalidInput(NOTHING_IMPORTED, message=reason)
        if writer.messages == 0:  # docs/api-behaviour.md#import
            raise InvalidInput(NOTHING_TO_IMPORT)
        writer.link_tags()
        if dry_run:
            transaction.set_rollback(True)
    return ImportResult(
        format=fmt,
        conversations=writer.conversations,
        messages=writer.messages,
        skipped=tuple(skipped),
        conversation_ids=tuple(writer.public_ids),
        dry_run=dry_run,
    )


def _converted(
    stream: IO[bytes], shape: str, convert: Callable[..., ImportedConversation], now: Any
) -> Iterator[tuple[int, ImportedConversation | None, SkippedConversation | None]]:
    """Each source conversation of the file, converted, checked and with its messages' token
    counts (``index, conversation, None``), or the reason it is skipped
    (``index, None, skipped``)."""
    for index, raw in enumerate(iter_conversations(stream, shape)):
        try:
            source = convert(raw, now=now)
            _check(source)
        except SkipConversation as exc:
            yield index, None, SkippedConversation(index, _title_of(raw), exc.reason)
            continue
        for message in source.messages:
            message.columns = with_token_count(message.columns, message.text, message.model)
        yield index, source, None


def _tell(stream: IO[bytes]) -> int:
    try:
        return stream.tell()
    except (OSError, AttributeError):
        return 0


__all__: Sequence[str] = (
    "IMPORT_SUCCESS",
    "NOTHING_IMPORTED",
    "NOTHING_TO_IMPORT",
    "ImportProgress",
    "ImportResult",
    "SkippedConversation",
    "conversations_import",
)

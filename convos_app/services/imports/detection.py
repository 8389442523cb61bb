"""Which export a file is, decided from its content, and a bounded streaming walk over its
conversations (docs/api-behaviour.md#import-parse-bounds).

An import file is hostile until proven otherwise, so nothing here trusts its shape:

- **Every byte passes through ``BoundedReader``** before the JSON parser sees it. It tracks
  strings while it hands bytes on and refuses a string (or any other token) longer than
  ``CHATCORE_IMPORT_MAX_STRING_BYTES``: the parser buffers a whole token before it says
  anything, and its cost grows with the square of the token's length.
- **Values are built from the parser's basic events** (``ijson.basic_parse``, the yajl2 C
  backend), not with ``ijson.items``: that one keeps the full path of every open container,
  which costs memory with the square of the depth. The builder counts depth as it goes and
  refuses the file past the limit before anything deeper is built. LibreChat's ``messagesTree``
  nests each reply two levels under its parent (``children``), so those two levels are
  counted against ``CHATCORE_IMPORT_MAX_TREE_DEPTH`` and everything else against
  ``CHATCORE_MAX_JSON_DEPTH`` plus the few levels an export's own structure takes.
- **Detection reads a prefix**: an array's first element, or an object's top-level keys up to
  ``DETECTION_PREFIX_BYTES``; the walk then streams the file once, one conversation at a time,
  so memory follows the largest conversation, not the file.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from typing import IO, Any

import ijson
from django.conf import settings

from chatcore.errors import InvalidInput, PayloadTooLarge

FORMATS = ("librechat", "chatgpt", "claude", "chatbotui", "openwebui")
NOT_JSON = "The file is not valid JSON"
UNSUPPORTED = (
    "Unsupported import format: expected a LibreChat, ChatGPT, Claude.ai, Chatbot UI "
    "or Open WebUI export"
)
NO_CONVERSATIONS = "The file contains no conversations"
UNDETECTED = "The format could not be told from the start of the file"
IMPORT_TOO_SLOW = "The import did not finish in time; nothing was imported"
_BOM = b"\xef\xbb\xbf"
_BLANK = b" \t\r\n"
# Levels an export's own structure takes above a message's content (file array, conversation,
# messages, message, content array, part, ...), on top of CHATCORE_MAX_JSON_DEPTH.
STRUCTURE_DEPTH = 10
# How much of an object file detection may read before it gives up.
DETECTION_PREFIX_BYTES = 1024 * 1024
# The parser's read size: a token spanning reads is re-scanned per read, so bigger is cheaper.
READ_SIZE = 1024 * 1024
_CHILDREN = "children"
_STRING_BODY = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)


def too_deep_message() -> str:
    return f"JSON nesting is deeper than {max_depth()} levels"


def too_long_message() -> str:
    return (
        f"The file contains a value longer than {settings.CHATCORE_IMPORT_MAX_STRING_BYTES} bytes"
    )


def max_depth() -> int:
    return settings.CHATCORE_MAX_JSON_DEPTH + STRUCTURE_DEPTH


class BoundedReader:
    """A read-only view of ``stream`` that refuses overlong tokens before the parser gets them.

    It follows the JSON text a chunk at a time (inside or outside a string, a pending escape),
    in C-speed regex and ``bytes.find`` steps: a string's length, and the run of bytes between
    two strings (numbers, literals, whitespace, brackets), are each bounded by
    ``CHATCORE_IMPORT_MAX_STRING_BYTES``. Seeking restarts the scan (only the start of the JSON
    text is ever sought). ``limit`` stops reading after that many bytes (detection's prefix).
    """

    def __init__(self, stream: IO[bytes], *, limit: int | None = None) -> None:
        self.stream = stream
        self.max_token = settings.CHATCORE_IMPORT_MAX_STRING_BYTES
        self.remaining = limit
        self._reset()

    def _reset(self) -> None:
        self.in_string = False
        self.escaped = False
        self.run = 0  # bytes of the current string, or since the last string ended

    def seek(self, offset: int, whence: int = 0) -> int:
        self._reset()
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        return self.stream.tell()

    def read(self, size: int = -1) -> bytes:
        if self.remaining is not None:
            if self.remaining <= 0:
                return b""
            size = self.remaining if size < 0 else min(size, self.remaining)
        chunk = self.stream.read(size)
        if self.remaining is not None:
            self.remaining -= len(chunk)
        self._scan(chunk)
        return chunk

    def _scan(self, chunk: bytes) -> None:
        pos, end = 0, len(chunk)
        while pos < end:
            if self.in_string:
                if self.escaped:  # the byte after a backslash that ended the last chunk
                    self.escaped = False
                    pos += 1
                    self.run += 1
                    continue
                stop = _STRING_BODY.match(chunk, pos).end()  # type: ignore[union-attr]
                self.run += stop - pos
                if self.run > self.max_token:
                    break
                pos = stop
                if pos < end:
                    if chunk[pos] == 0x22:  # the closing quote
                        self.in_string = False
                        self.run = 0
                    else:  # a backslash as the chunk's last byte
                        self.escaped = True
                        self.run += 1
                    pos += 1
            else:
                quote = chunk.find(b'"', pos)
                stop = end if quote < 0 else quote
                self.run += stop - pos
                if self.run > self.max_token:
                    break
                pos = stop
                if quote >= 0:
                    self.in_string = True
                    self.run = 0
                    pos += 1
            if self.run > self.max_token:
                break
        if self.run > self.max_token:
            raise InvalidInput(too_long_message())


class TimeBudgetReader:
    """``stream`` for as long as ``seconds`` allow: the synchronous import path reads (and
    writes between reads) within its budget and answers 413 past it, the transaction rolled
    back (docs/api-behaviour.md#import-limits). The budget counts from the first read."""

    def __init__(self, stream: IO[bytes], *, seconds: float) -> None:
        self.stream = stream
        self.seconds = seconds
        self.deadline: float | None = None

    def read(self, size: int = -1) -> bytes:
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + self.seconds
        elif now >= self.deadline:
            raise PayloadTooLarge(
                IMPORT_TOO_SLOW,
                message=(
                    f"The synchronous import stops after {self.seconds:g} seconds; import a file "
                    "this large with manage.py import_conversations"
                ),
            )
        return self.stream.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        return self.stream.tell()


def _json_error(exc: Exception) -> InvalidInput:
    lines = str(exc).strip().splitlines()
    return InvalidInput(NOT_JSON, message=lines[0][:200] if lines else None)


def _events(stream: IO[bytes], offset: int, *, limit: int | None = None) -> Iterator[tuple]:
    """The parser's basic events for the JSON text at ``offset``, through ``BoundedReader``.
    With ``limit``, a text that is still open after that many bytes is ``UNDETECTED``."""
    reader = BoundedReader(stream, limit=limit)
    reader.seek(offset)
    try:
        yield from ijson.basic_parse(reader, use_float=True, buf_size=READ_SIZE)
    except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
        if reader.remaining == 0:
            raise InvalidInput(UNDETECTED, message=f"Read the first {limit} bytes") from exc
        raise _json_error(exc) from exc


def _values_at(events: Iterator[tuple], path: tuple[str, ...]) -> Iterator[Any]:
    """Every complete value at ``path`` ("item" = an array element, else a map key), built one
    at a time with the depth bounds of the module docstring."""
    limit = max_depth()
    tree_limit = settings.CHATCORE_IMPORT_MAX_TREE_DEPTH
    base = len(path)
    # Containers outside the value being built: their kind and the key of the current child.
    outer: list[list[Any]] = []
    for event, value in events:
        if event == "map_key":
            outer[-1][1] = value
            continue
        if event in ("end_map", "end_array"):
            outer.pop()
            continue
        here = tuple("item" if kind == "array" else key for kind, key in outer)
        if here != path:
            if event in ("start_map", "start_array"):
                if len(outer) >= tree_limit:
                    raise InvalidInput(too_deep_message())
                outer.append(["map" if event == "start_map" else "array", None])
            continue
        if event not in ("start_map", "start_array"):
            yield value
            continue
        yield _build(event, events, base=base, limit=limit, tree_limit=tree_limit)


def _build(first: str, events: Iterator[tuple], *, base: int, limit: int, tree_limit: int) -> Any:
    """The value that ``first`` (a start event) opens, from the following events.

    ``hops`` counts the levels LibreChat's ``children`` trees take (an array under a
    ``children`` key and the maps directly in it): they are bounded by the tree limit, every
    other level by ``limit``."""
    root: Any = {} if first == "start_map" else []
    # Each open container: [container, key of the child being read, is a tree hop]
    stack: list[list[Any]] = [[root, None, False]]
    hops = 0
    for event, value in events:
        top = stack[-1]
        if event == "map_key":
            top[1] = value
            continue
        if event in ("end_map", "end_array"):
            if stack.pop()[2]:
                hops -= 1
            if not stack:
                return root
            continue
        parent = top[0]
        if event == "start_map":
            child: Any = {}
            hop = top[2] and isinstance(parent, list)  # a node inside a children array
        elif event == "start_array":
            child = []
            hop = isinstance(parent, dict) and top[1] == _CHILDREN
        else:
            child, hop = value, False
        if isinstance(parent, dict):
            parent[top[1]] = child
        else:
            parent.append(child)
        if event in ("start_map", "start_array"):
            hops += hop
            stack.append([child, None, hop])
            if base + len(stack) - hops > limit or base + len(stack) > tree_limit:
                raise InvalidInput(too_deep_message())
    raise InvalidInput(NOT_JSON)  # the events ended inside the value: a truncated file


def _start(stream: IO[bytes]) -> tuple[int, bytes]:
    """Offset of the JSON text (after a BOM) and its first non-blank byte."""
    stream.seek(0)
    head = stream.read(3)
    offset = 3 if head == _BOM else 0
    stream.seek(offset)
    while True:
        chunk = stream.read(65536)
        if not chunk:
            raise InvalidInput(NOT_JSON, message="The file is empty")
        stripped = chunk.lstrip(_BLANK)
        if stripped:
            return offset, stripped[:1]


def classify_item(item: Any) -> str | None:
    """The format an array element (or a whole object) belongs to, or None."""
    if not isinstance(item, Mapping):
        return None
    if "chat_messages" in item:
        return "claude"
    if "mapping" in item or ("create_time" in item and "title" in item):
        return "chatgpt"
    chat = item.get("chat")
    if isinstance(chat, Mapping) and "history" in chat:
        return "openwebui"
    if "conversationId" in item and ("messagesTree" in item or "messages" in item):
        return "librechat"
    if isinstance(item.get("messages"), list) and ("name" in item or "model" in item):
        return "chatbotui"
    return None


def _scan_object(stream: IO[bytes], offset: int) -> str | None:
    """The format of an object file from its top-level keys, reading at most
    ``DETECTION_PREFIX_BYTES``; nested values are walked past, never built."""
    keys: dict[str, str] = {}
    depth = 0
    key = None
    for event, value in _events(stream, offset, limit=DETECTION_PREFIX_BYTES):
        if event in ("start_map", "start_array"):
            if depth == 1 and key is not None:
                keys[key] = event
            depth += 1
            if depth > settings.CHATCORE_IMPORT_MAX_TREE_DEPTH:
                raise InvalidInput(too_deep_message())
        elif event in ("end_map", "end_array"):
            depth -= 1
        elif depth == 1 and event == "map_key":
            key = value
            keys[value] = "scalar"
        if "conversationId" in keys and ("messagesTree" in keys or "messages" in keys):
            return "librechat"
        if keys.get("history") == "start_array" and ("version" in keys or "folders" in keys):
            return "chatbotui"
        if depth == 0 and event == "end_map":
            return None
    return None


def detect(stream: IO[bytes]) -> tuple[str, str]:
    """``(format, shape)``; shape is ``array``, ``history`` (Chatbot UI object) or ``single``."""
    offset, first = _start(stream)
    if first == b"[":
        first_item = next(_values_at(_events(stream, offset), ("item",)), None)
        if first_item is None:
            raise InvalidInput(NO_CONVERSATIONS)
        fmt = classify_item(first_item)
        if fmt is None:
            raise InvalidInput(UNSUPPORTED)
        return fmt, "array"
    if first == b"{":
        fmt = _scan_object(stream, offset)
        if fmt is None:
            raise InvalidInput(UNSUPPORTED)
        return fmt, ("history" if fmt == "chatbotui" else "single")
    # A valid JSON scalar is JSON but no export; anything else is not JSON.
    for _ in _events(stream, offset):
        pass
    raise InvalidInput(UNSUPPORTED)


def shape_for(stream: IO[bytes], fmt: str) -> str:
    """The shape of a file whose format the operator forced (``--format``)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown format {fmt!r}; expected one of: auto, {', '.join(FORMATS)}")
    _, first = _start(stream)
    if first == b"[":
        return "array"
    if first == b"{":
        return "history" if fmt == "chatbotui" else "single"
    raise InvalidInput(NOT_JSON)


def iter_conversations(stream: IO[bytes], shape: str) -> Iterator[Any]:
    """Yield each source conversation, fully built, one at a time."""
    offset, _ = _start(stream)
    path = {"array": ("item",), "history": ("history", "item"), "single": ()}[shape]
    yield from _values_at(_events(stream, offset), path)

"""Which export a file is, decided from its content, and a streaming walk over its conversations.

Detection reads as little as it can: the first non-blank byte says array or object; for an
array only the first element is built; for an object only the top-level keys are scanned. The
walk then streams the file with ``ijson`` (the yajl2 C backend), building one conversation at a
time, so memory follows the largest conversation, not the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

import ijson

from chatcore.errors import InvalidInput

FORMATS = ("librechat", "chatgpt", "claude", "chatbotui", "openwebui")
NOT_JSON = "The file is not valid JSON"
UNSUPPORTED = (
    "Unsupported import format: expected a LibreChat, ChatGPT, Claude.ai, Chatbot UI "
    "or Open WebUI export"
)
NO_CONVERSATIONS = "The file contains no conversations"
_BOM = b"\xef\xbb\xbf"
_BLANK = b" \t\r\n"


def _json_error(exc: Exception) -> InvalidInput:
    lines = str(exc).strip().splitlines()
    return InvalidInput(NOT_JSON, message=lines[0][:200] if lines else None)


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
    stream.seek(offset)
    keys: dict[str, str] = {}
    depth = 0
    try:
        for prefix, event, value in ijson.parse(stream, use_float=True):
            if event in ("start_map", "start_array"):
                if depth == 1 and prefix in keys:
                    keys[prefix] = event
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
            elif depth == 1 and event == "map_key":
                keys[value] = "scalar"
            if "conversationId" in keys and ("messagesTree" in keys or "messages" in keys):
                return "librechat"
            if keys.get("history") == "start_array" and ("version" in keys or "folders" in keys):
                return "chatbotui"
    except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
        raise _json_error(exc) from exc
    return None


def detect(stream: IO[bytes]) -> tuple[str, str]:
    """``(format, shape)``; shape is ``array``, ``history`` (Chatbot UI object) or ``single``."""
    offset, first = _start(stream)
    if first == b"[":
        stream.seek(offset)
        try:
            first_item = next(iter(ijson.items(stream, "item", use_float=True)), None)
        except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
            raise _json_error(exc) from exc
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
    stream.seek(offset)
    try:
        for _ in ijson.parse(stream, use_float=True):
            pass
    except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
        raise _json_error(exc) from exc
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
    stream.seek(offset)
    path = {"array": "item", "history": "history.item", "single": ""}[shape]
    try:
        yield from ijson.items(stream, path, use_float=True)
    except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
        raise _json_error(exc) from exc

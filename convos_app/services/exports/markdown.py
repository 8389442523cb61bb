"""The Markdown export: the current branch of each conversation, as a chat UI shows it.

The current branch is the path from the root to the newest message
(``messages_app.trees.direct_path``); a message with siblings is noted ("Branch 2 of 3") so a
reader knows other branches exist, and the header counts them. Content parts read as a chat UI
shows them, never as JSON dumps (docs/api-behaviour.md#export): thinking as a quote, images as
``![](url)``, tool calls as one line naming the tool and its arguments with the output quoted
below (cut at ``TOOL_OUTPUT_CHARS``), other parts by their text or as a one-line note.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from chatcore.serializers import iso
from messages_app.models import ContentPart, Message
from messages_app.trees import direct_path

from .loading import LoadedConversation


def _current_branch(loaded: LoadedConversation) -> list[Message]:
    """Root-to-leaf path ending at the newest message (what a chat UI shows by default)."""
    if not loaded.messages:
        return []
    by_id = {m.message_id: m for m in loaded.messages}
    newest = max(loaded.messages, key=lambda m: (m.created_at, m.pk))
    return [by_id[message_id] for message_id in direct_path(loaded.nodes(), newest.message_id)]


TOOL_OUTPUT_CHARS = 2_000
TOOL_ARGS_CHARS = 300


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def _image_url(payload: Mapping[str, Any]) -> str | None:
    image = payload.get("image_url")
    url = image.get("url") if isinstance(image, Mapping) else image
    return url if isinstance(url, str) and url else None


def _tool_args(args: Any) -> str:
    """``{"query": "tides"}`` → ``query: "tides"``; anything else as short text."""
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except ValueError:
            return args[:TOOL_ARGS_CHARS]
    if isinstance(args, Mapping):
        shown = ", ".join(
            f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in args.items()
        )
        return shown[:TOOL_ARGS_CHARS]
    return "" if args is None else str(args)[:TOOL_ARGS_CHARS]


def _tool_markdown(payload: Mapping[str, Any]) -> str:
    call = payload.get("tool_call")
    call = call if isinstance(call, Mapping) else {}
    name = call.get("name") if isinstance(call.get("name"), str) else "tool"
    line = f"**Tool call** `{name}`"
    args = _tool_args(call.get("args"))
    if args:
        line += f" · {args}"
    output = call.get("output")
    if isinstance(output, str) and output.strip():
        text = output if len(output) <= TOOL_OUTPUT_CHARS else output[:TOOL_OUTPUT_CHARS] + "…"
        return _quoted(line + "\n\n" + text)
    return _quoted(line)


def _part_markdown(part: ContentPart) -> str | None:
    payload = part.payload if isinstance(part.payload, dict) else {}
    if part.type == "text":
        return None  # the message text already holds it
    if part.type == "think":
        return "> **Thinking**\n" + _quoted(part.text or "")
    if part.type == "image_url":
        url = _image_url(payload)
        return f"![]({url})" if url else None
    if part.type == "tool_call":
        return _tool_markdown(payload)
    if part.text:
        return part.text
    return f"_({part.type} part)_"


def markdown_document(loaded: LoadedConversation) -> Iterator[str]:
    convo = loaded.conversation
    tree = loaded.tree()
    path = _current_branch(loaded)
    lines = [
        f"# {convo.title}",
        "",
        f"- Conversation: `{convo.conversation_id}`",
        f"- Endpoint / model: {convo.endpoint or '-'} / {convo.model or '-'}",
        f"- Created: {iso(convo.created_at)} · Updated: {iso(convo.updated_at)}",
    ]
    if loaded.tags:
        lines.append(f"- Tags: {', '.join(loaded.tags)}")
    off_branch = len(loaded.messages) - len(path)
    lines.append(
        f"- Messages: {len(loaded.messages)} ({len(path)} on the current branch"
        + (f", {off_branch} on other branches" if off_branch else "")
        + ")"
    )
    yield "\n".join(lines) + "\n"
    for message in path:
        siblings = tree.siblings(message.message_id)
        who = "User" if message.is_created_by_user else (message.sender or "Assistant")
        heading = f"\n## {who} · {iso(message.created_at)}"
        if message.model and not message.is_created_by_user:
            heading += f" · {message.model}"
        out = [heading, ""]
        if len(siblings) > 1:
            position = siblings.index(message.message_id) + 1
            out += [f"_Branch {position} of {len(siblings)} at this point._", ""]
        for part in loaded.parts.get(message.pk, []):
            rendered = _part_markdown(part)
            if rendered:
                out += [rendered, ""]
        out.append(message.text)
        feedback = loaded.feedback.get(message.pk)
        if feedback is not None:
            note = f"_Feedback: {feedback.rating}"
            note += f" ({feedback.tag})" if feedback.tag else ""
            note += f" — {feedback.text}" if feedback.text else ""
            out += ["", note + "_"]
        yield "\n".join(out) + "\n"

"""The Markdown export: the current branch of each conversation, as a chat UI shows it.

The current branch is the path from the root to the newest message
(``messages_app.trees.direct_path``); a message with siblings is noted ("Branch 2 of 3") so a
reader knows other branches exist, and the header counts them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from messages_app.models import ContentPart, Message
from messages_app.trees import direct_path

from .loading import LoadedConversation, iso


def _current_branch(loaded: LoadedConversation) -> list[Message]:
    """Root-to-leaf path ending at the newest message (what a chat UI shows by default)."""
    if not loaded.messages:
        return []
    by_id = {m.message_id: m for m in loaded.messages}
    newest = max(loaded.messages, key=lambda m: (m.created_at, m.pk))
    return [by_id[message_id] for message_id in direct_path(loaded.nodes(), newest.message_id)]


def _part_markdown(part: ContentPart) -> str | None:
    payload = part.payload if isinstance(part.payload, dict) else {}
    if part.type == "text":
        return None  # the message text already holds it
    if part.type == "think":
        lines = (part.text or "").splitlines() or [""]
        return "> **Thinking**\n" + "\n".join(f"> {line}" for line in lines)
    return f"```json\n{json.dumps(payload, indent=2, ensure_ascii=False)}\n```"


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

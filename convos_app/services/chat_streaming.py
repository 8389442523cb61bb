"""Server-Sent Events for ``POST /api/chats/{chatId}/messages/stream``
(docs/api-behaviour.md#reply-streaming).

Events, each ``event: <name>`` plus one JSON ``data:`` line:
- ``start``: ``{"chatId", "message": <the stored user message>, "responseModel"}``;
- ``content``: ``{"delta": "<text>"}`` per chunk of the reply;
- ``tool_call``: ``{"id", "toolName", "args"}`` when the model asks for a tool (recorded in the
  reply's ``toolUses``; chatcore runs no tools, so it never sends ``tool_result``);
- ``end``: ``{"data": {...user message..., "response": {...assistant message...}}}``, the same
  body the non-streaming endpoint answers with 201;
- ``error``: ``{"error", "message", "response"}``; ``response`` is the stored partial reply
  (``error: true``) or null when the provider failed before its first token, in which case the
  user message is kept, marked ``error``, as in the 502 of the non-streaming endpoint.

The generator runs after the view has returned (synchronous WSGI: same worker thread), with no
transaction open while it waits on the provider. When the client disconnects, the WSGI server
closes the response, Python raises ``GeneratorExit`` at the pending ``yield``, and the text
received so far is stored with ``unfinished: true`` — nothing is lost and the user message is
not left without its reply.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from chatcore.ai.base import ProviderError, StreamEnd, TextDelta, ToolCall, ToolUse, Usage
from chatcore.errors import INTERNAL_ERROR
from convos_app.models import UsageRecord
from convos_app.serializers.chats import chat_message_representation, chat_reply_representation
from convos_app.services import chat_replies as services

logger = logging.getLogger("convos_app.chats")
STREAM = UsageRecord.Kind.STREAM


def sse(event: str, data: Any) -> bytes:
    """One SSE frame; JSON never contains a raw newline, so one ``data:`` line suffices."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def reply_events(plan: services.ReplyPlan) -> Iterator[bytes]:
    """The SSE body of one streamed reply (see the module docstring)."""
    chunks: list[str] = []
    tools: list[ToolUse] = []
    usage: Usage | None = None
    finish_reason: str | None = None
    stored = False
    events = plan.provider.stream(
        model=plan.spec, system=plan.prompt.system, turns=plan.prompt.turns, options=plan.options
    )
    try:
        start = {
            "chatId": plan.conversation.conversation_id,
            "message": chat_message_representation(
                services.chat_message_record_get(user=plan.user, pk=plan.user_message_pk)
            ),
            "responseModel": plan.spec.id,
        }
        yield sse("start", start)
        try:
            for event in events:
                if isinstance(event, TextDelta):
                    chunks.append(event.text)
                    yield sse("content", {"delta": event.text})
                elif isinstance(event, ToolCall):
                    tools.append(event.tool_use)
                    tool = event.tool_use
                    yield sse(
                        "tool_call", {"id": tool.id, "toolName": tool.name, "args": tool.args}
                    )
                elif isinstance(event, StreamEnd):
                    usage, finish_reason = event.usage, event.finish_reason
        except ProviderError as exc:
            failure = services.provider_failure(plan, exc)
            response = None
            if chunks or tools:
                reply = services.reply_store(
                    plan, text="".join(chunks), tool_uses=tools, error=True, kind=STREAM
                )
                response = chat_message_representation(reply.response)
            else:
                services.reply_failed(plan, kind=STREAM)
            stored = True
            yield sse(
                "error", {"error": failure.error, "message": failure.message, "response": response}
            )
            return
        reply = services.reply_store(
            plan,
            text="".join(chunks),
            usage=usage,
            finish_reason=finish_reason,
            tool_uses=tools,
            kind=STREAM,
        )
        stored = True
        yield sse("end", chat_reply_representation(reply))
    except GeneratorExit:
        # The client went away: stop the provider stream and keep what was said so far.
        events.close()
        if not stored:
            _store_quietly(plan, chunks, tools, unfinished=True)
        raise
    except Exception:
        logger.exception("chat stream failed")
        events.close()
        if not stored:
            _store_quietly(plan, chunks, tools, error=True)
        yield sse("error", {"error": INTERNAL_ERROR, "response": None})


def _store_quietly(
    plan: services.ReplyPlan,
    chunks: list[str],
    tools: list[ToolUse],
    *,
    unfinished: bool = False,
    error: bool = False,
) -> None:
    try:
        services.reply_store(
            plan,
            text="".join(chunks),
            tool_uses=tools,
            unfinished=unfinished,
            error=error,
            kind=STREAM,
        )
    except Exception:
        logger.exception("partial chat reply not stored")

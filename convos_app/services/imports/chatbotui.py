"""Chatbot UI exports, v1 to v4.

v1 is a bare array of conversations; v2 is ``{history, folders}``; v3 and v4 add ``version``
(and v4 ``prompts``). Each conversation is ``{id, name, model: {id}, messages: [{role,
content}]}``: a linear chain, user messages from ``user``, replies from ``assistant`` with
LibreChat's fixed sender ``GPT-3.5`` and the conversation's model id; other roles are ignored.
The export carries no timestamps, so the conversation is dated at import time and messages
1 ms apart in order. Folders and prompts are not conversations and are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chatcore.models import NO_PARENT

from .records import (
    DEFAULT_CONVERSATION_MODEL,
    DEFAULT_TITLE,
    ONE_MS,
    ImportedConversation,
    ImportedMessage,
    SkipConversation,
)

ENDPOINT = "openAI"
ASSISTANT_SENDER = "GPT-3.5"


def convert(raw: Any, *, now: Any) -> ImportedConversation:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("messages"), list):
        raise SkipConversation("Conversation has no messages list")
    model_info = raw.get("model")
    model_id = model_info.get("id") if isinstance(model_info, Mapping) else None
    reply_model = model_id if isinstance(model_id, str) and model_id else "gpt-3.5-turbo"
    messages: list[ImportedMessage] = []
    parent = NO_PARENT
    moment = now
    for index, item in enumerate(raw["messages"]):
        if not isinstance(item, Mapping) or item.get("role") not in ("user", "assistant"):
            continue
        content = item.get("content")
        text = content if isinstance(content, str) else ""
        is_user = item["role"] == "user"
        source_id = f"chatbotui-{index}"
        messages.append(
            ImportedMessage(
                source_id=source_id,
                source_parent_id=parent,
                text=text,
                is_created_by_user=is_user,
                sender="user" if is_user else ASSISTANT_SENDER,
                created_at=moment,
                updated_at=moment,
                endpoint=ENDPOINT,
                model=DEFAULT_CONVERSATION_MODEL if is_user else reply_model,
            )
        )
        parent = source_id
        moment = moment + ONE_MS
    name = raw.get("name")
    return ImportedConversation(
        title=name if isinstance(name, str) and name else DEFAULT_TITLE,
        created_at=now,
        updated_at=now,
        endpoint=ENDPOINT,
        model=DEFAULT_CONVERSATION_MODEL,
        messages=messages,
    )

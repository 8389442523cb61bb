"""Example request bodies Swagger shows (``/api/docs/``) and schemathesis sends in its examples
phase (tests/test_fuzz_schema.py): real-looking values a client can send as they are, not
drf-spectacular's ``"string"``. One helper, ``request_example``, and the ids every example
shares, so the examples of one conversation read as one conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer

if TYPE_CHECKING:
    from collections.abc import Callable

# Lowercase hyphenated UUIDs, as LibreChat's client generates ids (chatcore.serializers.is_uuid).
CONVERSATION_ID = "8f3b2a61-4c0d-4e9a-b7d2-5a1c9e0f6b34"
MESSAGE_ID = "c2d4e6f8-1a3b-4c5d-9e7f-0a2b4c6d8e1f"
PARENT_MESSAGE_ID = "5e7a9c1b-3d2f-4a6e-8b0c-7d9f1e3a5c2b"
PROJECT_ID = "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"
CHAT_ID = "a7c1e3f5-2b4d-4f6a-8c0e-1d3f5a7c9e2b"
SHARE_ID = "d1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a"
WORKFLOW_ID = "0e6f8a2c-4b1d-4c3e-9a5f-7b8c9d0e1f2a"
QUESTION = "How do I reverse a list in Python?"
ANSWER = "Use slicing: `items[::-1]` returns a reversed copy; `items.reverse()` reverses in place."


def request_example(
    value: Any, *, summary: str = "", media_type: str = "application/json"
) -> Callable[[type], type]:
    """Class decorator for an input serializer: ``value`` becomes the example of every request
    body it describes (request only: an answer has its own shape)."""
    return extend_schema_serializer(
        examples=[
            OpenApiExample(
                "example",
                value=value,
                summary=summary,
                request_only=True,
                media_type=media_type,
            )
        ]
    )

"""Export: JSON round-trips through the importer losslessly (timestamps to the millisecond, the
precision every timestamp is written in); Markdown and CSV are readable."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from chatcore.errors import NotFound
from chatcore.models import NO_PARENT
from chatcore.tokens import count_tokens
from convos_app.models import Conversation
from convos_app.services.exports import CSV_COLUMNS, conversations_export
from convos_app.services.imports import conversations_import
from messages_app.models import Message
from tags_app.models import Tag
from tests.factories import (
    ContentPartFactory,
    ConversationFactory,
    FeedbackFactory,
    MessageFactory,
)
from tests.test_import_formats import FIXTURES


def rich_conversation(user) -> Conversation:
    """A branched tree with parts, both feedback styles, settings, tags and odd text."""
    start = timezone.now().replace(microsecond=123456) - timedelta(days=3)
    convo = ConversationFactory(
        user=user,
        title="Round trip \u202e ok 👩‍👩‍👧",
        endpoint="anthropic",
        model="claude-sonnet-4",
        settings={"temperature": 0.3, "promptPrefix": "Be brief.", "chatGptLabel": None},
        icon_url="https://icons.example/a.png",
        is_archived=True,
        created_at=start,
        updated_at=start + timedelta(hours=2),
        tags=["work", "later"],
    )

    def add(parent, offset, **kwargs):
        return MessageFactory(
            conversation=convo,
            parent_message_id=parent.message_id if parent else NO_PARENT,
            created_at=start + timedelta(seconds=offset),
            updated_at=start + timedelta(seconds=offset + 1),
            **kwargs,
        )

    root = add(None, 1, text="Question \ufeff with BOM", sender="User", token_count=5)
    first = add(
        root,
        2,
        is_created_by_user=False,
        sender="Claude",
        model="claude-sonnet-4",
        text="First answer",
        token_count=12,
        cost=Decimal("0.00012345"),
        finish_reason="stop",
        metadata={"usage": {"input": 5}},
        extra={"isEdited": True, "clientId": "c-1"},
    )
    second = add(root, 3, is_created_by_user=False, sender="Claude", text="Regenerated")
    follow = add(first, 4, text="Follow-up\u2028line", sender="User")
    add(follow, 5, is_created_by_user=False, sender="Claude", text="Deep reply", unfinished=True)
    ContentPartFactory(
        message=first, index=0, type="think", text="hmm", payload={"type": "think", "think": "hmm"}
    )
    ContentPartFactory(message=first, index=1, type="text", text="First answer")
    ContentPartFactory(
        message=first,
        index=2,
        type="tool_call",
        text="",
        payload={"type": "tool_call", "tool_call": {"id": "t1", "name": "search", "args": "{}"}},
    )
    FeedbackFactory(message=first, rating="thumbsUp", tag="accurate_reliable", text="great")
    FeedbackFactory(
        message=second, rating="thumbsDown", tag=None, text="meh", comment_key="comment"
    )
    return convo


def to_ms(moment: datetime) -> datetime:
    """``moment`` as the wire carries it: milliseconds, the rest cut (docs/api-behaviour.md)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def snapshot(convo: Conversation) -> dict:
    """Everything a user can see, with ids replaced by tree positions and timestamps at the
    wire's millisecond precision."""
    messages = list(convo.messages.order_by("created_at", "id"))
    position = {m.message_id: i for i, m in enumerate(messages)}
    rows = []
    for m in messages:
        feedback = getattr(m, "feedback", None)
        rows.append(
            {
                "parent": position.get(m.parent_message_id, "root"),
                "sender": m.sender,
                "text": m.text,
                "user": m.is_created_by_user,
                "endpoint": m.endpoint,
                "model": m.model,
                "created": to_ms(m.created_at),
                "updated": to_ms(m.updated_at),
                "tokens": m.token_count,
                "cost": m.cost,
                "finish": m.finish_reason,
                "unfinished": m.unfinished,
                "metadata": m.metadata,
                "extra": m.extra,
                "parts": list(
                    m.content_parts.order_by("index").values_list("type", "payload", "text")
                ),
                "feedback": (feedback.rating, feedback.tag, feedback.text, feedback.comment_key)
                if feedback
                else None,
            }
        )
    return {
        "title": convo.title,
        "endpoint": convo.endpoint,
        "model": convo.model,
        "settings": convo.settings,
        "icon": convo.icon_url,
        "archived": convo.is_archived,
        "created": to_ms(convo.created_at),
        "updated": to_ms(convo.updated_at),
        "tags": sorted(convo.tags.values_list("name", flat=True)),
        "messages": rows,
    }


@pytest.mark.django_db
def test_json_export_then_import_is_lossless(user, other_user):
    source = rich_conversation(user)
    out = io.StringIO()

    summary = conversations_export(user=user, out=out, export_format="json")
    assert (summary.conversations, summary.messages) == (1, 5)
    result = conversations_import(user=other_user, stream=io.BytesIO(out.getvalue().encode()))

    assert (result.format, result.conversations, result.messages) == ("librechat", 1, 5)
    copy = Conversation.objects.get(user=other_user)
    assert copy.conversation_id != source.conversation_id
    expected = snapshot(source)
    # A message exported without a token count gets one counted at import.
    for message in expected["messages"]:
        if message["tokens"] is None:
            message["tokens"] = count_tokens(message["text"], model=message["model"])
    assert snapshot(copy) == expected
    # The copy holds exactly what the file says, the source's instant cut to the millisecond.
    assert (copy.created_at, copy.updated_at) == (
        to_ms(source.created_at),
        to_ms(source.updated_at),
    )
    assert source.created_at.microsecond % 1000 != 0  # the cut was exercised
    assert not set(copy.messages.values_list("message_id", flat=True)) & set(
        source.messages.values_list("message_id", flat=True)
    )
    counts = dict(Tag.objects.filter(user=other_user).values_list("name", "count"))
    assert counts == {"work": 1, "later": 1}


@pytest.mark.django_db
def test_json_export_is_librechat_shaped_and_nested(user):
    source = rich_conversation(user)
    out = io.StringIO()
    conversations_export(user=user, out=out, conversation_ids=[source.conversation_id])

    (document,) = json.loads(out.getvalue())
    assert document["recursive"] is True and document["branches"] is True
    assert document["options"]["temperature"] == 0.3
    assert document["options"]["model"] == "claude-sonnet-4"
    (root,) = document["messagesTree"]
    assert root["parentMessageId"] == NO_PARENT
    assert [child["text"] for child in root["children"]] == ["First answer", "Regenerated"]
    first = root["children"][0]
    assert first["feedback"] == {"rating": "thumbsUp", "tag": "accurate_reliable", "text": "great"}
    assert root["children"][1]["feedback"] == {"rating": "thumbsDown", "comment": "meh"}
    assert [p["type"] for p in first["content"]] == ["think", "text", "tool_call"]
    assert first["isEdited"] is True and first["createdAt"].endswith("Z")


@pytest.mark.django_db
def test_deep_chains_export_and_import_without_recursion_limits(user, other_user):
    convo = ConversationFactory(user=user)
    start = timezone.now() - timedelta(hours=3)
    parent = NO_PARENT
    rows = []
    for i in range(3000):
        message = Message(
            user=user,
            conversation=convo,
            message_id=f"m-{i}",
            parent_message_id=parent,
            text=f"n{i}",
            created_at=start + timedelta(milliseconds=i),
            updated_at=start + timedelta(milliseconds=i),
        )
        rows.append(message)
        parent = message.message_id
    Message.objects.bulk_create(rows)
    out = io.StringIO()
    conversations_export(user=user, out=out)

    result = conversations_import(user=other_user, stream=io.BytesIO(out.getvalue().encode()))
    assert result.messages == 3000
    copy = Conversation.objects.get(user=other_user)
    assert copy.messages.filter(parent_message_id=NO_PARENT).count() == 1


@pytest.mark.django_db
def test_markdown_export_shows_the_current_branch_and_notes_the_others(user):
    rich_conversation(user)
    out = io.StringIO()
    conversations_export(user=user, out=out, export_format="markdown")

    text = out.getvalue()
    assert text.startswith("# Round trip")
    assert "- Tags: work, later" in text
    assert "- Messages: 5 (4 on the current branch, 1 on other branches)" in text
    assert "_Branch 1 of 2 at this point._" in text
    assert "Deep reply" in text and "Regenerated" not in text
    assert "> **Thinking**\n> hmm" in text
    assert "_Feedback: thumbsUp (accurate_reliable) — great_" in text


@pytest.mark.django_db
def test_csv_export_has_one_row_per_message_with_conversation_columns(user, other_user):
    source = rich_conversation(user)
    ConversationFactory(user=other_user, title="not mine")
    out = io.StringIO()
    conversations_export(user=user, out=out, export_format="csv")

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0].keys()) == list(CSV_COLUMNS)
    assert len(rows) == 5
    assert {r["conversationId"] for r in rows} == {source.conversation_id}
    first = next(r for r in rows if r["text"] == "First answer")
    assert first["contentTypes"] == "think;text;tool_call"
    assert (first["feedbackRating"], first["feedbackText"]) == ("thumbsUp", "great")
    assert first["conversationTags"] == "work;later"
    assert (
        next(r for r in rows if r["text"].startswith("Follow-up"))["text"] == "Follow-up\u2028line"
    )


@pytest.mark.django_db
def test_exporting_an_unknown_or_foreign_conversation_is_not_found(user, other_user):
    foreign = ConversationFactory(user=other_user)
    with pytest.raises(NotFound) as caught:
        conversations_export(
            user=user, out=io.StringIO(), conversation_ids=[foreign.conversation_id]
        )
    assert caught.value.error == "Conversation not found"


@pytest.mark.django_db
def test_markdown_export_renders_images_and_tool_calls_compactly(user):
    convo = ConversationFactory(user=user, title="Parts")
    prompt = MessageFactory(conversation=convo, text="What is in this picture?")
    ContentPartFactory(
        message=prompt,
        index=0,
        type="image_url",
        text="",
        payload={"type": "image_url", "image_url": {"url": "https://img.example/cat.png"}},
    )
    reply = MessageFactory(
        conversation=convo,
        parent_message_id=prompt.message_id,
        is_created_by_user=False,
        text="A cat.",
        created_at=prompt.created_at + timedelta(seconds=1),
    )
    ContentPartFactory(
        message=reply,
        index=0,
        type="tool_call",
        text="",
        payload={
            "type": "tool_call",
            "tool_call": {
                "id": "t1",
                "name": "web_search",
                "args": '{"query": "cat breeds"}',
                "output": "Sources:\n- [Cats](https://cats.example/)",
            },
        },
    )
    out = io.StringIO()
    conversations_export(user=user, out=out, export_format="markdown")

    text = out.getvalue()
    assert "![](https://img.example/cat.png)\n\nWhat is in this picture?" in text
    assert (
        '> **Tool call** `web_search` · query: "cat breeds"\n>\n'
        "> Sources:\n> - [Cats](https://cats.example/)\n\nA cat."
    ) in text
    assert "```json" not in text and '"tool_call"' not in text


@pytest.mark.django_db
def test_an_imported_browsing_chat_exports_to_readable_markdown(user):
    fixture = FIXTURES / "chatgpt" / "browsing.json"
    conversations_import(user=user, stream=io.BytesIO(fixture.read_bytes()))
    out = io.StringIO()
    conversations_export(user=user, out=out, export_format="markdown")

    text = out.getvalue()
    assert (
        '> **Tool call** `web_search` · query: "Roscoff Plymouth ferry June timetable", '
        "recency_days: 30\n>\n> Sources:\n"
        "> - [Roscoff-Plymouth timetable](https://ferries.example.com/roscoff-plymouth)\n"
    ) in text
    assert "> > Book early for July and August." in text
    assert "{" not in text.split("\n## ", 1)[1]  # no JSON below the header

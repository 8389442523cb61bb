"""Import service: every export format imports with the documented shape
(docs/api-behaviour.md#import-formats).

The export files live in ``tests/fixtures/imports/<format>/`` (see ``tests/fixtures/README.md``);
every expected count, title and text below is read off those files by hand and written out.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from chatcore.errors import InvalidInput
from chatcore.models import NO_PARENT
from convos_app.models import Conversation
from convos_app.services.imports import (
    NO_CONVERSATIONS,
    NOT_JSON,
    NOTHING_IMPORTED,
    UNSUPPORTED,
    conversations_import,
)
from convos_app.services.imports.chatgpt_browsing import BrowsingStep, tool_call_part
from messages_app.models import ContentPart, Feedback, Message
from tags_app.models import Tag, TaggedConversation
from tests.factories import TagFactory

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
ONE_MS = timedelta(milliseconds=1)


def run_import(user, name: str, **kwargs):
    """Import ``tests/fixtures/imports/<name>`` (e.g. ``"chatgpt/tree.json"``)."""
    with (FIXTURES / name).open("rb") as stream:
        return conversations_import(user=user, stream=stream, **kwargs)


def run_bytes(user, data: bytes | str | object, **kwargs):
    if not isinstance(data, bytes | str):
        data = json.dumps(data)
    raw = data.encode() if isinstance(data, str) else data
    return conversations_import(user=user, stream=io.BytesIO(raw), **kwargs)


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


def tree(conversation: Conversation) -> dict[str, list[Message]]:
    """Children by parent id, oldest first."""
    out: dict[str, list[Message]] = {}
    for message in conversation.messages.order_by("created_at", "id"):
        out.setdefault(message.parent_message_id, []).append(message)
    return out


def chain_texts(conversation: Conversation) -> list[str]:
    """Texts of a single-branch conversation, asserting each message answers the one before."""
    messages = list(conversation.messages.order_by("created_at", "id"))
    assert messages[0].parent_message_id == NO_PARENT
    for before, after in pairwise(messages):
        assert after.parent_message_id == before.message_id, after.text[:40]
    return [m.text for m in messages]


def assert_parents_precede_children(conversation: Conversation) -> None:
    by_id = {m.message_id: m for m in conversation.messages.all()}
    for message in by_id.values():
        parent = by_id.get(message.parent_message_id)
        if parent is not None:
            assert message.created_at >= parent.created_at, message.text[:40]


def parts_of(message: Message) -> list[tuple[str, dict]]:
    return list(message.content_parts.order_by("index").values_list("type", "payload"))


def tag_names(conversation: Conversation) -> list[str]:
    links = TaggedConversation.objects.filter(conversation=conversation).order_by("id")
    return list(links.values_list("tag__name", flat=True))


def unfence(block: str) -> object:
    assert block.startswith("```json\n") and block.endswith("\n```"), block[:40]
    return json.loads(block.removeprefix("```json\n").removesuffix("\n```"))


# Every fixture file and the format its content must be detected as (README.md says what each
# one exercises).
FIXTURE_FORMATS = [
    ("chatgpt/export.json", "chatgpt"),
    ("chatgpt/tree.json", "chatgpt"),
    ("chatgpt/citations.json", "chatgpt"),
    ("chatgpt/modern-export.json", "chatgpt"),
    ("chatgpt/browsing.json", "chatgpt"),
    ("librechat/recursive-export.json", "librechat"),
    ("librechat/tree.json", "librechat"),
    ("librechat/flat-branches.json", "librechat"),
    ("librechat/linear.json", "librechat"),
    ("librechat/chatcore-export.json", "librechat"),
    ("openwebui/export.json", "openwebui"),
    ("claude/export.json", "claude"),
    ("chatbotui/export-v4.json", "chatbotui"),
    ("chatbotui/export-v2.json", "chatbotui"),
]


@pytest.mark.parametrize(("name", "fmt"), FIXTURE_FORMATS)
@pytest.mark.django_db
def test_every_fixture_is_detected_from_its_content(user, name, fmt):
    assert (FIXTURES / name).stat().st_size < 16_000  # fixtures stay small and readable
    assert run_import(user, name, dry_run=True).format == fmt
    assert not Conversation.objects.filter(user=user).exists()


def test_the_fixture_list_covers_every_file_in_the_folder():
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.json")}
    assert on_disk == {name for name, _ in FIXTURE_FORMATS}


@pytest.mark.django_db
def test_chatgpt_export_imports_two_linear_conversations_with_rendered_tool_content(user):
    result = run_import(user, "chatgpt/export.json")

    assert (result.format, result.conversations, result.messages) == ("chatgpt", 2, 10)
    assert result.skipped == ()
    first = Conversation.objects.get(user=user, title="Tide tables for a Brittany trip")
    second = Conversation.objects.get(user=user, title="Haiku about autumn rain")
    assert (first.endpoint, first.model) == ("openAI", "gpt-4o-mini")
    assert first.created_at.timestamp() == pytest.approx(1711000000.25, abs=1e-3)
    # 11 mapping nodes: the null root and the hidden system node are dropped, the browser call
    # and its two results fold into the answer after them
    assert first.messages.count() == 6
    assert second.messages.count() == 4
    # a single chain: exactly one child per parent, each answering the one before
    for children in tree(first).values():
        assert len(children) == 1
    texts = chain_texts(first)
    assert texts[0] == "When is low tide at Saint-Malo next Saturday?"
    assert texts[1] == (
        "Low tide at Saint-Malo on Saturday is at 14:12, about 1.1 m above chart datum."
    )
    assert texts[-1] == "The water is lowest around 14:00 and highest near 20:30."
    users = first.messages.filter(is_created_by_user=True)
    assert users.count() == 2
    assert set(users.values_list("sender", "model").distinct()) == {("user", "gpt-4o-mini")}
    replies = first.messages.filter(is_created_by_user=False)
    assert replies.count() == 4  # python code and its output are kept as replies
    assert set(replies.values_list("sender", "model").distinct()) == {("GPT-4", "gpt-4")}
    assert not first.messages.filter(text__contains="tether").exists()
    assert not first.messages.filter(text__startswith="```unknown\nsearch(").exists()
    answer = first.messages.get(text__startswith="Low tide")
    assert [p.payload for p in answer.content_parts.order_by("index")] == [
        {
            "type": "tool_call",
            "tool_call": {
                "id": "tide-a1",
                "name": "web_search",
                "args": '{"query": "Saint-Malo tide times Saturday"}',
                "output": (
                    "> Saturday: low water 14:12 (1.1 m), high water 20:31 (12.4 m).\n"
                    "> — [Saint-Malo tide times](https://tides.example.net/saint-malo)"
                ),
            },
        },
        {"type": "text", "text": answer.text},
    ]
    python = first.messages.get(text__startswith="```python\n")
    assert python.text == (
        "```python\nimport matplotlib.pyplot as plt\nplt.plot(hours, heights)\nplt.show()\n```"
    )
    assert first.messages.filter(
        text="Execution Output:\n> <Figure size 800x400 with 1 Axes>"
    ).exists()
    # the uploaded image of a multimodal prompt is rendered as a JSON block before its text
    assert texts[2] == (
        "```json\n{\n"
        '  "content_type": "image_asset_pointer",\n'
        '  "asset_pointer": "file-service://file-HarbourChart01",\n'
        '  "size_bytes": 48213,\n'
        '  "width": 800,\n'
        '  "height": 600\n'
        "}\n``` Here is my harbour chart. Can you plot the heights hourly?"
    )
    assert set(
        second.messages.filter(is_created_by_user=False).values_list("sender", flat=True)
    ) == {"text-davinci-002-render-sha"}
    assert chain_texts(second) == [
        "Write a haiku about autumn rain.",
        "Cold rain on the roof\nthe gutter hums its one note\nmaples let go first",
        "Now one about the first snow.",
        "Footprints, then no prints\nthe street forgets who walked it\nlamps wear white collars",
    ]
    assert_parents_precede_children(first)


@pytest.mark.django_db
def test_chatgpt_browsing_folds_into_the_answer_as_compact_tool_calls(user):
    result = run_import(user, "chatgpt/browsing.json")

    assert (result.conversations, result.messages) == (1, 4)
    convo = Conversation.objects.get(user=user, title="Ferry to Plymouth")
    assert chain_texts(convo) == [
        "Which ferries sail from Roscoff to Plymouth in June?",
        "In June one ferry sails daily from Roscoff at 15:00 and reaches Plymouth at 20:00.",
        "Is there a night crossing?",
        "",  # the export ends with browsing: a turn holding only the tool call
    ]
    assert not Message.objects.filter(text__contains="{").exists()  # no raw JSON anywhere
    answer = convo.messages.get(text__startswith="In June")
    parts = [p.payload for p in answer.content_parts.order_by("index")]
    assert parts == [
        {
            "type": "tool_call",
            "tool_call": {
                "id": "ferry-c1",
                "name": "web_search",
                "args": '{"query": "Roscoff Plymouth ferry June timetable", "recency_days": 30}',
                "output": "Sources:\n"
                "- [Roscoff-Plymouth timetable](https://ferries.example.com/roscoff-plymouth)\n"
                "- [Channel crossings guide](https://travel.example.org/channel)",
            },
        },
        {
            "type": "tool_call",
            "tool_call": {
                "id": "ferry-c2",
                "name": "open_results",
                "args": '{"ids": ["0", "1"]}',
                "output": "> In June the ship leaves Roscoff daily at 15:00\n"
                "> and arrives in Plymouth at 20:00.\n"
                "> — [Roscoff-Plymouth timetable](https://ferries.example.com/roscoff-plymouth)"
                "\n\n> Book early for July and August.\n"
                "> — [Channel crossings guide](https://travel.example.org/channel)",
            },
        },
        {"type": "text", "text": answer.text},
    ]
    assert (answer.sender, answer.model) == ("GPT-4", "gpt-4")
    last = convo.messages.get(text="")
    assert [p.payload["tool_call"]["name"] for p in last.content_parts.all()] == ["open_url"]
    assert last.content_parts.get().payload["tool_call"]["output"] == (
        "Sources:\n- Night sailings (ferries.example.com)"
    )
    assert_parents_precede_children(convo)


@pytest.mark.parametrize(
    ("command", "name", "args"),
    [
        ('search("tides")', "web_search", {"query": "tides"}),
        ("mclick([1, 4])", "open_results", {"ids": ["1", "4"]}),
        ("back()", "browser", {"command": "back()"}),
        ("__import__('os').system('x')", "browser", {"command": "__import__('os').system('x')"}),
        ("search(" * 50, "browser", {"command": "search(" * 50}),
    ],
)
def test_browser_calls_become_names_and_json_args_without_running_anything(command, name, args):
    step = BrowsingStep("n1", command)
    call = tool_call_part(step)["tool_call"]
    assert (call["name"], json.loads(call["args"]), call["output"]) == (name, args, "")


@pytest.mark.django_db
def test_chatgpt_tree_keeps_both_branch_points(user):
    result = run_import(user, "chatgpt/tree.json")

    assert (result.conversations, result.messages) == (1, 10)
    convo = Conversation.objects.get(user=user)
    assert convo.title == "Naming a pet tortoise"
    children = tree(convo)
    sheldon = convo.messages.get(text="How about Sheldon?")
    # an edited prompt: two user messages under the same reply
    assert [m.text for m in children[sheldon.message_id]] == [
        "Something more elegant",
        "Something more Greek",
    ]
    ask = convo.messages.get(text="Suggest a name for my tortoise")
    # a regenerated reply: two replies to the same prompt
    assert [m.text for m in children[ask.message_id]] == [
        "How about Sheldon?",
        "What about Captain Slow?",
    ]
    assert all(not m.is_created_by_user for m in children[ask.message_id])
    greek = convo.messages.get(text="Something more Greek")
    assert [m.text for m in children[greek.message_id]] == [
        "Try Achilles, ironic for a slow walker.",
        "Try Zeno, after the paradox.",
    ]
    assert convo.messages.filter(is_created_by_user=True).count() == 4
    root = children[NO_PARENT]
    assert [m.text for m in root] == ["Suggest a name for my tortoise"]  # system root dropped
    assert not convo.messages.filter(text="Be friendly and brief.").exists()
    # a child stamped one second before its parent is moved to parent + 1 ms
    achilles = convo.messages.get(text="Try Achilles, ironic for a slow walker.")
    (picked,) = children[achilles.message_id]
    assert picked.text == "Perfect, Achilles it is"
    assert picked.created_at == achilles.created_at + ONE_MS
    assert_parents_precede_children(convo)


@pytest.mark.django_db
def test_chatgpt_citations_are_rewritten_into_links(user):
    run_import(user, "chatgpt/citations.json")

    reply = Message.objects.get(user=user, is_created_by_user=False)
    first_paragraph, second_paragraph = reply.text.split("\n\n")
    assert first_paragraph == (
        "The Créac'h lighthouse on Ushant is often cited as the most powerful in Europe"
        " ([Créac'h lighthouse - Ushant island guide](https://ushant.example.org/creach))"
        " ([Lighthouses of Brittany, ranked](https://phares.example.com/ranking))."
    )
    # a file citation is not a webpage: its marker stays; the backwards span is ignored
    assert second_paragraph == (
        "It also houses a lighthouse museum【7†source】, and the Stiff lighthouse stands on the"
        " same island ([Le Stiff - Ushant's older light](https://ushant.example.org/stiff))."
    )
    question = Message.objects.get(user=user, is_created_by_user=True)
    assert question.text == "Which lighthouse on Ushant is the most powerful?"


@pytest.mark.django_db
def test_chatgpt_modern_export_skips_the_corrupted_entry_and_hidden_context(user):
    result = run_import(user, "chatgpt/modern-export.json")

    assert (result.conversations, result.messages) == (2, 6)
    assert [(s.index, s.title, s.reason) for s in result.skipped] == [
        (1, "Half-synced chat", "Conversation has no message mapping"),
        (3, "Draft from the mobile app", "Conversation has no valid create_time"),
    ]
    dough = Conversation.objects.get(user=user, title="Sourdough starter rescue")
    # user_editable_context, model_editable_context, the thoughts, the reasoning recap and
    # the visually hidden memory note are not messages
    assert chain_texts(dough) == [
        "My starter smells like nail polish. Is it dead?",
        "Not dead, just hungry. Keep 50 g, feed it 50 g flour and 50 g water twice a day.",
        "How long until it doubles again?",
        "Usually 4 to 8 hours at 24 °C.",
    ]
    root = dough.messages.get(text="My starter smells like nail polish. Is it dead?")
    assert root.parent_message_id == NO_PARENT
    assert not Message.objects.filter(user=user, text__contains="Saved: user bakes").exists()
    answer = dough.messages.get(text__startswith="Not dead, just hungry.")
    assert (answer.model, answer.sender) == ("o4-mini", "o4-mini")
    assert parts_of(answer) == [
        (
            "think",
            {
                "type": "think",
                "think": "Acetone smell\nA hungry starter gives off acetone."
                "\n\nFeeding ratio\nSuggest discarding and feeding 1:1:1.",
            },
        ),
        ("text", {"type": "text", "text": answer.text}),
    ]
    # no model_slug on the message: the conversation's default_model_slug names it
    last = dough.messages.get(text="Usually 4 to 8 hours at 24 °C.")
    assert (last.model, last.sender) == ("gpt-5-thinking", "GPT-5-thinking")
    assert not last.content_parts.exists()
    git = Conversation.objects.get(user=user, title="Renaming a git branch")
    reply = git.messages.get(is_created_by_user=False)
    assert (reply.text, reply.model, reply.sender) == (
        "Run `git branch -m new-name` while on it.",
        "gpt-5",
        "GPT-5",
    )


@pytest.mark.django_db
def test_chatgpt_thoughts_fold_into_the_following_reply_as_a_think_part(user):
    mapping = {
        "root": {"id": "root", "message": None, "parent": None, "children": ["u"]},
        "u": {
            "message": {
                "author": {"role": "user"},
                "create_time": 1756000001.0,
                "content": {"content_type": "text", "parts": ["Why?"]},
            },
            "parent": "root",
        },
        "t": {
            "message": {
                "author": {"role": "assistant"},
                "create_time": 1756000002.0,
                "content": {
                    "content_type": "thoughts",
                    "thoughts": [{"summary": "Plan", "content": "Think it through."}],
                },
            },
            "parent": "u",
        },
        "r": {
            "message": {
                "author": {"role": "assistant"},
                "create_time": 1756000002.5,
                "content": {"content_type": "reasoning_recap", "content": "Thought for 2s"},
            },
            "parent": "t",
        },
        "a": {
            "message": {
                "author": {"role": "assistant"},
                "create_time": 1756000003.0,
                "content": {"content_type": "text", "parts": ["Because."]},
                "metadata": {"model_slug": "o3"},
            },
            "parent": "r",
        },
    }
    result = run_bytes(user, [{"title": "T", "create_time": 1756000000.0, "mapping": mapping}])

    assert result.messages == 2
    answer = Message.objects.get(user=user, text="Because.")
    question = Message.objects.get(user=user, text="Why?")
    assert answer.parent_message_id == question.message_id
    parts = list(answer.content_parts.order_by("index").values_list("type", "payload"))
    assert parts == [
        ("think", {"type": "think", "think": "Plan\nThink it through."}),
        ("text", {"type": "text", "text": "Because."}),
    ]


@pytest.mark.django_db
def test_chatbotui_export_imports_two_linear_conversations(user):
    result = run_import(user, "chatbotui/export-v4.json")

    assert (result.format, result.conversations, result.messages) == ("chatbotui", 2, 6)
    assert [(s.index, s.title, s.reason) for s in result.skipped] == [
        (2, "Unsaved draft", "Conversation has no messages list")
    ]
    # folders and prompts are not conversations
    assert Conversation.objects.filter(user=user).count() == 2
    first = Conversation.objects.get(user=user, title="What can you help me with?")
    second = Conversation.objects.get(user=user, title="Reverse a string in COBOL")
    assert (first.messages.count(), second.messages.count()) == (4, 2)
    assert (first.endpoint, first.model) == ("openAI", "gpt-4o-mini")
    replies = list(first.messages.filter(is_created_by_user=False).order_by("created_at"))
    assert replies[0].text == "I can draft emails, explain code and plan trips. What do you need?"
    assert (replies[0].sender, replies[0].model) == ("GPT-3.5", "gpt-4-1106-preview")
    cobol = second.messages.get(is_created_by_user=False)
    assert cobol.text == "```cobol\n       MOVE FUNCTION REVERSE(WS-IN) TO WS-OUT.\n```"
    assert cobol.model == "gpt-3.5-turbo"
    for children in tree(first).values():
        assert len(children) == 1
    assert chain_texts(first) == [
        "What can you help me with?",
        "I can draft emails, explain code and plan trips. What do you need?",
        "Draft a two-line out-of-office reply.",
        "I'm away until Monday with limited email.\nFor urgent issues, call the front desk.",
    ]
    # no timestamps in the export: messages are 1 ms apart, starting at the conversation
    stamps = list(first.messages.order_by("created_at").values_list("created_at", flat=True))
    assert stamps == [first.created_at + n * ONE_MS for n in range(4)]


@pytest.mark.django_db
def test_chatbotui_v2_history_object_without_version_is_detected(user):
    result = run_import(user, "chatbotui/export-v2.json")

    assert (result.format, result.conversations, result.messages) == ("chatbotui", 1, 2)
    convo = Conversation.objects.get(user=user)
    assert convo.title == "Plant watering schedule"
    reply = convo.messages.get(is_created_by_user=False)
    assert reply.text == "Every two to three weeks; let the soil dry out."
    assert (reply.sender, reply.model) == ("GPT-3.5", "gpt-3.5-turbo")  # no model in the file


@pytest.mark.django_db
def test_librechat_recursive_export_imports_options_and_first_message_time(user):
    result = run_import(user, "librechat/recursive-export.json")

    assert (result.format, result.conversations, result.messages) == ("librechat", 1, 6)
    convo = Conversation.objects.get(user=user)
    assert convo.title == "Packing list for a Lofoten hike"  # the top-level title wins
    assert (convo.endpoint, convo.model) == ("openAI", "gpt-3.5-turbo")
    assert convo.settings["temperature"] == 1
    assert convo.settings["resendFiles"] is True
    assert convo.settings["imageDetail"] == "auto"
    assert "presetId" not in convo.settings
    assert convo.conversation_id != "lofoten-source-id"
    assert not convo.messages.filter(message_id__startswith="lof-").exists()
    first = convo.messages.get(parent_message_id=NO_PARENT)
    assert first.text.startswith("What should I pack for a three-day hike in Lofoten")
    assert convo.created_at == first.created_at == at("2024-06-10T08:00:00")
    for children in tree(convo).values():
        assert len(children) == 1
    # the aborted reply (no text, no content) is dropped with the follow-up under it
    assert chain_texts(convo) == [
        "What should I pack for a three-day hike in Lofoten in June?",
        "Layers matter most: a merino base, a fleece, a waterproof shell, and sturdy boots.",
        "Do I need a tent or are there huts?",
        "Several DNT huts are on the route, but book ahead in June or carry a light tent.",
        "Thanks! And what weather should I expect?",
        "Expect 8 to 15 °C with frequent showers; pack a shell jacket and gaiters.",
    ]
    assert first.files == [
        {
            "file_id": "file-route-map",
            "filename": "route-map.pdf",
            "type": "application/pdf",
            "filepath": "/uploads/u1/route-map.pdf",
            "bytes": 20480,
        }
    ]
    layers = convo.messages.get(text__startswith="Layers matter most")
    assert (layers.sender, layers.token_count, layers.finish_reason) == ("GPT-3.5", 120, "stop")
    assert layers.extra == {"isEdited": False}  # _id, __v and user are not copied
    huts = convo.messages.get(text__startswith="Several DNT huts")
    feedback = Feedback.objects.get(message=huts)
    assert (feedback.rating, feedback.tag, feedback.text, feedback.comment_key) == (
        "thumbsUp",
        "accurate_reliable",
        "Exactly what I needed",
        "text",
    )


@pytest.mark.django_db
def test_librechat_tree_keeps_the_nested_branches(user):
    result = run_import(user, "librechat/tree.json")

    assert result.messages == 9
    convo = Conversation.objects.get(user=user)
    assert convo.title == "Why does my cron job run twice?"
    assert convo.model == "gpt-4-turbo"
    assert convo.settings["chatGptLabel"] == "Ops Buddy"
    assert convo.settings["promptPrefix"] == "You are a patient Linux sysadmin."
    assert convo.settings["temperature"] == 0.8
    children = tree(convo)
    (root,) = children[NO_PARENT]
    assert root.text == "My backup cron job runs twice every night. Why?"
    (answer,) = children[root.message_id]
    assert answer.sender == "Ops Buddy"
    assert [m.text for m in children[answer.message_id]] == ["thanks", "lol"]
    thanks = convo.messages.get(text="thanks")
    welcomes = children[thanks.message_id]
    assert [m.text for m in welcomes] == [
        "You're welcome! Good luck with the cleanup.",
        "You're welcome! If it happens again, check /etc/cron.d too.",
    ]
    continued = [m for m in welcomes if m.message_id in children]
    assert [m.text for m in continued] == [welcomes[1].text]
    (bored,) = children[continued[0].message_id]
    assert bored.text == "do you ever get bored of cron questions"
    assert [m.text for m in children[bored.message_id]] == ["Never. Every crontab tells a story."]
    lol = convo.messages.get(text="lol")
    (smile,) = children[lol.message_id]
    assert smile.text == "Glad that made you smile."
    # exported 20 s before the message it answers: moved to parent + 1 ms
    assert smile.created_at == lol.created_at + ONE_MS == at("2024-05-02T10:02:00.001")
    assert_parents_precede_children(convo)


@pytest.mark.django_db
def test_librechat_flat_branched_export_keeps_parent_links(user):
    result = run_import(user, "librechat/flat-branches.json")

    assert result.messages == 5
    convo = Conversation.objects.get(user=user)
    assert (convo.title, convo.model, convo.endpoint) == (
        "Bedtime story about a lighthouse keeper",
        "gpt-4o",
        "azureOpenAI",
    )
    story = convo.messages.get(text="tell me a bedtime story")
    short_story = convo.messages.get(text="tell me a short bedtime story")  # the edited prompt
    assert story.parent_message_id == NO_PARENT
    assert short_story.parent_message_id == NO_PARENT
    kids = {m.text[:30] for m in convo.messages.filter(parent_message_id=story.message_id)}
    assert kids == {"Once upon a time, on a rock fa", "Long ago, when lamps still bur"}
    (other,) = convo.messages.filter(parent_message_id=short_story.message_id)
    assert other.text == (
        "Ysolde lit the lamp, the ships passed safely, and she slept at dawn. The end."
    )
    incomplete = convo.messages.get(text__startswith="Once upon a time")
    assert (incomplete.finish_reason, incomplete.token_count) == ("incomplete", 18)
    # no createdAt on the export: the first message dates the conversation
    assert convo.created_at == convo.updated_at == at("2024-11-20T20:08:55.014")


@pytest.mark.django_db
def test_librechat_linear_export_is_a_strict_chain(user):
    result = run_import(user, "librechat/linear.json")

    assert result.messages == 2
    convo = Conversation.objects.get(user=user)
    assert (convo.title, convo.endpoint) == ("Haiku about a commuter train", "azureOpenAI")
    first, second = convo.messages.order_by("created_at", "id")
    assert first.parent_message_id == NO_PARENT  # parentMessageId null in the file
    assert second.parent_message_id == first.message_id
    assert (first.text, first.sender) == ("write a haiku about the 7:12 commuter train", "User")
    assert (second.sender, second.model) == ("GPT-4", "gpt-4o")


@pytest.mark.django_db
def test_chatcore_export_restores_tags_archive_flag_parts_and_feedback(user):
    travel = TagFactory(user=user, name="travel", position=3)

    result = run_import(user, "librechat/chatcore-export.json")

    assert (result.format, result.conversations, result.messages) == ("librechat", 1, 2)
    convo = Conversation.objects.get(user=user)
    assert (convo.title, convo.endpoint, convo.model) == (
        "Ferry times across the fjord",
        "anthropic",
        "claude-sonnet-4",
    )
    assert convo.is_archived is True
    assert convo.icon_url == "https://icons.example.com/claude.png"
    assert convo.settings == {"thinking": True, "thinkingBudget": 2000}
    assert (convo.created_at, convo.updated_at) == (
        at("2025-02-27T18:00:00"),
        at("2025-02-28T07:30:00"),
    )
    assert tag_names(convo) == ["travel", "norway"]
    travel.refresh_from_db()
    assert travel.count == 1  # the existing tag is reused, not duplicated
    norway = Tag.objects.get(user=user, name="norway")
    assert (norway.count, norway.position) == (1, 4)  # appended after the user's last tag
    question, reply = convo.messages.order_by("created_at")
    assert question.attachments == [
        {
            "file_id": "file-timetable",
            "filename": "timetable.png",
            "type": "image/png",
            "width": 640,
            "height": 480,
        }
    ]
    assert not question.content_parts.exists()  # "content": [] is no part
    assert reply.parent_message_id == question.message_id
    assert parts_of(reply) == [
        ("think", {"type": "think", "think": "The timetable image lists 23:10 as the final run."}),
        ("text", {"type": "text", "text": "The last departure from Stranda is at 23:10."}),
    ]
    think = ContentPart.objects.get(message=reply, type="think")
    assert think.text == "The timetable image lists 23:10 as the final run."
    assert (reply.token_count, reply.metadata) == (14, {"stop_reason": "end_turn"})
    feedback = Feedback.objects.get(message=reply)
    assert (feedback.rating, feedback.tag, feedback.text, feedback.comment_key) == (
        "thumbsDown",
        "not_matched",
        "The winter timetable says 22:40",
        "comment",
    )


@pytest.mark.django_db
def test_openwebui_export_turns_reasoning_and_tool_details_into_parts(user):
    result = run_import(user, "openwebui/export.json")

    assert (result.format, result.conversations, result.messages) == ("openwebui", 4, 12)
    assert [(s.index, s.title, s.reason) for s in result.skipped] == [
        (4, "Broken sync", "Chat has no history.messages")
    ]
    reasoning = Conversation.objects.get(user=user, title="Mental math with reasoning")
    assert reasoning.model == "deepseek-r1"
    reply = reasoning.messages.get(is_created_by_user=False)
    assert reply.text == "1081"
    assert (reply.sender, reply.model) == ("deepseek-r1", "deepseek-r1")
    think = ContentPart.objects.get(message=reply, type="think")
    assert think.text == "23 * 47 = 23 * 50 - 23 * 3\n= 1150 - 69 = 1081"
    assert [t for t, _ in parts_of(reply)] == ["think", "text"]
    tool = Conversation.objects.get(user=user, title="Weather lookup with a tool")
    tool_reply = tool.messages.get(is_created_by_user=False)
    assert tool_reply.text == "Yes: 11 °C with light rain in Bergen."
    call = ContentPart.objects.get(message=tool_reply, type="tool_call").payload["tool_call"]
    assert call == {  # from the structured output list
        "id": "call_bergen",
        "name": "get_weather",
        "args": '{"city": "Bergen"}',
        "output": "Bergen: 11C, light rain",
    }
    legacy = Conversation.objects.get(user=user, title="Legacy tool block")
    question = legacy.messages.get(is_created_by_user=True)
    answer = legacy.messages.get(is_created_by_user=False)
    assert answer.parent_message_id == question.message_id
    assert question.created_at.timestamp() == 1718002000
    assert answer.text == "It is 12:00 UTC."
    legacy_call = ContentPart.objects.get(message=answer, type="tool_call").payload["tool_call"]
    assert legacy_call == {  # only the <details> attributes: the result stays JSON-quoted
        "id": "call_clock",
        "name": "get_time",
        "args": '{"tz": "UTC"}',
        "output": '"2024-06-10T12:00:00Z"',
    }


@pytest.mark.django_db
def test_openwebui_export_keeps_branches_tags_and_the_archive_flag(user):
    run_import(user, "openwebui/export.json")

    dinner = Conversation.objects.get(user=user, title="Quick dinner ideas")
    assert dinner.messages.count() == 6  # the system message is not imported
    assert not dinner.messages.filter(text="You are a home cook.").exists()
    children = tree(dinner)
    assert [m.text for m in children[NO_PARENT]] == [
        "Give me a quick dinner idea",
        "Also, a dessert?",  # its parent was deleted before the export: now a root
    ]
    ask = dinner.messages.get(text="Give me a quick dinner idea")
    assert [(m.text, m.sender) for m in children[ask.message_id]] == [
        ("Shakshuka: eggs poached in a spiced tomato sauce.", "llama3.1:8b"),
        ("A chickpea and spinach curry, ready in 20 minutes.", "qwen2.5:7b"),
    ]
    shakshuka = dinner.messages.get(text__startswith="Shakshuka")
    (no_eggs,) = children[shakshuka.message_id]
    assert no_eggs.text == "Without eggs, please"
    assert [m.text for m in children[no_eggs.message_id]] == [
        "Then swap the eggs for crumbled feta."
    ]
    assert dinner.is_archived is True
    assert tag_names(dinner) == ["cooking", "quick"]
    math = Conversation.objects.get(user=user, title="Mental math with reasoning")
    assert math.is_archived is False
    assert tag_names(math) == ["math"]
    counts = dict(Tag.objects.filter(user=user).values_list("name", "count"))
    assert counts == {"math": 1, "cooking": 1, "quick": 1}


@pytest.mark.django_db
def test_claude_export_is_linear_with_thinking_parts(user):
    result = run_import(user, "claude/export.json")

    assert (result.format, result.conversations, result.messages) == ("claude", 2, 6)
    assert [(s.index, s.title, s.reason) for s in result.skipped] == [
        (2, "Orphaned project chat", "Conversation has no chat_messages list")
    ]
    convo = Conversation.objects.get(user=user, title="Proofreading a cover letter")
    assert (convo.endpoint, convo.model) == ("anthropic", None)
    # the empty assistant turn is dropped; the next message answers the one before it
    assert chain_texts(convo) == [
        "Can you proofread this paragraph?",
        'Two fixes: keep the past tense in sentence two, and split the run-on after "team".',
        "Thanks. Can you make it shorter too?",  # text only, no content parts
        "Here is a 60-word version that keeps both fixes.",
    ]
    hi, fixes, thanks, short = convo.messages.order_by("created_at")
    assert (hi.sender, hi.is_created_by_user) == ("user", True)
    assert (fixes.sender, fixes.parent_message_id) == ("Claude", hi.message_id)
    assert (thanks.sender, short.sender) == ("user", "Claude")
    # same second in the export: forced 1 ms apart
    assert (fixes.created_at - hi.created_at).total_seconds() == pytest.approx(0.001)
    assert parts_of(fixes) == [
        ("think", {"type": "think", "think": "Check tense and the run-on sentence."}),
        ("text", {"type": "text", "text": fixes.text}),
    ]
    assert not short.content_parts.exists()
    untitled = Conversation.objects.get(user=user, title="Imported Claude Chat")
    assert chain_texts(untitled) == ["Quick: what is 2^10?", "1024."]


@pytest.mark.django_db
def test_chatbotui_v1_array_is_detected(user):
    data = [{"id": "1", "name": "Old", "messages": [{"role": "user", "content": "hey"}]}]
    result = run_bytes(user, data)
    assert (result.format, result.conversations, result.messages) == ("chatbotui", 1, 1)


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (b"not json at all", NOT_JSON),
        (b"", NOT_JSON),
        (b'{"foo": 1}', UNSUPPORTED),
        (b"[1, 2]", UNSUPPORTED),
        (b"42", UNSUPPORTED),
        (b"[]", NO_CONVERSATIONS),
        (b'[{"title": "x", "create_time": 1, "mapping": {}}', NOT_JSON),
    ],
)
@pytest.mark.django_db
def test_unusable_files_import_nothing_with_a_clear_error(user, payload, error):
    with pytest.raises(InvalidInput) as caught:
        run_bytes(user, payload)
    assert caught.value.error == error
    assert not Conversation.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_parse_error_after_good_conversations_leaves_nothing_behind(user):
    good = (FIXTURES / "chatgpt" / "export.json").read_bytes().rstrip()
    assert good.endswith(b"]")
    broken = good[:-1] + b', {"title": "half", "mapping": {'  # truncated mid-file
    with pytest.raises(InvalidInput) as caught:
        run_bytes(user, broken)
    assert caught.value.error == NOT_JSON
    assert Conversation.objects.filter(user=user).count() == 0
    assert Message.objects.filter(user=user).count() == 0


@pytest.mark.django_db
def test_a_file_whose_every_conversation_fails_is_an_error(user):
    with pytest.raises(InvalidInput) as caught:
        run_bytes(user, [{"title": "no mapping", "create_time": 1}])
    assert caught.value.error == NOTHING_IMPORTED
    assert caught.value.message == "Conversation has no message mapping"


@pytest.mark.django_db
def test_hostile_trees_are_repaired_and_bad_text_is_skipped(user, other_user):
    def msg(mid, parent, text="t"):
        return {"messageId": mid, "parentMessageId": parent, "text": text, "sender": "User"}

    cyclic = {
        "conversationId": "x",
        "title": "cycle",
        "messages": [msg("a", "b"), msg("b", "a"), msg("c", "c"), msg("d", "missing")],
    }
    result = run_bytes(user, cyclic)
    convo = Conversation.objects.get(user=user, title="cycle")
    roots = convo.messages.filter(parent_message_id=NO_PARENT).count()
    assert roots == 3  # one cycle member, the self-parented and the orphan become roots
    assert result.messages == 4
    assert not convo.messages.filter(message_id__in=["a", "b", "c", "d"]).exists()

    nul = [
        {"conversationId": "y", "title": "nul", "messages": [msg("a", None, "bad\u0000")]},
    ]
    with pytest.raises(InvalidInput) as caught:
        run_bytes(user, nul)
    assert caught.value.message == "Text must not contain NUL characters"
    duplicate = [
        {"conversationId": "z", "title": "dup", "messages": [msg("a", None), msg("a", None)]},
        {"conversationId": "w", "title": "fine", "messages": [msg("a", None)]},
    ]
    result = run_bytes(user, duplicate)
    assert [(s.title, s.reason) for s in result.skipped] == [("dup", "Duplicate message id a")]
    assert result.conversations == 1
    assert not Conversation.objects.filter(user=other_user).exists()


@pytest.mark.django_db
def test_dry_run_reports_counts_and_writes_nothing(user):
    result = run_import(user, "chatgpt/export.json", dry_run=True)
    assert (result.conversations, result.messages, result.dry_run) == (2, 10, True)
    assert not Conversation.objects.filter(user=user).exists()
    assert not Message.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_forced_format_that_does_not_match_skips_everything(user):
    with pytest.raises(InvalidInput) as caught:
        run_import(user, "chatgpt/tree.json", file_format="claude")
    assert caught.value.error == NOTHING_IMPORTED
    assert caught.value.message == "Conversation has no chat_messages list"
    assert not Conversation.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_reimporting_the_same_file_imports_a_second_copy_with_new_ids(user):
    run_import(user, "librechat/tree.json")
    run_import(user, "librechat/tree.json")
    assert Conversation.objects.filter(user=user).count() == 2
    assert Message.objects.filter(user=user).values("message_id").distinct().count() == 18

"""Import service: every real export fixture imports with the shape the spec lists (§7, §8.4)."""

from __future__ import annotations

import io
import json
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
from messages_app.models import ContentPart, Message

FIXTURES = Path("/work/shared/fixtures/librechat")
if not FIXTURES.exists():  # the fixtures are shared read-only files next to the checkout
    FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "librechat"


def run_import(user, name: str, **kwargs):
    with (FIXTURES / name).open("rb") as stream:
        return conversations_import(user=user, stream=stream, **kwargs)


def run_bytes(user, data: bytes | str | object, **kwargs):
    if not isinstance(data, bytes | str):
        data = json.dumps(data)
    raw = data.encode() if isinstance(data, str) else data
    return conversations_import(user=user, stream=io.BytesIO(raw), **kwargs)


def tree(conversation: Conversation) -> dict[str, list[Message]]:
    """Children by parent id, oldest first."""
    out: dict[str, list[Message]] = {}
    for message in conversation.messages.order_by("created_at", "id"):
        out.setdefault(message.parent_message_id, []).append(message)
    return out


def assert_parents_precede_children(conversation: Conversation) -> None:
    by_id = {m.message_id: m for m in conversation.messages.all()}
    for message in by_id.values():
        parent = by_id.get(message.parent_message_id)
        if parent is not None:
            assert message.created_at >= parent.created_at, message.text[:40]


@pytest.mark.django_db
def test_chatgpt_export_imports_two_linear_conversations_with_rendered_tool_content(user):
    result = run_import(user, "chatgpt-export.json")

    assert (result.format, result.conversations, result.messages) == ("chatgpt", 2, 19)
    assert result.skipped == ()
    first = Conversation.objects.get(user=user, title="Conversation 1. Web Search")
    second = Conversation.objects.get(user=user, title="Conversation 2")
    assert (first.endpoint, first.model) == ("openAI", "gpt-4o-mini")
    assert first.created_at.timestamp() == pytest.approx(1704629915.775304, abs=1e-3)
    assert first.messages.count() == 15
    assert second.messages.count() == 4
    # a single chain: exactly one child per parent
    for children in tree(first).values():
        assert len(children) == 1
    users = first.messages.filter(is_created_by_user=True)
    assert users.count() == 3
    assert set(users.values_list("sender", "model").distinct()) == {("user", "gpt-4o-mini")}
    replies = first.messages.filter(is_created_by_user=False)
    assert set(replies.values_list("sender", "model").distinct()) == {("GPT-4", "gpt-4")}
    code = first.messages.filter(text__startswith="```unknown\nsearch(").count()
    assert code == 2
    assert first.messages.filter(text__startswith="```json\n").count() == 5  # browsing/quotes
    assert set(
        second.messages.filter(is_created_by_user=False).values_list("sender", flat=True)
    ) == {"text-davinci-002-render-sha"}
    assert_parents_precede_children(first)


@pytest.mark.django_db
def test_chatgpt_tree_keeps_both_branch_points(user):
    result = run_import(user, "chatgpt-tree.json")

    assert (result.conversations, result.messages) == (1, 11)
    convo = Conversation.objects.get(user=user)
    assert convo.title == "Assist user with summary"
    children = tree(convo)
    hello = convo.messages.get(text="Hello! How can I assist you today?")
    assert [m.text for m in children[hello.message_id]] == ["so cool bro", "hi again"]
    joke = convo.messages.get(text="tell me a joke")
    assert len(children[joke.message_id]) == 2
    assert all(not m.is_created_by_user for m in children[joke.message_id])
    assert convo.messages.filter(is_created_by_user=True).count() == 5
    root = children[NO_PARENT]
    assert [m.text for m in root] == ["hi there"]  # system root dropped, child re-attached


@pytest.mark.django_db
def test_chatgpt_citations_are_rewritten_into_links(user):
    run_import(user, "chatgpt-citations.json")

    reply = Message.objects.get(user=user, text__startswith="Signal Sciences")
    first_paragraph = reply.text.split("\n\n")[0]
    assert first_paragraph.endswith(
        "or hybrid environments ([Signal Sciences - Crunchbase Company Profile & Funding]"
        "(https://www.crunchbase.com/organization/signal-sciences)) ([Demand More from Your WAF"
        " - Signal Sciences now part of Fastly](https://www.signalsciences.com/))."
    )


@pytest.mark.django_db
def test_chatgpt_modern_export_skips_the_corrupted_entry_and_hidden_context(user):
    result = run_import(user, "chatgpt-modern-export.json")

    assert (result.conversations, result.messages) == (2, 6)
    assert [(s.index, s.title, s.reason) for s in result.skipped] == [
        (1, "Corrupted entry", "Conversation has no message mapping")
    ]
    deploy = Conversation.objects.get(user=user, title="Deploying the staging cluster")
    texts = list(deploy.messages.order_by("created_at").values_list("text", flat=True))
    assert texts[0] == "How do I roll back the deploy?"
    assert len(texts) == 4
    root = deploy.messages.get(text="How do I roll back the deploy?")
    assert root.parent_message_id == NO_PARENT
    last = deploy.messages.get(text="Restore from the last known-good chart.")
    assert (last.model, last.sender) == ("o4-mini", "o4-mini")


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
    result = run_import(user, "chatbotui-export.json")

    assert (result.format, result.conversations, result.messages) == ("chatbotui", 2, 6)
    first = Conversation.objects.get(user=user, title="Hello what are you able to do?")
    second = Conversation.objects.get(user=user, title__startswith="Give me the code that inverts")
    assert (first.messages.count(), second.messages.count()) == (4, 2)
    assert (first.endpoint, first.model) == ("openAI", "gpt-4o-mini")
    replies = list(first.messages.filter(is_created_by_user=False).order_by("created_at"))
    assert replies[0].text.startswith("Hello! As an AI developed by OpenAI")
    assert (replies[0].sender, replies[0].model) == ("GPT-3.5", "gpt-4-1106-preview")
    cobol = second.messages.get(is_created_by_user=False)
    assert "```cobol" in cobol.text
    assert cobol.model == "gpt-3.5-turbo"
    for children in tree(first).values():
        assert len(children) == 1


@pytest.mark.django_db
def test_librechat_recursive_export_imports_options_and_first_message_time(user):
    result = run_import(user, "librechat-export.json")

    assert (result.format, result.conversations, result.messages) == ("librechat", 1, 6)
    convo = Conversation.objects.get(user=user)
    assert convo.title == "Conversation 1. Web Search"
    assert (convo.endpoint, convo.model) == ("openAI", "gpt-3.5-turbo")
    assert convo.settings["temperature"] == 1
    assert convo.settings["resendFiles"] is True
    assert convo.settings["imageDetail"] == "auto"
    assert convo.conversation_id != "af1ea676-f525-444f-a9ed-7c8dbf062733"
    first = convo.messages.get(parent_message_id=NO_PARENT)
    assert first.text.startswith("What is the fuel consumption of vw")
    assert convo.created_at == first.created_at
    for children in tree(convo).values():
        assert len(children) == 1


@pytest.mark.django_db
def test_librechat_tree_keeps_the_nested_branches(user):
    result = run_import(user, "librechat-tree.json")

    assert result.messages == 9
    convo = Conversation.objects.get(user=user)
    assert convo.title == "Troubleshooting Python Virtual Environment Activation Issue"
    assert convo.model == "gpt-4-turbo"
    assert convo.settings["chatGptLabel"] == "Software Engineer"
    assert convo.settings["promptPrefix"] == "You are an expert software engineer."
    children = tree(convo)
    (root,) = children[NO_PARENT]
    (answer,) = children[root.message_id]
    assert sorted(m.text for m in children[answer.message_id]) == ["lol", "thanks"]
    thanks = convo.messages.get(text="thanks")
    welcomes = children[thanks.message_id]
    assert len(welcomes) == 2
    assert all(m.text.startswith("You're welcome!") for m in welcomes)
    continued = [m for m in welcomes if m.message_id in children]
    assert len(continued) == 1
    (happy,) = children[continued[0].message_id]
    assert happy.text == "does coding make you happy"
    assert len(children[happy.message_id]) == 1
    lol = convo.messages.get(text="lol")
    assert len(children[lol.message_id]) == 1
    assert_parents_precede_children(convo)


@pytest.mark.django_db
def test_librechat_flat_branched_export_keeps_parent_links(user):
    result = run_import(user, "librechat-opts-nonr-branches.json")

    assert result.messages == 5
    convo = Conversation.objects.get(user=user)
    assert (convo.title, convo.model, convo.endpoint) == ("Original", "gpt-4o", "azureOpenAI")
    story = convo.messages.get(text="tell me a long story")
    long_story = convo.messages.get(text="tell me a long long story")
    assert story.parent_message_id == NO_PARENT
    assert long_story.parent_message_id == NO_PARENT
    kids = {m.text[:30] for m in convo.messages.filter(parent_message_id=story.message_id)}
    assert kids == {"Of course! Settle in for a tal", "Sure, I can craft a long story"}
    (other,) = convo.messages.filter(parent_message_id=long_story.message_id)
    assert other.text.startswith("Of course! Here\u2019s a detailed and engaging story")
    assert convo.created_at == convo.updated_at


@pytest.mark.django_db
def test_librechat_linear_export_is_a_strict_chain(user):
    result = run_import(user, "librechat-linear.json")

    assert result.messages == 2
    convo = Conversation.objects.get(user=user)
    assert (convo.title, convo.endpoint) == ("Adventure Across Time and Space", "azureOpenAI")
    first, second = convo.messages.order_by("created_at", "id")
    assert first.parent_message_id == NO_PARENT
    assert second.parent_message_id == first.message_id


@pytest.mark.django_db
def test_openwebui_export_turns_reasoning_and_tool_details_into_parts(user):
    result = run_import(user, "openwebui-export.json")

    assert (result.format, result.conversations, result.messages) == ("openwebui", 3, 6)
    reasoning = Conversation.objects.get(user=user, title="Chat with reasoning")
    assert reasoning.model == "deepseek-r1"
    reply = reasoning.messages.get(is_created_by_user=False)
    assert reply.text == "255"
    assert (reply.sender, reply.model) == ("deepseek-r1", "deepseek-r1")
    think = ContentPart.objects.get(message=reply, type="think")
    assert think.text == "Let me break this down..."
    tool = Conversation.objects.get(user=user, title="Chat with tool call")
    tool_reply = tool.messages.get(is_created_by_user=False)
    assert tool_reply.text == "The weather in Paris is 18C with rain."
    call = ContentPart.objects.get(message=tool_reply, type="tool_call").payload["tool_call"]
    assert call == {
        "id": "call_1",
        "name": "get_weather",
        "args": '{"city":"Paris"}',
        "output": "Paris: 18C, rain",
    }
    simple = Conversation.objects.get(user=user, title="Simple linear chat")
    question = simple.messages.get(is_created_by_user=True)
    answer = simple.messages.get(is_created_by_user=False)
    assert answer.parent_message_id == question.message_id
    assert question.created_at.timestamp() == 1700002000


@pytest.mark.django_db
def test_claude_export_is_linear_with_thinking_parts(user):
    data = [
        {
            "uuid": "c1",
            "name": "Claude convo",
            "created_at": "2024-06-01T10:00:00Z",
            "chat_messages": [
                {"sender": "human", "text": "Hi there", "created_at": "2024-06-01T10:00:00Z"},
                {
                    "sender": "assistant",
                    "created_at": "2024-06-01T10:00:00Z",
                    "content": [
                        {"type": "thinking", "thinking": "Greet back."},
                        {"type": "text", "text": "Hello!"},
                    ],
                },
                {"sender": "assistant", "content": []},
            ],
        }
    ]
    result = run_bytes(user, data)

    assert (result.format, result.conversations, result.messages) == ("claude", 1, 2)
    convo = Conversation.objects.get(user=user)
    assert (convo.title, convo.endpoint) == ("Claude convo", "anthropic")
    hi, hello = convo.messages.order_by("created_at")
    assert (hi.sender, hi.is_created_by_user) == ("user", True)
    assert (hello.sender, hello.parent_message_id) == ("Claude", hi.message_id)
    assert (hello.created_at - hi.created_at).total_seconds() == pytest.approx(0.001)
    assert list(hello.content_parts.values_list("type", flat=True)) == ["think", "text"]


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
    good = (FIXTURES / "chatgpt-export.json").read_bytes().rstrip()
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
    result = run_import(user, "chatgpt-export.json", dry_run=True)
    assert (result.conversations, result.messages, result.dry_run) == (2, 19, True)
    assert not Conversation.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_forced_format_that_does_not_match_skips_everything(user):
    with pytest.raises(InvalidInput) as caught:
        run_import(user, "chatgpt-tree.json", file_format="claude")
    assert caught.value.error == NOTHING_IMPORTED


@pytest.mark.django_db
def test_reimporting_the_same_file_imports_a_second_copy_with_new_ids(user):
    run_import(user, "librechat-tree.json")
    run_import(user, "librechat-tree.json")
    assert Conversation.objects.filter(user=user).count() == 2
    assert Message.objects.filter(user=user).values("message_id").distinct().count() == 18

"""Artifact edits (docs/api-behaviour.md#artifact-edit): the pure functions, then the endpoint."""

from __future__ import annotations

import pytest

from messages_app.artifacts import (
    ARTIFACT_INDEX_OUT_OF_BOUNDS,
    ORIGINAL_NOT_FOUND,
    ArtifactEditError,
    TextSource,
    apply_artifact_edit,
    find_all_artifacts,
    unescape_latex,
)
from messages_app.models import ContentPart, Message
from tests.factories import ContentPartFactory, ConversationFactory, MessageFactory

OPEN = ':::artifact{identifier="a" type="text/html" title="A"}'
FENCE = "```"


def artifact(code: str, opening: str = OPEN) -> str:
    return f"{opening}\n{FENCE}\n{code}\n{FENCE}\n:::"


def edit_text(text: str, index: int, original: str, updated: str) -> str:
    return apply_artifact_edit(
        parts=[], message_text=text, index=index, original=original, updated=updated
    ).text


# --- pure functions ------------------------------------------------------------------------------
def test_single_code_block_artifact_gets_the_updated_line_and_keeps_its_markers():
    text = artifact("console.log('hello')")
    result = edit_text(text, 0, "console.log('hello')", "console.log('updated')")
    assert result == artifact("console.log('updated')")
    assert result.startswith(OPEN + "\n")
    assert result.endswith(":::")


def test_second_of_two_identical_artifacts_is_the_only_one_changed():
    block = artifact("same body")
    text = f"{block}\n\n{block}"
    result = edit_text(text, 1, "same body", "second body")
    assert result == f"{block}\n\n{artifact('second body')}"


def test_empty_artifact_with_empty_original_gets_the_new_content():
    assert edit_text(":::artifact\n\n:::", 0, "", "new content") == ":::artifact\nnew content\n:::"


def test_empty_original_does_not_match_a_non_empty_artifact():
    with pytest.raises(ArtifactEditError, match=ORIGINAL_NOT_FOUND):
        edit_text(artifact("x = 1"), 0, "", "y")


def test_prefix_and_suffix_survive_and_no_blank_lines_appear_around_the_fences():
    code = 'console.log("test")'
    text = f"Some prefix text\n{artifact(code)}\n\nSome suffix text"
    result = edit_text(text, 0, code + "\n", "updated content")
    assert result == f"Some prefix text\n{artifact('updated content')}\n\nSome suffix text"
    assert f"{FENCE}\nupdated content\n{FENCE}" in result
    assert f"\n\n{FENCE}" not in result
    assert f"{FENCE}\n\n" not in result


def test_updated_ending_with_a_newline_does_not_leave_a_blank_line_before_the_fence():
    result = edit_text(artifact("a\nb"), 0, "b", "c\n\n")
    assert result == artifact("a\nc")


def test_only_the_first_occurrence_inside_the_code_is_replaced():
    result = edit_text(artifact("x\nx\nx"), 0, "x", "y")
    assert result == artifact("y\nx\nx")


def test_fence_lines_are_never_part_of_the_search_region():
    with pytest.raises(ArtifactEditError, match=ORIGINAL_NOT_FOUND):
        edit_text(artifact("print(1)"), 0, FENCE, "~~~")


def test_a_closing_marker_inside_a_code_fence_does_not_close_the_artifact():
    text = f"{OPEN}\n{FENCE}md\nbefore\n:::\nafter\n{FENCE}\n:::\ntail"
    [found] = find_all_artifacts([], text)
    assert text[found.start : found.end] == text[: -len("\ntail")]
    result = edit_text(text, 0, "after", "AFTER")
    assert result == f"{OPEN}\n{FENCE}md\nbefore\n:::\nAFTER\n{FENCE}\n:::\ntail"


def test_an_unclosed_artifact_runs_to_the_end_of_the_text():
    text = f"intro {OPEN}\nline one\nline two"
    [found] = find_all_artifacts([], text)
    assert found.end == len(text)
    # Nothing follows the replacement, so a newline is added after it
    # (docs/api-behaviour.md#artifact-edit).
    assert edit_text(text, 0, "line two", "line 2") == f"intro {OPEN}\nline one\nline 2\n"


def test_body_without_a_single_code_block_is_searched_whole():
    text = f"{OPEN}\n<p>hi</p>\n{FENCE}\na\n{FENCE}\n{FENCE}\nb\n{FENCE}\n:::"
    result = edit_text(text, 0, "<p>hi</p>", "<p>bye</p>")
    assert result == text.replace("<p>hi</p>", "<p>bye</p>")


def test_content_parts_are_counted_before_and_instead_of_the_message_text():
    parts = [
        TextSource(text=artifact("p0a") + "\n" + artifact("p0b"), part_index=0),
        TextSource(text=artifact("p2"), part_index=2),
    ]
    found = find_all_artifacts(parts, artifact("from text"))
    assert [(a.source, a.part_index) for a in found] == [
        ("content", 0),
        ("content", 0),
        ("content", 2),
    ]
    edit = apply_artifact_edit(
        parts=parts, message_text=artifact("t"), index=2, original="p2", updated="P2"
    )
    assert (edit.source, edit.part_index, edit.text) == ("content", 2, artifact("P2"))


def test_message_text_is_used_when_no_content_part_holds_an_artifact():
    parts = [TextSource(text="no artifacts here", part_index=0)]
    edit = apply_artifact_edit(
        parts=parts, message_text=artifact("t"), index=0, original="t", updated="u"
    )
    assert (edit.source, edit.part_index, edit.text) == ("text", None, artifact("u"))


def test_index_past_the_last_artifact_is_out_of_bounds():
    with pytest.raises(ArtifactEditError, match=ARTIFACT_INDEX_OUT_OF_BOUNDS):
        edit_text(artifact("x"), 1, "x", "y")


@pytest.mark.parametrize(
    ("escaped", "plain"),
    [
        (r"cost: \$5", "cost: $5"),
        (r"cost: \\$5", "cost: $5"),
        (r"$$\ce{H2O}$$", r"$\ce{H2O}$"),
        (r"$$\pu{123 kJ}$$", r"$\pu{123 kJ}$"),
        (r"$$x^2$$", r"$$x^2$$"),
    ],
)
def test_latex_escapes_from_the_editor_are_undone(escaped, plain):
    assert unescape_latex(escaped) == plain


def test_escaped_dollars_in_original_and_updated_match_the_stored_text():
    text = artifact("price = '$5'")
    assert edit_text(text, 0, r"price = '\$5'", r"price = '\$6'") == artifact("price = '$6'")


# --- endpoint -----------------------------------------------------------------------------------
def url(message_id: str) -> str:
    return f"/api/messages/artifact/{message_id}"


@pytest.fixture
def text_message(user):
    convo = ConversationFactory(user=user)
    return MessageFactory(
        conversation=convo, is_created_by_user=False, text=artifact("console.log('hello')")
    )


def test_artifact_edit_in_message_text_answers_conversation_content_and_text(
    auth_client, text_message
):
    body = {"index": 0, "original": "console.log('hello')", "updated": "console.log('updated')"}
    r = auth_client.post(url(text_message.message_id), body, format="json")
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "conversationId": text_message.conversation.conversation_id,
        "text": artifact("console.log('updated')"),
    }
    text_message.refresh_from_db()
    assert text_message.text == artifact("console.log('updated')")


def test_artifact_edit_in_a_content_part_rewrites_that_part_only(auth_client, user):
    message = MessageFactory(
        conversation=ConversationFactory(user=user), is_created_by_user=False, text="legacy"
    )
    ContentPartFactory(
        message=message, index=0, type="think", payload={"type": "think", "think": "t"}
    )
    ContentPartFactory(
        message=message,
        index=1,
        type="text",
        text=artifact("a = 1"),
        payload={"type": "text", "text": artifact("a = 1"), "agentId": "x"},
    )
    r = auth_client.post(
        url(message.message_id),
        {"index": 0, "original": "a = 1", "updated": "a = 2"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "conversationId": message.conversation.conversation_id,
        "content": [
            {"type": "think", "think": "t"},
            {"type": "text", "text": artifact("a = 2"), "agentId": "x"},
        ],
        "text": "legacy",
    }
    part = ContentPart.objects.get(message=message, index=1)
    assert (part.text, part.payload["text"]) == (artifact("a = 2"), artifact("a = 2"))


@pytest.mark.parametrize(
    "body",
    [
        {"index": 0, "original": "x"},
        {"index": -1, "original": "x", "updated": "y"},
        {"index": "0", "original": "x", "updated": "y"},
        {"index": 0.5, "original": "x", "updated": "y"},
        {"index": True, "original": "x", "updated": "y"},
        {"index": 0, "original": None, "updated": "y"},
        {"index": 0, "original": "x", "updated": 5},
        [],
    ],
)
def test_artifact_bad_parameters_answer_400(auth_client, text_message, body):
    r = auth_client.post(url(text_message.message_id), body, format="json")
    assert r.status_code == 400
    assert r.json() == {"error": "Invalid request parameters"}


def test_artifact_index_out_of_bounds_answers_400(auth_client, text_message):
    body = {"index": 1, "original": "x", "updated": "y"}
    r = auth_client.post(url(text_message.message_id), body, format="json")
    assert r.status_code == 400
    assert r.json() == {"error": "Artifact index out of bounds"}


def test_artifact_original_not_found_answers_400_and_changes_nothing(auth_client, text_message):
    before = Message.objects.get(pk=text_message.pk)
    body = {"index": 0, "original": "not there", "updated": "y"}
    r = auth_client.post(url(text_message.message_id), body, format="json")
    assert r.status_code == 400
    assert r.json() == {"error": "Original content not found in target artifact"}
    after = Message.objects.get(pk=text_message.pk)
    assert (after.text, after.updated_at) == (before.text, before.updated_at)


def test_artifact_unknown_or_foreign_message_answers_404(auth_client, other_client, text_message):
    body = {"index": 0, "original": "console.log('hello')", "updated": "y"}
    for client, message_id in ((auth_client, "nope"), (other_client, text_message.message_id)):
        r = client.post(url(message_id), body, format="json")
        assert r.status_code == 404
        assert r.json() == {"error": "Message not found"}
    text_message.refresh_from_db()
    assert text_message.text == artifact("console.log('hello')")


def test_artifact_edit_runs_a_constant_number_of_queries(
    auth_client, text_message, django_assert_num_queries
):
    body = {"index": 0, "original": "console.log('hello')", "updated": "z"}
    # auth user, savepoint, lock message+conversation, parts, update, release savepoint;
    # search document: read message+parts, upsert
    with django_assert_num_queries(8):
        r = auth_client.post(url(text_message.message_id), body, format="json")
    assert r.status_code == 200

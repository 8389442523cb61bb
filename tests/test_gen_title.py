"""Titles: the extractive titler, the after-reply hook, and GET /api/convos/gen_title/:id."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from convos_app.models import Conversation
from convos_app.services import titles
from convos_app.services.titles import (
    TITLE_NOT_FOUND,
    conversation_title_after_reply,
    conversation_title_generate,
    extractive_title,
)
from tests.factories import ConversationFactory, MessageFactory


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "Can you explain gradient descent in the context of machine learning?",
            "Gradient descent in the context of machine learning",
        ),
        ("Give me a short checklist for vacuum.", "Short checklist for vacuum"),
        (
            "Hello! Could you please help me write a Python function that parses ISO dates?",
            "Write a Python function that parses ISO dates",
        ),
        ("Hey there. What is a monad?", "Monad"),
        ("```py\nprint(1)\n```\nwhat does this do", "What does this do"),
        (
            "Tell me about the history of the Roman empire, especially the late period",
            "History of the Roman empire",
        ),
        ("hi", None),
        ("https://example.com", None),
    ],
)
def test_extractive_title_is_short_clean_and_never_cuts_a_word(text, title):
    result = extractive_title(user_text=text)
    assert result == title
    if result:
        assert len(result) <= 60
        assert all(word in text or word.lower() in text.lower() for word in result.split())


def test_extractive_title_of_long_unpunctuated_text_keeps_whole_words():
    text = "supercalifragilistic " * 20
    result = extractive_title(user_text=text)
    assert result is not None and len(result) <= 60
    assert set(result.lower().split()) == {"supercalifragilistic"}


@pytest.mark.django_db
def test_after_reply_titles_a_new_chat_from_the_first_user_message(
    user, django_capture_on_commit_callbacks
):
    convo = ConversationFactory(user=user, title="New Chat")
    first = MessageFactory(conversation=convo, text="What is the capital of France?")
    MessageFactory(conversation=convo, parent_message_id=first.message_id, is_created_by_user=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert conversation_title_after_reply(conversation=convo) is True
        assert titles.title_pending(user_id=user.pk, conversation_id=convo.conversation_id)
    convo.refresh_from_db()
    assert convo.title == "Capital of France"
    assert not titles.title_pending(user_id=user.pk, conversation_id=convo.conversation_id)


@pytest.mark.django_db
def test_after_reply_leaves_a_titled_conversation_alone(user, django_capture_on_commit_callbacks):
    convo = ConversationFactory(user=user, title="Mine")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert conversation_title_after_reply(conversation=convo, user_text="x y z") is False
    assert callbacks == []


def broken_generator(**kwargs):
    raise RuntimeError("AI is down")


def ai_generator(**kwargs):
    return "  From the model  "


@pytest.mark.django_db
@override_settings(CONVERSATION_TITLE_GENERATOR="tests.test_gen_title.broken_generator")
def test_a_failing_generator_falls_back_to_the_extractive_titler(user):
    convo = ConversationFactory(user=user, title="New Chat")
    title = conversation_title_generate(
        conversation_pk=convo.pk, user_text="Explain the Krebs cycle", assistant_text=""
    )
    assert title == "Krebs cycle"


@pytest.mark.django_db
@override_settings(CONVERSATION_TITLE_GENERATOR="tests.test_gen_title.ai_generator")
def test_a_configured_generator_is_used(user):
    convo = ConversationFactory(user=user, title="New Chat")
    assert conversation_title_generate(conversation_pk=convo.pk, user_text="x") == "From the model"


@pytest.mark.django_db
def test_generation_never_overwrites_a_rename(user):
    convo = ConversationFactory(user=user, title="New Chat")
    Conversation.objects.filter(pk=convo.pk).update(title="Renamed")
    assert conversation_title_generate(conversation_pk=convo.pk, user_text="Krebs cycle") is None
    convo.refresh_from_db()
    assert convo.title == "Renamed"


@pytest.mark.django_db
def test_gen_title_returns_a_stored_title_at_once(auth_client, user):
    convo = ConversationFactory(user=user, title="Paris trip")
    r = auth_client.get(f"/api/convos/gen_title/{convo.conversation_id}")
    assert r.status_code == 200 and r.json() == {"title": "Paris trip"}


@pytest.mark.django_db
def test_gen_title_of_a_new_chat_with_nothing_pending_is_404_without_waiting(
    auth_client, user, monkeypatch
):
    slept: list[float] = []
    monkeypatch.setattr(titles.time, "sleep", slept.append)
    convo = ConversationFactory(user=user, title="New Chat")
    r = auth_client.get(f"/api/convos/gen_title/{convo.conversation_id}")
    assert r.status_code == 404 and r.json() == {"error": TITLE_NOT_FOUND}
    assert slept == []


@pytest.mark.django_db
def test_gen_title_waits_with_back_off_while_pending_then_answers(auth_client, user, monkeypatch):
    convo = ConversationFactory(user=user, title="New Chat")
    titles._state_set(user.pk, convo.conversation_id)
    slept: list[float] = []

    def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:  # the generation finishes during the third wait
            Conversation.objects.filter(pk=convo.pk).update(title="Done")

    monkeypatch.setattr(titles.time, "sleep", fake_sleep)
    r = auth_client.get(f"/api/convos/gen_title/{convo.conversation_id}")
    assert r.status_code == 200 and r.json() == {"title": "Done"}
    assert slept == [0.5, 1.0, 2.0]


@pytest.mark.django_db
def test_gen_title_gives_up_after_the_whole_back_off(auth_client, user, monkeypatch):
    convo = ConversationFactory(user=user, title="New Chat")
    titles._state_set(user.pk, convo.conversation_id)
    slept: list[float] = []
    monkeypatch.setattr(titles.time, "sleep", slept.append)
    r = auth_client.get(f"/api/convos/gen_title/{convo.conversation_id}")
    assert r.status_code == 404
    assert slept == [0.5, 1.0, 2.0, 4.0, 8.0]
    cache.clear()


@pytest.mark.django_db
def test_gen_title_of_a_foreign_conversation_is_404(auth_client, other_user):
    foreign = ConversationFactory(user=other_user, title="Secret")
    r = auth_client.get(f"/api/convos/gen_title/{foreign.conversation_id}")
    assert r.status_code == 404 and r.json() == {"error": "Conversation not found"}

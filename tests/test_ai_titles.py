"""The AI title generator for the conversations' title hook: the configured title model through
the real SDK, and the offline titler whenever that fails."""

from __future__ import annotations

import pytest

from chatcore.ai.titles import TITLE_PROMPT, ai_title, clean_title
from convos_app.services.titles import conversation_title_generate
from tests import fake_providers
from tests.factories import ConversationFactory, message_chain

fake_llm = fake_providers.fake_llm
ai_settings = fake_providers.ai_settings


def test_title_model_writes_the_title(ai_settings, fake_llm):
    ai_settings.AI_TITLE_MODEL = "gpt-4o-mini"
    fake_llm.reply = '"Quarterly Sales Review."'
    title = ai_title(user_text="What were the Q4 sales?", assistant_text="They were $2.5M.")
    assert title == "Quarterly Sales Review"
    body = fake_llm.requests[-1]["body"]
    assert body["model"] == "gpt-4o-mini"
    assert body["max_completion_tokens"] == 32
    assert body["messages"] == [
        {"role": "system", "content": TITLE_PROMPT},
        {"role": "user", "content": "User: What were the Q4 sales?\n\nAssistant: They were $2.5M."},
    ]


def test_no_title_model_means_no_ai_title(settings):
    settings.AI_TITLE_MODEL = ""
    assert ai_title(user_text="anything") is None


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("Title: Budget Planning\nextra line", "Budget Planning"),
        ("\u201cTrip to Rome\u201d", "Trip to Rome"),
        ("   ", None),
        ("word " * 40, ("word " * 16).strip()),
    ],
)
def test_clean_title(raw, title):
    assert clean_title(raw) == title


@pytest.mark.django_db
def test_hook_uses_the_ai_title(ai_settings, fake_llm, user):
    ai_settings.AI_TITLE_MODEL = "claude-haiku-4-5"
    ai_settings.CONVERSATION_TITLE_GENERATOR = "chatcore.ai.titles.ai_title"
    fake_llm.reply = "Sales Figures for Q4"
    chat = ConversationFactory(user=user, title="New Chat")
    message_chain(chat, 2)
    assert conversation_title_generate(conversation_pk=chat.pk) == "Sales Figures for Q4"
    chat.refresh_from_db()
    assert chat.title == "Sales Figures for Q4"


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["status", "unknown_model"])
def test_hook_falls_back_to_the_offline_titler(ai_settings, fake_llm, user, failure):
    ai_settings.CONVERSATION_TITLE_GENERATOR = "chatcore.ai.titles.ai_title"
    ai_settings.AI_TITLE_MODEL = "gpt-4o-mini" if failure == "status" else "no-such-model"
    fake_llm.status = 500
    chat = ConversationFactory(user=user, title="New Chat")
    title = conversation_title_generate(
        conversation_pk=chat.pk,
        user_text="Can you explain the quarterly sales report?",
        assistant_text="Sure.",
    )
    assert title == "Quarterly sales report"

"""PUT /api/messages/{c}/{m}/feedback: both feedback shapes, clearing, validation (17-19)."""

from __future__ import annotations

import pytest

from messages_app.models import Feedback
from tests.factories import ConversationFactory, FeedbackFactory, MessageFactory


@pytest.fixture
def message(user):
    return MessageFactory(conversation=ConversationFactory(user=user), is_created_by_user=False)


def put(client, message, body):
    url = f"/api/messages/{message.conversation.conversation_id}/{message.message_id}/feedback"
    return client.put(url, body, format="json")


def test_librechat_shape_is_stored_without_unknown_keys(auth_client, message):
    body = {
        "feedback": {
            "rating": "thumbsDown",
            "tag": "inaccurate",
            "text": "The answer is incorrect",
            "ignored": "value",
        }
    }
    r = put(auth_client, message, body)
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "messageId": message.message_id,
        "conversationId": message.conversation.conversation_id,
        "feedback": {
            "rating": "thumbsDown",
            "tag": "inaccurate",
            "text": "The answer is incorrect",
        },
    }
    stored = Feedback.objects.get(message=message)
    assert (stored.rating, stored.tag, stored.text, stored.comment_key) == (
        "thumbsDown",
        "inaccurate",
        "The answer is incorrect",
        "text",
    )


def test_seed_shape_with_comment_is_echoed_as_comment(auth_client, message):
    r = put(auth_client, message, {"feedback": {"rating": "thumbsUp", "comment": "Very helpful!"}})
    assert r.status_code == 200, r.json()
    assert r.json()["feedback"] == {"rating": "thumbsUp", "comment": "Very helpful!"}
    stored = Feedback.objects.get(message=message)
    assert (stored.text, stored.comment_key, stored.tag) == ("Very helpful!", "comment", None)
    # and the message read path shows it the same way
    item = auth_client.get(
        f"/api/messages/{message.conversation.conversation_id}/{message.message_id}"
    ).json()
    assert item["feedback"] == {"rating": "thumbsUp", "comment": "Very helpful!"}


def test_feedback_is_replaced_not_duplicated(auth_client, message):
    FeedbackFactory(message=message, rating="thumbsUp", tag="accurate_reliable")
    r = put(auth_client, message, {"feedback": {"rating": "thumbsDown", "tag": "other"}})
    assert r.status_code == 200, r.json()
    assert r.json()["feedback"] == {"rating": "thumbsDown", "tag": "other"}
    assert Feedback.objects.filter(message=message).count() == 1


@pytest.mark.parametrize("body", [{}, {"feedback": None}, {"feedback": {}}])
def test_empty_feedback_clears_it(auth_client, message, body):
    FeedbackFactory(message=message)
    r = put(auth_client, message, body)
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "messageId": message.message_id,
        "conversationId": message.conversation.conversation_id,
        "feedback": None,
    }
    assert not Feedback.objects.filter(message=message).exists()


@pytest.mark.parametrize(
    "feedback",
    [
        {"rating": "thumbsDown", "tag": {"key": "inaccurate"}},
        {"rating": "thumbsDown", "tag": "inaccurate", "text": "x" * 1025},
        {"rating": "thumbsUp", "tag": "inaccurate"},
        {"rating": "meh"},
        {"tag": "other"},
        {"rating": "thumbsUp", "comment": "a", "text": "b"},
        {"rating": "thumbsUp", "comment": 5},
        "thumbsUp",
        [],
    ],
)
def test_invalid_feedback_answers_400_and_changes_nothing(auth_client, message, feedback):
    FeedbackFactory(message=message)
    r = put(auth_client, message, {"feedback": feedback})
    assert r.status_code == 400
    assert r.json()["error"] == "Invalid feedback"
    stored = Feedback.objects.get(message=message)
    assert (stored.rating, stored.tag) == ("thumbsUp", "accurate_reliable")


def test_feedback_text_of_exactly_1024_characters_is_accepted(auth_client, message):
    r = put(auth_client, message, {"feedback": {"rating": "thumbsUp", "text": "x" * 1024}})
    assert r.status_code == 200, r.json()


def test_feedback_on_unknown_message_or_conversation_answers_404(auth_client, message):
    convo_id = message.conversation.conversation_id
    for url, error in (
        (f"/api/messages/{convo_id}/nope/feedback", "Message not found"),
        (f"/api/messages/unknown/{message.message_id}/feedback", "Conversation not found"),
    ):
        r = auth_client.put(url, {"feedback": {"rating": "thumbsUp"}}, format="json")
        assert (r.status_code, r.json()) == (404, {"error": error})


def test_feedback_on_another_users_message_answers_404_and_changes_nothing(other_client, message):
    FeedbackFactory(message=message)
    for body in ({"feedback": {"rating": "thumbsDown"}}, {}):
        r = put(other_client, message, body)
        assert (r.status_code, r.json()) == (404, {"error": "Conversation not found"})
    assert Feedback.objects.get(message=message).rating == "thumbsUp"


def test_feedback_runs_a_constant_number_of_queries(
    auth_client, message, django_assert_num_queries
):
    # auth, savepoint, conversation, lock, update_or_create (savepoint, select, savepoint,
    # insert, release x2), touch message, read back x2, release; search document (read, upsert)
    with django_assert_num_queries(16):
        r = put(auth_client, message, {"feedback": {"rating": "thumbsUp"}})
    assert r.status_code == 200

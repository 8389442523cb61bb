"""The database itself refuses rows that break an invariant, whatever code wrote them."""

import pytest
from django.db import IntegrityError, transaction

from chatcore.models import NO_PARENT
from convos_app.models import Conversation
from messages_app.models import ContentPart, Feedback, Message
from tags_app.models import Tag, TaggedConversation
from tests.factories import (
    ConversationFactory,
    FeedbackFactory,
    MessageFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_conversation_public_id_is_unique_per_user_only():
    a, b = UserFactory(), UserFactory()
    ConversationFactory(user=a, conversation_id="c-1")
    assert refused(lambda: ConversationFactory(user=a, conversation_id="c-1"))
    ConversationFactory(user=b, conversation_id="c-1")  # another user may reuse it
    assert Conversation.objects.filter(conversation_id="c-1").count() == 2


def test_empty_public_ids_are_refused():
    convo = ConversationFactory()
    assert refused(lambda: ConversationFactory(conversation_id=""))
    assert refused(lambda: MessageFactory(conversation=convo, message_id=""))


def test_message_public_id_is_unique_per_user():
    convo = ConversationFactory()
    MessageFactory(conversation=convo, message_id="m-1")
    assert refused(lambda: MessageFactory(conversation=convo, message_id="m-1"))
    assert Message.objects.filter(message_id="m-1").count() == 1


def test_message_cannot_be_its_own_parent():
    assert refused(lambda: MessageFactory(message_id="m-2", parent_message_id="m-2"))


def test_root_sentinel_is_the_default_parent():
    assert MessageFactory().parent_message_id == NO_PARENT == "00000000-0000-0000-0000-000000000000"


def test_negative_token_count_and_cost_are_refused():
    assert refused(lambda: MessageFactory(token_count=-1))
    assert refused(lambda: MessageFactory(cost=-0.5))


def test_one_feedback_per_message_with_a_valid_rating():
    feedback = FeedbackFactory()
    assert refused(
        lambda: Feedback.objects.create(
            user=feedback.user, message=feedback.message, rating="thumbsUp"
        )
    )
    other = MessageFactory()
    assert refused(lambda: Feedback.objects.create(user=other.user, message=other, rating="meh"))
    assert Feedback.objects.count() == 1


def test_content_part_index_is_unique_within_a_message():
    message = MessageFactory()
    ContentPart.objects.create(user=message.user, message=message, index=0, type="text", payload={})
    assert refused(
        lambda: ContentPart.objects.create(
            user=message.user, message=message, index=0, type="think", payload={}
        )
    )
    assert refused(
        lambda: ContentPart.objects.create(
            user=message.user, message=message, index=1, type="", payload={}
        )
    )


def test_tag_name_unique_per_user_and_counts_non_negative():
    tag = TagFactory(name="work")
    assert refused(lambda: Tag.objects.create(user=tag.user, name="work"))
    assert refused(lambda: Tag.objects.create(user=tag.user, name="neg", count=-1))
    assert refused(lambda: Tag.objects.create(user=tag.user, name="pos", position=-1))
    assert refused(lambda: Tag.objects.create(user=tag.user, name=""))
    Tag.objects.create(user=UserFactory(), name="work")
    assert Tag.objects.filter(name="work").count() == 2


def test_a_tag_links_a_conversation_once():
    convo = ConversationFactory(tags=["x"])
    tag = Tag.objects.get(user=convo.user, name="x")
    assert tag.count == 1
    assert refused(lambda: TaggedConversation.objects.create(tag=tag, conversation=convo))


def test_deleting_a_conversation_deletes_its_rows_but_not_the_tag():
    convo = ConversationFactory(tags=["keep"])
    message = MessageFactory(conversation=convo)
    FeedbackFactory(message=MessageFactory(conversation=convo, is_created_by_user=False))
    ContentPart.objects.create(user=convo.user, message=message, index=0, type="text", payload={})
    convo.delete()
    assert Message.objects.count() == 0
    assert ContentPart.objects.count() == 0
    assert Feedback.objects.count() == 0
    assert Tag.objects.filter(name="keep").exists()

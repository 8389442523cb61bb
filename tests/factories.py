"""factory-boy factories for every model; ``MessageFactory.create_batch`` builds trees too."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from chatcore.models import NO_PARENT, User, new_public_id
from convos_app.models import Conversation
from convos_app.services.usage import usage_record
from messages_app.models import ContentPart, Feedback, Memory, Message
from tags_app.models import Tag, TaggedConversation

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save()


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    conversation_id = factory.LazyFunction(new_public_id)
    title = factory.Sequence(lambda n: f"Conversation {n}")
    endpoint = "openAI"
    model = "gpt-4o"
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        """``ConversationFactory(tags=["a", "b"])`` links (and counts) tags of the owner."""
        if not create or not extracted:
            return
        for name in extracted:
            tag, _ = Tag.objects.get_or_create(user=self.user, name=name)
            TaggedConversation.objects.create(tag=tag, conversation=self)
            Tag.objects.filter(pk=tag.pk).update(count=tag.links.count())


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    user = factory.LazyAttribute(lambda o: o.conversation.user)
    message_id = factory.LazyFunction(new_public_id)
    parent_message_id = NO_PARENT
    sender = factory.LazyAttribute(lambda o: "User" if o.is_created_by_user else "GPT-4o")
    text = factory.Faker("sentence")
    is_created_by_user = True
    endpoint = "openAI"
    model = "gpt-4o"
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)


def message_chain(conversation: Conversation, count: int, **kwargs) -> list[Message]:
    """``count`` messages alternating user/assistant, each the child of the one before."""
    messages: list[Message] = []
    parent = NO_PARENT
    start = timezone.now() - timedelta(minutes=count)
    for i in range(count):
        message = MessageFactory(
            conversation=conversation,
            parent_message_id=parent,
            is_created_by_user=(i % 2 == 0),
            created_at=start + timedelta(seconds=i),
            **kwargs,
        )
        messages.append(message)
        parent = message.message_id
    return messages


class ContentPartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentPart

    message = factory.SubFactory(MessageFactory)
    user = factory.LazyAttribute(lambda o: o.message.user)
    index = factory.Sequence(int)
    type = "text"
    text = factory.Faker("sentence")
    payload = factory.LazyAttribute(lambda o: {"type": o.type, o.type: o.text})


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    message = factory.SubFactory(MessageFactory, is_created_by_user=False)
    user = factory.LazyAttribute(lambda o: o.message.user)
    rating = Feedback.Rating.THUMBS_UP
    tag = "accurate_reliable"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("user", "name")

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"tag-{n}")


class MemoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Memory

    user = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"fact_{n}")
    value = factory.Sequence(lambda n: f"Remembered fact number {n}")
    token_count = 5


def priced_reply(*, user, spec, at, input_tokens: int, output_tokens: int, rating=None):
    """A chat with one question and one answer of ``spec`` at ``at``, its ledger row for the
    reply and, with ``rating``, feedback on the answer: the seed of the usage analytics tests."""
    chat = ConversationFactory(user=user)
    question = MessageFactory(conversation=chat, created_at=at, model=spec.id)
    answer = MessageFactory(
        conversation=chat,
        created_at=at,
        is_created_by_user=False,
        parent_message_id=question.message_id,
        model=spec.id,
    )
    usage_record(
        user=user,
        conversation=chat,
        message=answer,
        kind="reply",
        spec=spec,
        source="provider",
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        at=at,
    )
    if rating is not None:
        Feedback.objects.create(user=user, message=answer, rating=rating)
    return answer

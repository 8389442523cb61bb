"""manage.py seed_demo: the counts asked for, consistent trees, the same data for the same seed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from chatcore.models import NO_PARENT, User
from convos_app.models import Conversation
from messages_app.models import ContentPart, Feedback, Message
from tags_app.models import Tag

pytestmark = pytest.mark.django_db


def seed(**kwargs) -> str:
    out = StringIO()
    args = {"users": 2, "conversations": 4, "messages": 12, "seed": 7, **kwargs}
    call_command(
        "seed_demo", *[f"--{k.replace('_', '-')}={v}" for k, v in args.items()], stdout=out
    )
    return out.getvalue()


def test_seed_demo_creates_the_requested_counts():
    output = seed()
    assert "Created 2 users, 8 conversations, 96 messages" in output
    assert User.objects.filter(email__startswith="demo").count() == 2
    assert Conversation.objects.count() == 8
    assert Message.objects.count() == 96
    per_convo = Message.objects.values("conversation").annotate(n=Count("id"))
    assert {row["n"] for row in per_convo} == {12}
    assert ContentPart.objects.count() >= 96
    assert Feedback.objects.filter(message__is_created_by_user=True).count() == 0


def test_seed_demo_trees_are_consistent_and_have_branches():
    seed(users=1, conversations=6, messages=30)
    for convo in Conversation.objects.all():
        rows = list(
            Message.objects.filter(conversation=convo).values_list(
                "message_id", "parent_message_id", "user_id"
            )
        )
        ids = {message_id for message_id, _, _ in rows}
        roots = [m for m, parent, _ in rows if parent == NO_PARENT]
        assert len(roots) == 1
        assert all(parent in ids for _, parent, _ in rows if parent != NO_PARENT)
        assert {owner for _, _, owner in rows} == {convo.user_id}
    siblings = (
        Message.objects.values("conversation", "parent_message_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert siblings.exists(), "some replies should be regenerated (branches)"


def test_seed_demo_tag_counts_are_exact():
    seed()
    for tag in Tag.objects.all():
        assert tag.count == tag.conversations.count()


def test_seed_demo_is_deterministic_for_a_seed():
    seed(users=1, email_prefix="first")
    seed(users=1, email_prefix="second")
    first = list(
        Message.objects.filter(user__email="first0@example.com")
        .order_by("id")
        .values_list("message_id", "text")
    )
    second = list(
        Message.objects.filter(user__email="second0@example.com")
        .order_by("id")
        .values_list("message_id", "text")
    )
    assert first == second
    seed(users=1, email_prefix="third", seed=8)
    third = list(
        Message.objects.filter(user__email="third0@example.com")
        .order_by("id")
        .values_list("message_id", "text")
    )
    assert third != first


def test_seed_demo_rejects_nonsense_arguments():
    with pytest.raises(CommandError):
        seed(users=0)

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


def snapshot() -> dict[str, list]:
    return {
        "conversations": list(
            Conversation.objects.order_by("user__email", "conversation_id").values_list(
                "user__email", "conversation_id", "title", "model", "is_archived"
            )
        ),
        "messages": list(
            Message.objects.order_by("user__email", "message_id").values_list(
                "user__email", "message_id", "parent_message_id", "text"
            )
        ),
        "parts": ContentPart.objects.count(),
        "feedback": Feedback.objects.count(),
        "tags": sorted(Tag.objects.values_list("user__email", "name", "count")),
    }


def test_seed_demo_run_twice_with_the_same_arguments_changes_nothing_and_says_so():
    seed()
    before = snapshot()
    output = seed()
    assert output.strip().splitlines() == [
        "Demo data for --seed=7 is already present (2 users, 8 conversations); nothing to do."
    ]
    assert snapshot() == before


def test_seed_demo_with_more_conversations_adds_only_the_missing_ones():
    seed(users=1, conversations=3)
    first = snapshot()
    output = seed(users=1, conversations=5)
    assert "Created 0 users, 2 conversations, 24 messages" in output
    assert output.rstrip().endswith("skipped 3 already present")
    after = snapshot()
    assert set(first["conversations"]) < set(after["conversations"])
    assert len(after["conversations"]) == 5
    assert Message.objects.count() == 60
    for tag in Tag.objects.all():
        assert tag.count == tag.conversations.count()


def test_seed_demo_with_other_message_counts_keeps_existing_conversations_as_they_are():
    seed(users=1, conversations=2, messages=4)
    output = seed(users=1, conversations=2, messages=9)
    assert "already present" in output
    assert Message.objects.count() == 8


def test_seed_demo_same_seed_gives_the_same_data_in_a_fresh_database():
    seed(users=1, email_prefix="a")
    ids_a = sorted(
        Conversation.objects.filter(user__email="a0@example.com").values_list(
            "conversation_id", flat=True
        )
    )
    Conversation.objects.all().delete()
    seed(users=1, email_prefix="a")
    ids_again = sorted(
        Conversation.objects.filter(user__email="a0@example.com").values_list(
            "conversation_id", flat=True
        )
    )
    assert ids_a == ids_again

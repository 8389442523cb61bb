"""Deterministic, realistic demo data written in bulk (``manage.py seed_demo``).

Benchmarks and demos need large, repeatable data sets: the same ``seed`` always produces the same
users, ids, texts and tree shapes. Rows are built in memory one chunk of conversations at a time and
written with ``bulk_create`` (docs/architecture.md#bulk-writes), so a million messages take minutes,
not hours, and memory stays flat whatever the total.

Re-running with the same arguments is a no-op, not a unique-constraint crash: every conversation
draws from its own random stream, seeded by (seed, user number, conversation number), so its
public id is known before anything is written, and conversations already present are skipped
(docs/api-behaviour.md#seed-demo). A larger ``--conversations`` adds only the missing ones.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from chatcore.models import NO_PARENT, User
from chatcore.tokens import count_tokens
from convos_app.models import Conversation
from convos_app.search import index_conversation_trees
from messages_app.models import ContentPart, Feedback, Message
from messages_app.rows import content_part_rows, message_row
from tags_app.models import Tag
from tags_app.services import tag_links_add_new

DEMO_PASSWORD = "demo-password-123"
TAG_NAMES = ("work", "research", "personal", "code", "travel", "ideas", "later")
MODELS = (("openAI", "gpt-4o"), ("openAI", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4"))
TOPICS = (
    ("machine learning", "gradient descent", "overfitting", "a validation set"),
    ("PostgreSQL", "indexes", "query plans", "vacuum"),
    ("travel in Japan", "rail passes", "ryokan etiquette", "the Kyoto temples"),
    ("sourdough baking", "starter hydration", "oven spring", "crumb structure"),
    ("Django", "migrations", "the ORM", "class-based views"),
    ("personal finance", "index funds", "emergency savings", "compound interest"),
    ("gardening", "companion planting", "soil pH", "tomato blight"),
    ("Rust", "ownership", "lifetimes", "async runtimes"),
    ("marathon training", "tempo runs", "carb loading", "taper weeks"),
    ("home networking", "mesh Wi-Fi", "VLANs", "DNS filtering"),
)
QUESTIONS = (
    "Can you explain {a} in the context of {t}?",
    "What are the best practices for {a} when working on {t}?",
    "I'm confused about {b}. How does it relate to {c}?",
    "Give me a short checklist for {a}.",
    "Why does {b} matter so much for {t}?",
    "Compare {b} and {c} for a beginner.",
)
ANSWERS = (
    "Good question. In {t}, {a} comes down to a few ideas. First, {b} sets the baseline. "
    "Second, {c} decides how far you can push it. Start small, measure, then adjust.",
    "Here is the short version: {b} is about the structure, {c} is about the behaviour. "
    "When people struggle with {a}, it is usually because they skip {c}.",
    "A practical checklist for {a}:\n1. Understand {b}.\n2. Keep an eye on {c}.\n"
    "3. Write down what you changed and why.",
    "Think of {b} as the foundation and {c} as the finishing work. In {t} both matter, "
    "but {b} is where most of the mistakes happen.",
)
THOUGHTS = (
    "The user asks about {a}; I should connect it to {b} and mention {c} briefly.",
    "Keep it concise. Lead with {b}, then contrast with {c}.",
)


@dataclass(frozen=True)
class DemoSummary:
    users: int
    users_created: int
    skipped: int
    conversations: int
    messages: int
    content_parts: int
    feedback: int
    tags: int


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _words(rng: random.Random) -> dict[str, str]:
    topic = rng.choice(TOPICS)
    return {"t": topic[0], "a": topic[1], "b": topic[2], "c": topic[3]}


def _demo_users(count: int, email_prefix: str) -> tuple[list[User], int]:
    """The demo users, created when missing (an existing one keeps its password); and how many
    were created."""
    users = []
    created = 0
    for n in range(count):
        email = f"{email_prefix}{n}@example.com"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, name=f"Demo User {n}", username=f"demo{n}"
            )
            created += 1
        users.append(user)
    return users, created


def _conversation_rng(seed: int, user_number: int, conversation_number: int) -> random.Random:
    """One stream per conversation: its id and content do not depend on the other arguments."""
    return random.Random(f"chatcore-demo:{seed}:{user_number}:{conversation_number}")


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


class _ConversationBuilder:
    """Builds one conversation's message tree: a main thread with a few regenerated replies."""

    def messages(
        self, rng: random.Random, convo: Conversation, user: User, count: int, start: datetime
    ) -> tuple[list[Message], list[list[dict]], list[bool]]:
        rows: list[Message] = []
        parts: list[list[dict]] = []
        wants_feedback: list[bool] = []
        parent = NO_PARENT
        last_user_id = NO_PARENT
        moment = start
        words = _words(rng)
        next_is_reply = False
        while len(rows) < count:
            is_user = not next_is_reply
            # A reply right after a reply is a regeneration: a sibling answering the same user
            # message; the conversation then continues from the newer reply.
            is_regeneration = not is_user and bool(rows) and not rows[-1].is_created_by_user
            parent_id = parent if is_user else last_user_id
            moment = moment + timedelta(seconds=rng.randint(2, 90))
            if is_user:
                words = _words(rng)
                text = rng.choice(QUESTIONS).format(**words)
                content: list[dict] = [{"type": "text", "text": text}]
                if rng.random() < 0.05:
                    content.append(
                        {
                            "type": "image_url",
                            "image_url": {"url": f"https://img.example/{len(rows)}.png"},
                        }
                    )
            else:
                text = rng.choice(ANSWERS).format(**words)
                content = []
                if rng.random() < 0.25:
                    content.append({"type": "think", "think": rng.choice(THOUGHTS).format(**words)})
                if rng.random() < 0.08:
                    content.append(
                        {
                            "type": "tool_call",
                            "tool_call": {
                                "id": _uuid(rng),
                                "name": "web_search",
                                "args": f'{{"query": "{words["a"]}"}}',
                                "output": "3 results",
                            },
                        }
                    )
                content.append({"type": "text", "text": text})
            message = message_row(
                user=user,
                conversation=convo,
                message_id=_uuid(rng),
                parent_message_id=parent_id,
                sender="User" if is_user else convo.model,
                text=text,
                is_created_by_user=is_user,
                endpoint=convo.endpoint,
                model=None if is_user else convo.model,
                token_count=count_tokens(text, model=convo.model),
                created_at=moment,
            )
            rows.append(message)
            parts.append(content)
            wants_feedback.append(not is_user and rng.random() < 0.1)
            if is_user:
                last_user_id = message.message_id
            parent = message.message_id
            # After a reply, one time in eight the next row is a regenerated sibling reply.
            next_is_reply = is_user or (not is_regeneration and rng.random() < 0.125)
        return rows, parts, wants_feedback


def demo_data_generate(
    *,
    users: int,
    conversations: int,
    messages: int,
    seed: int = 1,
    email_prefix: str = "demo",
    chunk_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Create ``users`` users with ``conversations`` conversations of ``messages`` messages each.

    Conversations whose public id the user already has are skipped, so the same arguments twice
    write nothing the second time. Each chunk of conversations is one transaction, so an
    interrupted run leaves whole conversations only; tags are linked through the tags service,
    which keeps counts exact.
    """
    builder = _ConversationBuilder()
    now = timezone.now()
    owners, users_created = _demo_users(users, email_prefix)
    totals = {"conversations": 0, "messages": 0, "content_parts": 0, "feedback": 0, "skipped": 0}
    tags_by_user: dict[int, list[Tag]] = {}
    for owner in owners:
        tags_by_user[owner.pk] = [
            Tag.objects.get_or_create(user=owner, name=name, defaults={"position": position})[0]
            for position, name in enumerate(TAG_NAMES)
        ]

    for number, owner in enumerate(owners):
        for start, size in _chunks(conversations, chunk_size):
            rngs = [_conversation_rng(seed, number, start + i) for i in range(size)]
            with transaction.atomic():
                _write_chunk(owner, rngs, messages, builder, now, tags_by_user[owner.pk], totals)
            if progress and totals["conversations"]:
                progress(totals["conversations"] + totals["skipped"], totals["messages"])

    return DemoSummary(
        users=len(owners),
        users_created=users_created,
        tags=sum(len(tags) for tags in tags_by_user.values()),
        **totals,
    )


def _write_chunk(
    owner: User,
    rngs: list[random.Random],
    per_convo: int,
    builder: _ConversationBuilder,
    now: datetime,
    tags: list[Tag],
    totals: dict[str, int],
) -> None:
    planned = []
    for rng in rngs:
        endpoint, model = rng.choice(MODELS)
        created = now - timedelta(days=rng.uniform(0, 365))
        convo = Conversation(
            user=owner,
            conversation_id=_uuid(rng),
            title=_words(rng)["a"].capitalize()
            + " "
            + rng.choice(("notes", "help", "questions", "plan")),
            endpoint=endpoint,
            model=model,
            is_archived=rng.random() < 0.05,
            settings={"temperature": round(rng.uniform(0, 1), 2)},
            created_at=created,
            updated_at=created,
        )
        planned.append((convo, rng))
    present = set(
        Conversation.objects.filter(
            user=owner, conversation_id__in=[convo.conversation_id for convo, _ in planned]
        ).values_list("conversation_id", flat=True)
    )
    planned = [(convo, rng) for convo, rng in planned if convo.conversation_id not in present]
    totals["skipped"] += len(present)
    if not planned:
        return
    convos = [convo for convo, _ in planned]
    Conversation.objects.bulk_create(convos, batch_size=1000)

    message_rows: list[Message] = []
    part_lists: list[list[dict]] = []
    feedback_ratings: list[str | None] = []
    tag_names: dict[int, list[str]] = {}
    for convo, rng in planned:
        rows, parts, flags = builder.messages(rng, convo, owner, per_convo, convo.created_at)
        if rows:
            convo.updated_at = rows[-1].created_at
        message_rows.extend(rows)
        part_lists.extend(parts)
        feedback_ratings.extend(
            rng.choice((Feedback.Rating.THUMBS_UP, Feedback.Rating.THUMBS_DOWN)) if wanted else None
            for wanted in flags
        )
        tag_names[convo.pk] = [tag.name for tag in rng.sample(tags, k=rng.choice((0, 0, 1, 1, 2)))]
    Message.objects.bulk_create(message_rows, batch_size=2000)
    Conversation.objects.bulk_update(convos, ["updated_at"], batch_size=1000)

    content_rows = [
        row
        for message, parts in zip(message_rows, part_lists, strict=True)
        for row in content_part_rows(user=owner, message=message, parts=parts)
    ]
    ContentPart.objects.bulk_create(content_rows, batch_size=5000)
    feedback_rows = [
        Feedback(user=owner, message=message, rating=rating, tag=None, text=None)
        for message, rating in zip(message_rows, feedback_ratings, strict=True)
        if rating is not None
    ]
    Feedback.objects.bulk_create(feedback_rows, batch_size=2000)
    tag_links_add_new(user=owner, names_by_conversation=tag_names)
    # Search documents in bulk, inside the chunk's transaction (bulk_create sends no signals).
    index_conversation_trees([convo.pk for convo in convos])
    totals["conversations"] += len(convos)
    totals["messages"] += len(message_rows)
    totals["content_parts"] += len(content_rows)
    totals["feedback"] += len(feedback_rows)

"""Reading for the exports: conversations in keyset chunks, each chunk's rows in bulk.

Conversations are read ``CHUNK`` at a time by primary key, and each chunk's tags, messages,
content parts and feedback in four queries, so an export of any size costs a bounded number of
queries per chunk and its memory stays flat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from convos_app.models import Conversation, Project
from messages_app.models import ContentPart, Feedback, Message
from messages_app.trees import Forest, TreeNode, forest
from tags_app.models import TaggedConversation

CHUNK = 50  # conversations per read


@dataclass(frozen=True)
class ExportProgress:
    conversations: int
    messages: int


@dataclass
class LoadedConversation:
    """One conversation with everything an export needs, loaded in bulk.

    ``parts`` and ``feedback`` are keyed by message primary key and shared by the chunk.
    """

    conversation: Conversation
    tags: list[str]
    messages: list[Message]  # ascending (created_at, id)
    parts: dict[int, list[ContentPart]]
    feedback: dict[int, Feedback]
    project_name: str | None = None

    def nodes(self) -> list[TreeNode]:
        return [TreeNode(m.message_id, m.parent_message_id) for m in self.messages]

    def tree(self) -> Forest:
        """The message tree by the one root rule of ``messages_app.trees``."""
        return forest(self.nodes())


def _load_chunk(conversations: list[Conversation]) -> list[LoadedConversation]:
    pks = [c.pk for c in conversations]
    tags: dict[int, list[str]] = defaultdict(list)
    for convo_pk, name in (
        TaggedConversation.objects.filter(conversation_id__in=pks)
        .order_by("conversation_id", "id")
        .values_list("conversation_id", "tag__name")
    ):
        tags[convo_pk].append(name)
    messages: dict[int, list[Message]] = defaultdict(list)
    message_pks: list[int] = []
    for message in Message.objects.filter(conversation_id__in=pks).order_by(
        "conversation_id", "created_at", "id"
    ):
        messages[message.conversation_id].append(message)
        message_pks.append(message.pk)
    parts: dict[int, list[ContentPart]] = defaultdict(list)
    for part in ContentPart.objects.filter(message_id__in=message_pks).order_by(
        "message_id", "index"
    ):
        parts[part.message_id].append(part)
    feedback = {f.message_id: f for f in Feedback.objects.filter(message_id__in=message_pks)}
    project_pks = {c.project_id for c in conversations if c.project_id}
    projects = (
        dict(Project.objects.filter(pk__in=project_pks).values_list("pk", "name"))
        if project_pks
        else {}
    )
    return [
        LoadedConversation(
            c, tags[c.pk], messages[c.pk], parts, feedback, projects.get(c.project_id)
        )
        for c in conversations
    ]


def iter_loaded(conversations: Iterable[Conversation]) -> Iterator[LoadedConversation]:
    """Keyset over primary keys, ``CHUNK`` conversations per round of queries (a plain list of
    conversations is chunked as it is)."""
    if not isinstance(conversations, QuerySet):
        chunk = list(conversations)
        for start in range(0, len(chunk), CHUNK):
            yield from _load_chunk(chunk[start : start + CHUNK])
        return
    last = 0
    while True:
        chunk = list(conversations.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        yield from _load_chunk(chunk)
        last = chunk[-1].pk

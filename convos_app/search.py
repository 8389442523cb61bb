"""Search of conversations: keeping their documents current, bulk (re)indexing of whole
conversation trees, removal of a conversation's documents, and conversation search.

The kernel (``chatcore.search``) knows no model; this module names the conversation
document's sources. Its group is the conversation (``ConversationIndex`` and ``MessageIndex``
both declare ``conversation_pk`` as their ``GroupField``). ``register_search_feeds`` runs from
``ConvosAppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chatcore.models import User
from chatcore.search import api, registry, sync
from convos_app.models import Conversation
from messages_app.models import Message
from tags_app.models import TaggedConversation

# Conversation search collects the conversations of at most this many matching documents,
# newest first (the list is shown by date, so recency, not relevance, decides what is kept).
CONVERSATION_SEARCH_MAX_DOCUMENTS = 10_000
# Every kind of document grouped by conversation, and the field holding the conversation key.
GROUP_MEMBERS = {Message: "conversation_id", Conversation: "pk"}


def register_search_feeds() -> None:
    # The conversation document carries its tag names, so tag links feed it. It is declared
    # here, beside the index that reads them, because tags_app sits below this app. Link
    # deletes are not listened to (a receiver would cost Django's fast delete of every
    # conversation's links); a service that unlinks tags in bulk reindexes the conversations.
    registry.reindex_on_save(Conversation)
    registry.reindex_on_save(TaggedConversation, Conversation, key="conversation_id")
    registry.reindex_on_m2m(TaggedConversation, Conversation)  # Tag.conversations
    registry.remove_on_delete(Conversation)


def index_conversations(pks: Iterable[int]) -> None:
    """(Re)index these conversations (title, archived, tags, timestamps)."""
    sync.index_objects(Conversation, pks)


def index_conversation_trees(conversation_pks: Iterable[int]) -> None:
    """(Re)index conversations and all their messages: for import, fork, duplicate, seeding.

    The messages are streamed by conversation (one read per 2,000 conversations) and written
    in ``BATCH_SIZE`` upserts, so a 5,000-message fork costs a handful of statements.
    """
    conversation_pks = list(conversation_pks)
    if not conversation_pks:
        return
    index_conversations(conversation_pks)
    sync.index_related(Message, "conversation_id", conversation_pks)


def remove_conversations(conversation_pks: Iterable[int]) -> None:
    """Remove the documents of these conversations and of all their messages.

    Call it before deleting the rows: a queued (remote) connection needs the message keys,
    which are read now. The PostgreSQL backend needs nothing (the delete triggers remove the
    documents) but its single ``DELETE`` by group keeps it exact even if called afterwards.
    """
    sync.remove_groups(conversation_pks, GROUP_MEMBERS)


def conversation_search_pks(*, user: User, query: str) -> Sequence[int]:
    """Primary keys of ``user``'s conversations whose title or any message matches ``query``
    (archived ones included: the list's own filters decide what is shown)."""
    return api.group_values(
        user=user,
        query=query,
        models=[Conversation, Message],
        field="conversation_pk",
        limit=CONVERSATION_SEARCH_MAX_DOCUMENTS,
    )

"""The post-import hook point: work that must happen for every batch of imported conversations.

``after_conversations_imported`` runs inside the import transaction, once per written batch,
with the primary keys of the conversations just written (their messages, content parts and
feedback are already in the database). Search's bulk indexing runs here,
so imported conversations are searchable exactly when the import commits — and a rolled-back
import leaves no search documents behind (same database, same
transaction: docs/architecture.md#search-engine).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chatcore.models import User
from chatcore.search.sync import index_instances, index_prepared, index_related
from convos_app.models import Conversation
from convos_app.search import index_conversation_trees
from messages_app.models import Message


def after_conversations_imported(
    *,
    user: User,
    conversation_pks: Sequence[int],
    conversations: Sequence[Conversation] = (),
    messages: Sequence[dict[str, Any]] = (),
) -> None:
    """Called by the import service for each batch: index the batch's conversations and
    messages in bulk, in the import's transaction.

    With ``conversations`` (the written rows, carrying their ``search_tag_names``) and
    ``messages`` (each written message's attribute values with its ``search_part_texts``) the
    documents are built from them, one upsert per ``BATCH_SIZE`` rows, and nothing is re-read;
    a search engine that takes no prepared documents gets the messages re-read by
    conversation. Without them the whole batch is re-read (a few statements per 2,000 rows)."""
    if not conversations:
        index_conversation_trees(conversation_pks)
        return
    index_instances(conversations)
    if not index_prepared(
        Message, lambda index: (index.prepare_values(values) for values in messages)
    ):
        index_related(Message, "conversation_id", conversation_pks)

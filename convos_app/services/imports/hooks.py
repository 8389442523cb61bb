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

from django.db.models import Model

from chatcore.models import User
from chatcore.search.sync import index_instances
from convos_app.search import index_conversation_trees


def after_conversations_imported(
    *, user: User, conversation_pks: Sequence[int], documents: Sequence[Model] = ()
) -> None:
    """Called by the import service for each batch: index the batch's conversations and
    messages in bulk, in the import's transaction. With ``documents`` (the batch's written
    rows, carrying what their indexes annotate) the documents are built from them, one upsert
    per ``BATCH_SIZE`` rows; without, the batch is re-read (a few statements per 2,000 rows)."""
    if documents:
        index_instances(documents)
    else:
        index_conversation_trees(conversation_pks)

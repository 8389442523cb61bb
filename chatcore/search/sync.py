"""Keep every search connection in step with the data, set-based.

Services and the signal processor call these helpers with primary keys; each helper works in
bounded statements whatever the number of keys (design D16):

* a **transactional** connection (the PostgreSQL backend, the default) is written right now,
  inside the caller's transaction — committed data is searchable at once, rolled-back data
  never was, and an indexing error fails the write like any other SQL error;
* any other connection (OpenSearch through ``django-haystack-opensearch``, or the PostgreSQL
  backend with ``QUEUE_UPDATES``) gets the update queued with ``transaction.on_commit``: it
  runs only after the write committed, and a search outage is logged, never raised — the
  write has already succeeded.

``index_*`` re-reads the rows, so it also removes documents of rows that are gone;
``remove_conversations`` must be called before the rows are deleted when a queued connection
is configured (it needs the conversations' message keys), and is harmless afterwards for the
PostgreSQL backend, whose documents cascade with their rows anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Model
from haystack import connection_router, connections
from haystack.exceptions import NotHandled
from haystack.utils import get_identifier, get_model_ct

logger = logging.getLogger("chatcore.search")
CHUNK = 2_000


def _aliases() -> list[str]:
    return list(connection_router.for_write())


def is_transactional(alias: str) -> bool:
    backend = connections[alias].get_backend()
    return bool(getattr(backend, "transactional", False)) and not getattr(
        backend, "queue_updates", False
    )


def any_queued() -> bool:
    """Whether some connection receives its updates after commit (it then needs explicit
    removals, since nothing cascades into a remote engine)."""
    return any(not is_transactional(alias) for alias in _aliases())


def _run(alias: str, work: Callable[[], None], what: str) -> None:
    if is_transactional(alias):
        work()
        return

    def queued() -> None:
        try:
            work()
        except Exception:  # a search outage must never surface as a failed write
            logger.exception("search update queued for %s failed on %r", what, alias)

    transaction.on_commit(queued)


def _chunks(pks: Iterable[int]) -> Iterable[list[int]]:
    unique = sorted({int(pk) for pk in pks})
    for start in range(0, len(unique), CHUNK):
        yield unique[start : start + CHUNK]


def index_objects(model: type[Model], pks: Iterable[int]) -> None:
    """(Re)index these rows of ``model`` on every connection; documents of rows that no longer
    exist are removed."""
    pks = list(pks)
    if not pks:
        return
    for alias in _aliases():
        try:
            index = connections[alias].get_unified_index().get_index(model)
        except NotHandled:
            continue
        _run(
            alias, lambda alias=alias, index=index: _index(alias, index, model, pks), model.__name__
        )


def _index(alias: str, index: Any, model: type[Model], pks: Sequence[int]) -> None:
    backend = connections[alias].get_backend()
    for chunk in _chunks(pks):
        rows = list(index.index_queryset(using=alias).filter(pk__in=chunk).order_by("pk"))
        if rows:
            backend.update(index, rows)
        missing = set(chunk) - {row.pk for row in rows}
        if missing:
            _remove(alias, model, sorted(missing))


def _remove(alias: str, model: type[Model], pks: Sequence[int]) -> None:
    backend = connections[alias].get_backend()
    if hasattr(backend, "remove_pks"):
        for chunk in _chunks(pks):
            backend.remove_pks(get_model_ct(model), chunk)
        return
    ct = get_model_ct(model)
    for pk in pks:
        backend.remove(f"{ct}.{pk}")


def remove_objects(model: type[Model], pks: Iterable[int]) -> None:
    pks = list(pks)
    if not pks:
        return
    for alias in _aliases():
        _run(alias, lambda alias=alias: _remove(alias, model, pks), model.__name__)


def index_messages(pks: Iterable[int]) -> None:
    """(Re)index these messages (their text and text/think parts)."""
    from messages_app.models import Message

    index_objects(Message, pks)


def index_conversations(pks: Iterable[int]) -> None:
    """(Re)index these conversations (title, archived, tags, timestamps)."""
    from convos_app.models import Conversation

    index_objects(Conversation, pks)


def index_conversation_trees(conversation_pks: Iterable[int]) -> None:
    """(Re)index conversations and all their messages: for import, fork, duplicate, seeding.

    The messages are streamed by conversation (one read per 2,000 conversations) and written
    in ``BATCH_SIZE`` upserts, so a 5,000-message fork costs a handful of statements.
    """
    from messages_app.models import Message

    conversation_pks = list(conversation_pks)
    if not conversation_pks:
        return
    index_conversations(conversation_pks)
    for alias in _aliases():
        try:
            index = connections[alias].get_unified_index().get_index(Message)
        except NotHandled:
            continue

        def work(alias: str = alias, index: Any = index) -> None:
            backend = connections[alias].get_backend()
            for chunk in _chunks(conversation_pks):
                rows = (
                    index.index_queryset(using=alias)
                    .filter(conversation_id__in=chunk)
                    .order_by("pk")
                    .iterator(chunk_size=CHUNK)
                )
                backend.update(index, rows)

        _run(alias, work, "conversation trees")


def remove_messages(pks: Iterable[int]) -> None:
    from messages_app.models import Message

    remove_objects(Message, pks)


def remove_conversations(conversation_pks: Iterable[int]) -> None:
    """Remove the documents of these conversations and of all their messages.

    Call it before deleting the rows: a queued (remote) connection needs the message keys,
    which are read now. The PostgreSQL backend needs nothing (its documents cascade) but a
    single DELETE keeps it exact even if called afterwards.
    """
    from convos_app.models import Conversation
    from messages_app.models import Message

    conversation_pks = list(conversation_pks)
    if not conversation_pks:
        return
    for alias in _aliases():
        backend = connections[alias].get_backend()
        if is_transactional(alias) and hasattr(backend, "remove_conversations"):
            for chunk in _chunks(conversation_pks):
                backend.remove_conversations(chunk)
            continue
        message_pks = list(
            Message.objects.filter(conversation_id__in=conversation_pks).values_list(
                "pk", flat=True
            )
        )

        def work(alias: str = alias, message_pks: list[int] = message_pks) -> None:
            _remove(alias, Message, message_pks)
            _remove(alias, Conversation, conversation_pks)

        _run(alias, work, "conversations")


def identifier(instance: Model) -> str:
    return get_identifier(instance)

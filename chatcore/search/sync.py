"""Keep every search connection in step with the data, set-based and model-agnostic.

The apps wrap these helpers for their own documents (``messages_app.search``,
``convos_app.search``); services and the signal processor call them with primary keys, and
each helper works in bounded statements whatever the number of keys:

* a **transactional** connection (the PostgreSQL backend, the default) is written right now,
  inside the caller's transaction — committed data is searchable at once, rolled-back data
  never was, and an indexing error fails the write like any other SQL error;
* any other connection (OpenSearch through ``django-haystack-opensearch``, or the PostgreSQL
  backend with ``QUEUE_UPDATES``) gets the update queued with ``transaction.on_commit``: it
  runs only after the write committed, and a search outage is logged, never raised — the
  write has already succeeded.

``index_objects`` re-reads the rows, so it also removes documents of rows that are gone.
``remove_groups`` must be called before the rows are deleted when a queued connection is
configured (it reads the members' keys), and is harmless afterwards for the PostgreSQL
backend, whose documents go with their rows anyway (``chatcore.search.triggers``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Model
from haystack import connection_router, connections
from haystack.exceptions import NotHandled
from haystack.utils import get_model_ct

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
    removals, since no database trigger reaches a remote engine)."""
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


def _index_of(alias: str, model: type[Model]) -> Any | None:
    try:
        return connections[alias].get_unified_index().get_index(model)
    except NotHandled:
        return None


def index_objects(model: type[Model], pks: Iterable[int]) -> None:
    """(Re)index these rows of ``model`` on every connection; documents of rows that no longer
    exist are removed."""
    pks = list(pks)
    if not pks:
        return
    for alias in _aliases():
        index = _index_of(alias, model)
        if index is None:
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


def index_instances(objects: Sequence[Model]) -> None:
    """Index rows the caller has just written, from the instances it holds: no re-read.

    For a hot write path (one message POST) that knows every value of its rows. Each instance
    must carry what its index's ``index_queryset`` would have annotated (a message's
    ``search_part_texts``, a conversation's ``search_tag_names``), or the index reads it. On
    the PostgreSQL backend the documents of all the objects, whatever their models, are one
    upsert.
    """
    objects = list(objects)
    if not objects:
        return
    for alias in _aliases():
        pairs = [
            (index, obj) for obj in objects if (index := _index_of(alias, type(obj))) is not None
        ]
        if not pairs:
            continue

        def work(alias: str = alias, pairs: list[tuple[Any, Model]] = pairs) -> None:
            backend = connections[alias].get_backend()
            if hasattr(backend, "update_documents"):
                backend.update_documents(pairs)
                return
            for index, obj in pairs:
                backend.update(index, [obj])

        _run(alias, work, "instances")


def index_prepared(model: type[Model], prepared: Callable[[Any], Iterable[dict[str, Any]]]) -> bool:
    """Write documents of ``model`` that the caller prepares from plain values, without model
    instances: ``prepared(index)`` yields what ``index.full_prepare`` would return for each
    row. Only a transactional connection whose backend takes prepared documents
    (``update_prepared``) is written; the answer is False when another connection is
    configured, and the caller then indexes its rows by key instead (nothing was written)."""
    aliases = _aliases()
    backends = [connections[alias].get_backend() for alias in aliases]
    if not all(
        is_transactional(alias) and hasattr(backend, "update_prepared")
        for alias, backend in zip(aliases, backends, strict=True)
    ):
        return False
    for alias, backend in zip(aliases, backends, strict=True):
        index = _index_of(alias, model)
        if index is not None:
            backend.update_prepared(index, prepared(index))
    return True


def index_related(model: type[Model], field: str, values: Iterable[int]) -> None:
    """(Re)index every row of ``model`` whose ``field`` is in ``values`` (all messages of
    some conversations, say): streamed by 2,000 values and written in ``BATCH_SIZE``
    upserts, so a 5,000-row tree costs a handful of statements."""
    values = list(values)
    if not values:
        return
    for alias in _aliases():
        index = _index_of(alias, model)
        if index is None:
            continue

        def work(alias: str = alias, index: Any = index) -> None:
            backend = connections[alias].get_backend()
            for chunk in _chunks(values):
                rows = (
                    index.index_queryset(using=alias)
                    .filter(**{f"{field}__in": chunk})
                    .order_by("pk")
                    .iterator(chunk_size=CHUNK)
                )
                backend.update(index, rows)

        _run(alias, work, f"{model.__name__} by {field}")


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


def remove_groups(group_ids: Iterable[int], members: Mapping[type[Model], str]) -> None:
    """Remove the documents of every member of these groups.

    ``members`` maps each model whose index's ``GroupField`` holds the group key to the model
    field with that key (``"pk"`` for the model the group is named after). The PostgreSQL
    backend needs one ``DELETE`` by ``group_id``; another engine gets each member's
    documents removed by key, read now (call it before deleting the rows).
    """
    group_ids = list(group_ids)
    if not group_ids:
        return
    for alias in _aliases():
        backend = connections[alias].get_backend()
        if is_transactional(alias) and hasattr(backend, "remove_groups"):
            cts = sorted(get_model_ct(model) for model in members)
            for chunk in _chunks(group_ids):
                backend.remove_groups(chunk, cts)
            continue
        keys = {
            model: group_ids
            if field == "pk"
            else list(
                model._default_manager.filter(**{f"{field}__in": group_ids}).values_list(
                    "pk", flat=True
                )
            )
            for model, field in members.items()
        }

        def work(alias: str = alias, keys: dict[type[Model], list[int]] = keys) -> None:
            for model, pks in keys.items():
                _remove(alias, model, pks)

        _run(alias, work, "groups")

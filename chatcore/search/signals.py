"""``HAYSTACK_SIGNAL_PROCESSOR = "chatcore.search.signals.TransactionalSignalProcessor"``.

Haystack's ``RealtimeSignalProcessor`` listens to every model's ``post_delete``, which makes
Django's deletion collector load every row it deletes (no fast path) and still misses
``QuerySet.update()`` and ``bulk_create``. This one listens only to the senders the apps
declared in ``chatcore.search.registry`` and routes through ``chatcore.search.sync``: the
index write happens in the same transaction as the save (or after commit for a queued
connection).

Deletes need no signal with the PostgreSQL backend — a trigger on each indexed table removes
the documents (``chatcore.search.triggers``) — so ``post_delete`` is connected only when some
connection is queued (a remote engine). Bulk paths (import, fork, duplicate, seeding) and
``QuerySet.update()`` call the apps' ``search`` helpers themselves.
"""

from __future__ import annotations

from typing import Any

from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from chatcore.search import registry, sync
from chatcore.search.registry import Feed


class TransactionalSignalProcessor(BaseSignalProcessor):
    def setup(self) -> None:
        self._deletes = sync.any_queued()
        registry.subscribe(self)

    def teardown(self) -> None:
        registry.unsubscribe(self)
        for feed in registry.all_feeds():
            signal, receiver = self._receiver(feed.kind)
            signal.disconnect(receiver, sender=feed.sender)

    def connect_feed(self, feed: Feed) -> None:
        # One receiver per (signal, sender): several feeds of one sender share it, and it
        # reads them from the registry when the signal comes.
        if feed.kind == "delete" and not self._deletes:
            return
        signal, receiver = self._receiver(feed.kind)
        signal.connect(receiver, sender=feed.sender)

    def _receiver(self, kind: str) -> tuple[Any, Any]:
        return {
            "save": (signals.post_save, self.saved),
            "m2m": (signals.m2m_changed, self.links_changed),
            "delete": (signals.post_delete, self.deleted),
        }[kind]

    # Reindexing re-reads the row through its index (a message with its parts, say), so the
    # document is whole whichever of its rows was saved.
    def saved(self, sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if raw:
            return
        for feed in registry.feeds("save", sender):
            sync.index_objects(feed.model, [getattr(instance, feed.key)])

    def links_changed(
        self, sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
    ) -> None:
        if action not in {"post_add", "post_remove"}:
            return
        for feed in registry.feeds("m2m", sender):
            if isinstance(instance, feed.model):
                sync.index_objects(feed.model, [instance.pk])
            elif pk_set:
                sync.index_objects(feed.model, pk_set)

    def deleted(self, sender: Any, instance: Any, **kwargs: Any) -> None:
        for feed in registry.feeds("delete", sender):
            sync.remove_objects(feed.model, [instance.pk])

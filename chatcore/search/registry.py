"""Which model changes feed which search documents, declared by the apps that own them.

The kernel names no domain model, so each app says, from its ``AppConfig.ready``, what keeps
its documents current::

    registry.reindex_on_save(Message)                              # its own document
    registry.reindex_on_save(ContentPart, Message, key="message_id")  # a row it reads
    registry.reindex_on_m2m(TaggedConversation, Conversation)      # a through model
    registry.remove_on_delete(Message)                             # only for a queued engine

``TransactionalSignalProcessor`` subscribes to the registry. Haystack builds the processor
when its own app loads, before the apps' ``ready`` run (``haystack`` comes first in
``INSTALLED_APPS``), so registration and subscription work in either order: a subscriber is
told of every feed already declared and of each one declared later, and at signal time it
looks the sender's feeds up here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal, Protocol

from django.db.models import Model

Kind = Literal["save", "m2m", "delete"]


@dataclass(frozen=True)
class Feed:
    """A ``kind`` signal of ``sender`` (re)indexes or removes documents of ``model``; for a
    save, the row to reindex is ``getattr(instance, key)``."""

    kind: Kind
    sender: type[Model]
    model: type[Model]
    key: str = "pk"


class Subscriber(Protocol):
    def connect_feed(self, feed: Feed) -> None: ...


_feeds: dict[tuple[Kind, type[Model]], list[Feed]] = defaultdict(list)
_subscribers: list[Subscriber] = []


def _add(feed: Feed) -> None:
    same = _feeds[(feed.kind, feed.sender)]
    if feed in same:  # ``ready`` may run twice (tests, ``django.setup()`` again)
        return
    same.append(feed)
    for subscriber in list(_subscribers):
        subscriber.connect_feed(feed)


def reindex_on_save(
    sender: type[Model], model: type[Model] | None = None, *, key: str = "pk"
) -> None:
    """A save of ``sender`` reindexes the ``model`` row ``instance.<key>`` (by default the
    saved row's own document)."""
    _add(Feed("save", sender, model or sender, key))


def reindex_on_m2m(through: type[Model], model: type[Model]) -> None:
    """Adding or removing links of this many-to-many ``through`` model reindexes the
    ``model`` side: the instance itself when it is a ``model``, else the linked keys."""
    _add(Feed("m2m", through, model))


def remove_on_delete(model: type[Model]) -> None:
    """A delete of ``model`` removes its document from engines that no database trigger
    reaches (connected only when some connection is queued)."""
    _add(Feed("delete", model, model))


def feeds(kind: Kind, sender: type[Model]) -> list[Feed]:
    return list(_feeds.get((kind, sender), ()))


def all_feeds() -> list[Feed]:
    return [feed for same in _feeds.values() for feed in same]


def subscribe(subscriber: Subscriber) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    for feed in all_feeds():
        subscriber.connect_feed(feed)


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)

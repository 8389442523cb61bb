"""``HAYSTACK_SIGNAL_PROCESSOR = "chatcore.search.signals.TransactionalSignalProcessor"``.

Haystack's ``RealtimeSignalProcessor`` listens to every model's ``post_delete``, which makes
Django's deletion collector load every row it deletes (no fast path) and still misses
``QuerySet.update()`` and ``bulk_create``. This one listens only to the models that feed the
search documents and routes through ``chatcore.search.sync``: the index write happens in the
same transaction as the save (or after commit for a queued connection).

Part and tag-link deletes are not listened to: a receiver would cost Django's fast delete of
every message's parts and every conversation's links (parts only die with their message; a
service that unlinks tags in bulk calls ``sync.index_conversations``). Deletes need no
signal with the PostgreSQL backend — documents cascade in the database — so
``post_delete`` is connected only when some connection is queued (a remote engine). Bulk
paths (import, fork, duplicate, seeding) and ``QuerySet.update()`` call the ``sync`` helpers
themselves.
"""

from __future__ import annotations

from typing import Any

from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from chatcore.search import sync


class TransactionalSignalProcessor(BaseSignalProcessor):
    def setup(self) -> None:
        from convos_app.models import Conversation
        from messages_app.models import ContentPart, Message
        from tags_app.models import TaggedConversation

        self._deletes = sync.any_queued()
        signals.post_save.connect(self.message_saved, sender=Message)
        signals.post_save.connect(self.conversation_saved, sender=Conversation)
        signals.post_save.connect(self.part_changed, sender=ContentPart)
        signals.post_save.connect(self.tag_link_changed, sender=TaggedConversation)
        signals.m2m_changed.connect(self.tags_changed, sender=TaggedConversation)
        if self._deletes:
            signals.post_delete.connect(self.message_deleted, sender=Message)
            signals.post_delete.connect(self.conversation_deleted, sender=Conversation)

    def teardown(self) -> None:
        from convos_app.models import Conversation
        from messages_app.models import ContentPart, Message
        from tags_app.models import TaggedConversation

        signals.post_save.disconnect(self.message_saved, sender=Message)
        signals.post_save.disconnect(self.conversation_saved, sender=Conversation)
        signals.post_save.disconnect(self.part_changed, sender=ContentPart)
        signals.post_save.disconnect(self.tag_link_changed, sender=TaggedConversation)
        signals.m2m_changed.disconnect(self.tags_changed, sender=TaggedConversation)
        signals.post_delete.disconnect(self.message_deleted, sender=Message)
        signals.post_delete.disconnect(self.conversation_deleted, sender=Conversation)

    # A save of a message re-reads its parts, so the document is whole however it was edited.
    def message_saved(self, sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if not raw:
            sync.index_messages([instance.pk])

    def conversation_saved(
        self, sender: Any, instance: Any, raw: bool = False, **kwargs: Any
    ) -> None:
        if not raw:
            sync.index_conversations([instance.pk])

    def part_changed(self, sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if not raw:
            sync.index_messages([instance.message_id])

    def tag_link_changed(
        self, sender: Any, instance: Any, raw: bool = False, **kwargs: Any
    ) -> None:
        if not raw:
            sync.index_conversations([instance.conversation_id])

    def tags_changed(
        self, sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
    ) -> None:
        from convos_app.models import Conversation

        if action not in {"post_add", "post_remove"}:
            return
        if isinstance(instance, Conversation):
            sync.index_conversations([instance.pk])
        elif pk_set:
            sync.index_conversations(pk_set)

    def message_deleted(self, sender: Any, instance: Any, **kwargs: Any) -> None:
        sync.remove_messages([instance.pk])

    def conversation_deleted(self, sender: Any, instance: Any, **kwargs: Any) -> None:
        sync.remove_objects(type(instance), [instance.pk])

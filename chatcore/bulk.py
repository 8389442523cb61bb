"""Set-based deletion: a whole queryset in a bounded number of statements.

Django's deletion collector loads every row it deletes (and every dependent row) to send
signals and walk cascades; for a conversation of 100,000 messages that is 100,000 rows in
memory and as many keys in ``IN`` lists. Here each model that points at the deleted rows gets
one statement (``CASCADE`` deletes, ``SET_NULL`` detaches), driven by the model graph so a new
related model does not break deletion, then one ``DELETE`` removes the rows themselves. No
signals are sent: search documents go through the database triggers the apps install
(``chatcore.search.triggers``).
"""

from __future__ import annotations

from django.db import models


def delete_set_based(
    queryset: models.QuerySet, *, skip: tuple[type[models.Model], ...] = ()
) -> int:
    """Delete ``queryset``'s rows and what depends on them; returns the rows deleted.

    ``skip`` names related models the caller has already dealt with (deleted first, in their
    own set-based statement). Call inside the caller's transaction.
    """
    keys = queryset.values("pk")
    for relation in queryset.model._meta.related_objects:
        if relation.many_to_many or relation.related_model in skip:
            continue
        related = relation.related_model._base_manager.filter(
            **{f"{relation.field.name}__in": keys}
        )
        if relation.on_delete is models.CASCADE:
            related.delete()
        elif relation.on_delete is models.SET_NULL:
            related.update(**{relation.field.name: None})
    return queryset._raw_delete(queryset.db)

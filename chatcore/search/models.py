"""The document table of the PostgreSQL search backend.

One row per indexed object, in the same database as the data, so an index write joins the
transaction of the data write. A document names its object generically (``django_ct``,
``django_id``), its owner (``user``, a foreign key declared ``ON DELETE CASCADE`` in the
database by migration ``chatcore.0002``) and optionally a group (``group_id``: whatever an
index's ``GroupField`` holds; for chat data the conversation). The kernel holds no foreign key
into the apps: each app removes its documents with a statement-level trigger on its own table
(``chatcore.search.triggers``), so whatever path deletes a row — ORM, raw set-based SQL, a
cascade — its documents go in the same statement. Django sees ``user`` as ``DO_NOTHING``, so
its deletion collector keeps its fast path and never loads documents.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F


class SearchDocument(models.Model):
    django_ct = models.CharField(max_length=100)
    django_id = models.BigIntegerField()
    # Indexed by ``search_doc_user_recent`` (user first), not by a btree of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    # The index's GroupField value: "every document of these groups" is one indexed DELETE.
    group_id = models.BigIntegerField(null=True)
    # The indexed text as written (capped): what highlighting cuts snippets from.
    body = models.TextField(default="", blank=True)
    # to_tsvector of the normalised body plus one owner lexeme (see fields.owner_lexeme).
    vector = SearchVectorField()
    # Every other prepared field of the index, for filters, ordering and stored results.
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        app_label = "chatcore"
        db_table = "chatcore_search_document"
        constraints = [
            models.UniqueConstraint(fields=["django_ct", "django_id"], name="search_doc_object"),
        ]
        indexes = [
            GinIndex(fields=["vector"], name="search_doc_vector"),
            models.Index(fields=["group_id"], name="search_doc_group"),
            # A user's documents newest first, in the order ranked searches pick candidates:
            # lets a common word's search stop after the rank cap (ranking._conditions).
            models.Index(
                F("user"),
                F("updated_at").desc(nulls_last=True),
                F("id").desc(),
                name="search_doc_user_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.django_ct}.{self.django_id}"

"""Documents go with their rows, whatever deletes them: one trigger per indexed table.

The document table holds no foreign key into the apps (the kernel knows no domain model), so
the database cannot cascade into it. Instead each app installs, in a migration of its own,

    RemoveSearchDocumentsOnDelete("message")

which puts a statement-level ``AFTER DELETE`` trigger on that model's table. The trigger
receives the deleted rows as a transition table and removes their documents in one set-based
``DELETE`` (through the ``(django_ct, django_id)`` unique index), inside the deleting
statement's transaction.

Why a trigger rather than removal calls on every delete path: deletes happen through the
ORM, through ``QuerySet._raw_delete`` and raw set-based SQL in the bulk services, through
database cascades and through user deletion; a call on each path is one more thing every
future path must remember, and a ``post_delete`` receiver would cost Django's deletion
collector its fast path (it would load every deleted row to send the signal). A trigger is
invisible to Django and exact on every path. Statement-level, not per row, so deleting a
conversation of 5,000 messages costs one extra statement, not 5,000.

The trigger function (``chatcore_search_forget_deleted``) is installed by migration
``chatcore.0004``; its arguments are the deleted model's ``django_ct`` and primary-key column.
A remote (queued) search engine is not reached by the trigger: for it the signal processor
sends removals after commit (``chatcore.search.signals``).
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation

FUNCTION = "chatcore_search_forget_deleted"
DELETED_ROWS = "search_deleted_rows"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def trigger_name(table: str) -> str:
    return f"{table}_search_forget"[:63]


class RemoveSearchDocumentsOnDelete(Operation):
    """Migration operation: the search documents of ``model_name`` rows (of the migration's
    app) are deleted with them, by a statement-level trigger on the model's table."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [self.model_name], {})

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # a trigger is no part of the model state

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        meta = model._meta
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE TRIGGER {quote(trigger_name(meta.db_table))} AFTER DELETE ON "
            f"{quote(meta.db_table)} REFERENCING OLD TABLE AS {DELETED_ROWS} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}("
            f"{_literal(f'{meta.app_label}.{meta.model_name}')}, {_literal(meta.pk.column)})"
        )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        table = model._meta.db_table
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {quote(trigger_name(table))} ON {quote(table)}"
        )

    def describe(self) -> str:
        return f"Delete the search documents of deleted {self.model_name} rows"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_search_trigger"

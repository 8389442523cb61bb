"""Search documents keyed without foreign keys into the apps, transformed in place.

* The conversation and message foreign keys (``ON DELETE CASCADE`` since ``0002``) are
  dropped: the apps' own migrations have already put statement-level delete triggers on their
  tables (``chatcore.search.triggers``, ordered before this one with ``run_before``), so
  deleted rows never stop taking their documents with them.
* ``message_id`` is dropped: a message document's ``django_id`` is the same key.
* ``conversation_id`` becomes ``group_id`` (a rename: existing rows keep their values, and
  its btree is kept under the name ``search_doc_group``), the column of an index's
  ``GroupField``.

No reindex is needed: the stored ``data`` never held these columns' values.
"""

from django.db import migrations, models

TABLE = "chatcore_search_document"


def _rename_group_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, TABLE)
    for name, info in constraints.items():
        if info["columns"] == ["group_id"] and info["index"] and not info["unique"]:
            if name != "search_doc_group":
                schema_editor.execute(
                    f"ALTER INDEX {schema_editor.quote_name(name)} RENAME TO search_doc_group"
                )
            return
    schema_editor.execute(f"CREATE INDEX search_doc_group ON {TABLE} (group_id)")


def _restore_conversation_index(apps, schema_editor):
    # The name Django gives a foreign key's index, so the state of 0003 matches again.
    name = schema_editor._create_index_name(TABLE, ["conversation_id"], suffix="")
    schema_editor.execute(f"ALTER INDEX search_doc_group RENAME TO {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("chatcore", "0004_search_forget_function"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS search_doc_conversation_fk",
                f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS search_doc_message_fk",
            ],
            reverse_sql=[
                f"ALTER TABLE {TABLE} ADD CONSTRAINT search_doc_conversation_fk "
                "FOREIGN KEY (conversation_id) REFERENCES convos_app_conversation (id) "
                "ON DELETE CASCADE",
                f"ALTER TABLE {TABLE} ADD CONSTRAINT search_doc_message_fk "
                "FOREIGN KEY (message_id) REFERENCES messages_app_message (id) ON DELETE CASCADE",
            ],
        ),
        # Backwards only: the re-added message column is filled from django_id.
        migrations.RunSQL(
            sql=migrations.RunSQL.noop,
            reverse_sql=f"UPDATE {TABLE} SET message_id = django_id "
            "WHERE django_ct = 'messages_app.message'",
        ),
        migrations.RemoveField(model_name="searchdocument", name="message"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f"ALTER TABLE {TABLE} RENAME COLUMN conversation_id TO group_id",
                    reverse_sql=f"ALTER TABLE {TABLE} RENAME COLUMN group_id TO conversation_id",
                ),
                migrations.RunPython(_rename_group_index, _restore_conversation_index),
            ],
            state_operations=[
                migrations.RemoveField(model_name="searchdocument", name="conversation"),
                migrations.AddField(
                    model_name="searchdocument",
                    name="group_id",
                    field=models.BigIntegerField(null=True),
                ),
                migrations.AddIndex(
                    model_name="searchdocument",
                    index=models.Index(fields=["group_id"], name="search_doc_group"),
                ),
            ],
        ),
    ]

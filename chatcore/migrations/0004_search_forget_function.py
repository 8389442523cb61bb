"""The trigger function that deletes the search documents of deleted rows.

Apps attach it to their tables with ``chatcore.search.triggers.RemoveSearchDocumentsOnDelete``
(a statement-level ``AFTER DELETE`` trigger with the deleted rows as transition table
``search_deleted_rows``). Arguments: the deleted model's ``django_ct`` and its primary-key
column. The dynamic statement is built with ``format(%I)`` from the trigger's own arguments,
never from row data.
"""

from django.db import migrations

FUNCTION_SQL = r"""
CREATE OR REPLACE FUNCTION chatcore_search_forget_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM search_deleted_rows) THEN
        RETURN NULL;
    END IF;
    EXECUTE format(
        'DELETE FROM chatcore_search_document d USING search_deleted_rows o '
        || 'WHERE d.django_ct = $1 AND d.django_id = o.%I',
        TG_ARGV[1]
    ) USING TG_ARGV[0];
    RETURN NULL;
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("chatcore", "0003_search_doc_user_recent"),
    ]

    operations = [
        migrations.RunSQL(
            sql=FUNCTION_SQL,
            reverse_sql="DROP FUNCTION IF EXISTS chatcore_search_forget_deleted()",
        ),
    ]

"""A message's search document is deleted with it, on every delete path (ORM, raw set-based
SQL, the cascade from its conversation): a statement-level trigger, see
``chatcore.search.triggers``. Runs before the kernel drops its foreign keys into this table,
so there is no moment without one or the other."""

from django.db import migrations

from chatcore.search.triggers import RemoveSearchDocumentsOnDelete


class Migration(migrations.Migration):
    dependencies = [
        ("messages_app", "0001_initial"),
        ("chatcore", "0004_search_forget_function"),
    ]
    run_before = [
        ("chatcore", "0005_search_document_generic"),
    ]

    operations = [
        RemoveSearchDocumentsOnDelete("message"),
    ]

"""A conversation's search document is deleted with it, on every delete path (ORM, raw
set-based SQL, user deletion): a statement-level trigger, see ``chatcore.search.triggers``.
Its messages' documents go with the messages (``messages_app.0002``). Runs before the kernel
drops its foreign keys into this table, so there is no moment without one or the other."""

from django.db import migrations

from chatcore.search.triggers import RemoveSearchDocumentsOnDelete


class Migration(migrations.Migration):
    dependencies = [
        ("convos_app", "0002_admin_filter_indexes"),
        ("chatcore", "0004_search_forget_function"),
    ]
    run_before = [
        ("chatcore", "0005_search_document_generic"),
    ]

    operations = [
        RemoveSearchDocumentsOnDelete("conversation"),
    ]

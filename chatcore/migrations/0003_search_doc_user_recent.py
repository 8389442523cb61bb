"""A (user, newest first) btree on the search documents, replacing the plain user_id one.

Built concurrently so an existing installation keeps writing while it builds; the old index
is dropped only once the new one (which also serves lookups and cascades by user) exists.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("chatcore", "0002_search_document"),
        ("convos_app", "0002_admin_filter_indexes"),
        ("messages_app", "0001_initial"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="searchdocument",
            index=models.Index(
                models.F("user"),
                models.OrderBy(models.F("updated_at"), descending=True, nulls_last=True),
                models.OrderBy(models.F("id"), descending=True),
                name="search_doc_user_recent",
            ),
        ),
        migrations.AlterField(
            model_name="searchdocument",
            name="user",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]

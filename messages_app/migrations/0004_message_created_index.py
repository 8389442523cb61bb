"""An index on ``created_at`` alone, for the staff usage analytics' messages per day over all
users (docs/api-behaviour.md#usage-analytics). Built concurrently: on a large table a plain
CREATE INDEX would block message writes for its whole build."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("messages_app", "0003_memories"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="message",
            index=models.Index(fields=["created_at"], name="msg_created"),
        ),
    ]

"""Memories (docs/api-behaviour.md#memories), and ``Message.memory_id`` becomes a checked
same-user reference to one.

``memory_id`` was a bare string column that no memory stood behind. The column is kept as it is
(same name, same type, no table rewrite); Django's state changes it from a ``CharField`` into a
``ForeignKey`` on ``Memory.memory_id``. Existing values cannot name a memory — the memory table
is created empty here — so the data step sets every one that names no memory of the message's
user to NULL (written as a general "names no memory" test, not as "all", so it stays right
wherever it runs). Then the database gets the rule itself: a composite foreign key
``(user_id, memory_id) -> memory (user_id, memory_id)``, so a message can only reference a memory
of its own user, and ``ON DELETE SET NULL (memory_id)`` clears only that column when a memory is
deleted, on every delete path. The column list on SET NULL needs PostgreSQL 15 or later.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import chatcore.models

NULL_DANGLING_REFERENCES = """
UPDATE messages_app_message AS message SET memory_id = NULL
WHERE message.memory_id IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM messages_app_memory AS memory
    WHERE memory.user_id = message.user_id AND memory.memory_id = message.memory_id
  )
"""
ADD_SAME_USER_KEY = """
ALTER TABLE messages_app_message ADD CONSTRAINT message_memory_same_user
FOREIGN KEY (user_id, memory_id) REFERENCES messages_app_memory (user_id, memory_id)
ON DELETE SET NULL (memory_id)
"""
DROP_SAME_USER_KEY = "ALTER TABLE messages_app_message DROP CONSTRAINT message_memory_same_user"


class Migration(migrations.Migration):
    dependencies = [
        ("messages_app", "0002_message_search_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Memory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "memory_id",
                    models.CharField(
                        default=chatcore.models.new_public_id,
                        editable=False,
                        max_length=255,
                        unique=True,
                    ),
                ),
                ("key", models.CharField(max_length=100)),
                ("value", models.TextField()),
                ("token_count", models.PositiveIntegerField(default=0)),
                ("agent_id", models.CharField(blank=True, default="", max_length=255)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name_plural": "memories"},
        ),
        migrations.AddIndex(
            model_name="memory",
            index=models.Index(fields=["user", "updated_at", "id"], name="memory_user_updated"),
        ),
        migrations.AddConstraint(
            model_name="memory",
            constraint=models.UniqueConstraint(
                fields=("user", "agent_id", "key"), name="memory_key_per_user_partition"
            ),
        ),
        migrations.AddConstraint(
            model_name="memory",
            constraint=models.UniqueConstraint(
                fields=("user", "memory_id"), name="memory_public_id_per_user"
            ),
        ),
        migrations.AddConstraint(
            model_name="memory",
            constraint=models.CheckConstraint(
                condition=models.Q(("key__regex", "^[a-z0-9_]{1,100}$")),
                name="memory_key_format",
            ),
        ),
        migrations.CreateModel(
            name="MemoryPreference",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="memory_preference",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("memories", models.BooleanField(default=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        # Values that name no memory of the message's user become NULL (see the docstring).
        migrations.RunSQL(NULL_DANGLING_REFERENCES, reverse_sql=migrations.RunSQL.noop),
        # The column stays; only Django's view of it changes (string -> reference).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="message", name="memory_id"),
                migrations.AddField(
                    model_name="message",
                    name="memory",
                    field=models.ForeignKey(
                        blank=True,
                        db_column="memory_id",
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="messages",
                        to="messages_app.memory",
                        to_field="memory_id",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("memory__isnull", False)), fields=["memory"], name="msg_memory"
            ),
        ),
        migrations.RunSQL(ADD_SAME_USER_KEY, reverse_sql=DROP_SAME_USER_KEY),
    ]

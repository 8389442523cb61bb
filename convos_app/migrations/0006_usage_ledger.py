"""The usage ledger, dated prices and balances (docs/api-behaviour.md#usage-ledger).

The trigger makes the ledger append-only for every client of the database, not only the ORM:
an UPDATE may only clear ``user_id`` (Django's SET_NULL when a user is deleted), and a DELETE
is refused. TRUNCATE (test database flushes) is not a row operation and is not affected.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

LEDGER_TRIGGER = """
CREATE FUNCTION usage_ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.user_id IS NULL
       AND (to_jsonb(NEW) - 'user_id') = (to_jsonb(OLD) - 'user_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Usage records are immutable' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER usage_ledger_immutable BEFORE UPDATE OR DELETE ON convos_app_usagerecord
    FOR EACH ROW EXECUTE FUNCTION usage_ledger_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("chatcore", "0005_search_document_generic"),
        ("convos_app", "0005_shared_links"),
        ("messages_app", "0002_message_search_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Balance",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("token_credits", models.DecimalField(decimal_places=2, max_digits=20)),
                ("auto_refill_enabled", models.BooleanField(default=False)),
                ("refill_interval_value", models.PositiveIntegerField(default=30)),
                (
                    "refill_interval_unit",
                    models.CharField(
                        choices=[
                            ("seconds", "Seconds"),
                            ("minutes", "Minutes"),
                            ("hours", "Hours"),
                            ("days", "Days"),
                            ("weeks", "Weeks"),
                            ("months", "Months"),
                        ],
                        default="days",
                        max_length=8,
                    ),
                ),
                ("refill_amount", models.DecimalField(decimal_places=2, default=0, max_digits=20)),
                ("last_refill", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name="PriceVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("model", models.CharField(max_length=128)),
                ("effective_from", models.DateTimeField(default=django.utils.timezone.now)),
                ("input_per_million", models.DecimalField(decimal_places=6, max_digits=14)),
                ("output_per_million", models.DecimalField(decimal_places=6, max_digits=14)),
                (
                    "cached_input_per_million",
                    models.DecimalField(blank=True, decimal_places=6, max_digits=14, null=True),
                ),
                ("note", models.CharField(blank=True, default="", max_length=200)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["model", "-effective_from"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("model", "effective_from"), name="price_model_from"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="UsageRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("reply", "Reply"),
                            ("stream", "Streamed reply"),
                            ("title", "Title"),
                            ("memory", "Memory step"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("completed", "Completed"),
                            ("cancelled", "Cancelled by the client"),
                            ("failed", "Provider failed"),
                        ],
                        default="completed",
                        max_length=16,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("provider", "Reported by the provider"),
                            ("estimate", "Counted by chatcore"),
                        ],
                        max_length=16,
                    ),
                ),
                ("endpoint", models.CharField(max_length=64)),
                ("model", models.CharField(max_length=128)),
                ("input_tokens", models.PositiveIntegerField(default=0)),
                ("output_tokens", models.PositiveIntegerField(default=0)),
                ("cached_tokens", models.PositiveIntegerField(default=0)),
                ("input_price", models.DecimalField(decimal_places=6, max_digits=14, null=True)),
                ("output_price", models.DecimalField(decimal_places=6, max_digits=14, null=True)),
                ("cached_price", models.DecimalField(decimal_places=6, max_digits=14, null=True)),
                ("price_source", models.CharField(default="", max_length=16)),
                ("cost", models.DecimalField(decimal_places=8, max_digits=18, null=True)),
                ("request_id", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "conversation",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="convos_app.conversation",
                    ),
                ),
                (
                    "message",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="messages_app.message",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["user", "created_at"], name="usage_user_created"),
                    models.Index(fields=["created_at"], name="usage_created"),
                    models.Index(fields=["conversation"], name="usage_conversation"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("request_id",), name="usage_request_id")
                ],
            },
        ),
        migrations.RunSQL(
            sql=LEDGER_TRIGGER,
            reverse_sql=(
                "DROP TRIGGER IF EXISTS usage_ledger_immutable ON convos_app_usagerecord;"
                "DROP FUNCTION IF EXISTS usage_ledger_immutable();"
            ),
        ),
    ]

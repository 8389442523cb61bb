"""``manage.py purge_expired [--dry-run]``: delete expired temporary chats and conversations
past their owners' retention now (docs/api-behaviour.md#purge).

The same purge runs on a schedule (``purge_expired`` in ``manage.py run_periodic`` and the
worker's scheduler); running it by hand while it also runs elsewhere is safe.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from convos_app.services.retention import conversations_purge


class Command(BaseCommand):
    help = "Delete expired conversations (temporary chats, retention policies), in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )
        parser.add_argument(
            "--batch-size", type=int, default=None, help="Conversations per transaction."
        )

    def handle(self, *args: object, **options: object) -> None:
        batch_size = options["batch_size"]
        if batch_size is not None and not 1 <= int(batch_size) <= 10_000:  # type: ignore[call-overload]
            raise CommandError("--batch-size must be between 1 and 10000")
        counts = conversations_purge(
            dry_run=bool(options["dry_run"]),
            batch_size=batch_size,  # type: ignore[arg-type]
        )
        verb = "would delete" if options["dry_run"] else "deleted"
        self.stdout.write(
            f"purge_expired: {verb} {counts.conversations} conversations, "
            f"{counts.messages} messages"
        )

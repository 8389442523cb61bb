"""``manage.py seed_demo``: deterministic demo data in bulk, for demos and benchmarks."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from convos_app.services.demo import DEMO_PASSWORD, demo_data_generate


class Command(BaseCommand):
    help = (
        "Create demo users, each with C conversations of M messages (trees with a few branches, "
        "content parts, tags, feedback, archived conversations). The same --seed gives the same "
        "data, and running it again skips what is already there. Users are demo0@example.com, "
        f"demo1@example.com, ... (password '{DEMO_PASSWORD}')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=2, help="number of users (default 2)")
        parser.add_argument(
            "--conversations", type=int, default=20, help="conversations per user (default 20)"
        )
        parser.add_argument(
            "--messages", type=int, default=10, help="messages per conversation (default 10)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--email-prefix", default="demo", help="user emails are <prefix><n>@example.com"
        )

    def handle(self, *args: object, **options: object) -> None:
        users = int(options["users"])  # type: ignore[arg-type]
        conversations = int(options["conversations"])  # type: ignore[arg-type]
        messages = int(options["messages"])  # type: ignore[arg-type]
        if users < 1 or conversations < 0 or messages < 0:
            raise CommandError("--users must be >= 1; --conversations and --messages >= 0")
        total = users * conversations
        started = time.monotonic()

        def progress(done_convos: int, done_messages: int) -> None:
            elapsed = time.monotonic() - started
            rate = done_messages / elapsed if elapsed else 0.0
            self.stdout.write(
                f"  {done_convos}/{total} conversations, {done_messages} messages "
                f"({rate:,.0f} messages/s)"
            )

        summary = demo_data_generate(
            users=users,
            conversations=conversations,
            messages=messages,
            seed=int(options["seed"]),  # type: ignore[arg-type]
            email_prefix=str(options["email_prefix"]),
            progress=progress,
        )
        elapsed = time.monotonic() - started
        if summary.conversations == 0 and summary.skipped:
            self.stdout.write(
                f"Demo data for --seed={options['seed']} is already present "
                f"({summary.users} users, {summary.skipped} conversations); nothing to do."
            )
            return
        rate = summary.messages / elapsed if elapsed else 0.0
        skipped = f"; skipped {summary.skipped} already present" if summary.skipped else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {summary.users_created} users, {summary.conversations} conversations, "
                f"{summary.messages} messages, {summary.content_parts} content parts, "
                f"{summary.feedback} feedback, {summary.tags} tags in {elapsed:.1f}s "
                f"({rate:,.0f} messages/s){skipped}"
            )
        )

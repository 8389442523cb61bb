"""``manage.py export_conversations --user EMAIL``: the operator's export door.

Streams every (or the chosen) conversation of one user as LibreChat JSON (an array of export
objects, re-importable), Markdown or CSV, to a file or stdout. A file is written under a
temporary name and renamed at the end, so a failed export never leaves a truncated file.
Progress goes to stderr.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatcore.errors import ApplicationError
from chatcore.models import User
from convos_app.management.commands.import_conversations import ProgressPrinter
from convos_app.services.exports import EXPORT_FORMATS, ExportProgress, conversations_export
from messages_app.models import Message


class Command(BaseCommand):
    help = "Export a user's conversations as JSON (LibreChat format), Markdown or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, metavar="EMAIL")
        parser.add_argument(
            "--conversation",
            action="append",
            default=[],
            metavar="ID",
            help="conversationId to export (repeatable; default: all of the user's)",
        )
        parser.add_argument("--format", default="json", choices=EXPORT_FORMATS)
        parser.add_argument(
            "--output", default="-", metavar="PATH", help="file to write, or - for stdout"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["user"]).strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(f"No user with email {email}")
        ids = options["conversation"] or None
        messages = Message.objects.for_user(user)  # expired ones are not exported
        if ids:
            messages = messages.filter(conversation__conversation_id__in=ids)
        total_messages = messages.count()
        printer = ProgressPrinter(self.stderr._out, "export")

        def progress(step: ExportProgress) -> None:
            done = step.messages / total_messages if total_messages else None
            printer.update(step.conversations, step.messages, done)

        path = options["output"]
        target = self.stdout._out if path == "-" else None
        partial = f"{path}.partial"
        try:
            if target is None:
                with open(partial, "w", encoding="utf-8", newline="") as out:
                    summary = conversations_export(
                        user=user,
                        out=out,
                        export_format=options["format"],
                        conversation_ids=ids,
                        progress=progress,
                    )
                os.replace(partial, path)
            else:
                summary = conversations_export(
                    user=user,
                    out=target,
                    export_format=options["format"],
                    conversation_ids=ids,
                    progress=progress,
                )
                target.flush()
        except ApplicationError as exc:
            printer.finish()
            if target is None and os.path.exists(partial):
                os.remove(partial)
            detail = f" ({exc.message})" if exc.message else ""
            raise CommandError(f"{exc.error}{detail}") from exc
        except OSError as exc:
            printer.finish()
            raise CommandError(f"{path}: cannot write ({exc.strerror})") from exc
        printer.update(summary.conversations, summary.messages, 1.0, force=True)
        elapsed = printer.finish()
        where = "stdout" if target is not None else path
        self.stderr.write(
            f"Exported {summary.conversations} conversations, {summary.messages} messages "
            f"({options['format']}) to {where} in {elapsed:.1f}s"
        )

"""``manage.py import_conversations FILE [FILE...] --user EMAIL``: the operator's import door.

Each file is imported by the same service as ``POST /api/convos/import``, in its own
transaction (a failing file leaves nothing; files before it stay imported). Progress goes to
stderr: a redrawn bar on a terminal, a plain line every few seconds otherwise (logs, CI).
"""

from __future__ import annotations

import time
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatcore.errors import ApplicationError
from chatcore.models import User
from convos_app.services.imports import FORMATS, ImportProgress, conversations_import
from convos_app.services.transfer_jobs import conversations_import_job_start

PLAIN_EVERY_SECONDS = 5.0
TTY_EVERY_SECONDS = 0.2


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class ProgressPrinter:
    """Conversations and messages done, rate and ETA; a bar on a TTY, periodic lines elsewhere."""

    def __init__(self, stream: IO[str], label: str, *, unit: str = "messages") -> None:
        self.stream = stream
        self.label = label
        self.unit = unit
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.last = 0.0
        self.drawn = False

    def update(
        self, conversations: int, items: int, done: float | None, *, force: bool = False
    ) -> None:
        """``done`` is the fraction finished (0..1) when known, for the bar and the ETA."""
        now = time.monotonic()
        if not force and now - self.last < (TTY_EVERY_SECONDS if self.tty else PLAIN_EVERY_SECONDS):
            return
        self.last = now
        elapsed = now - self.started
        rate = items / elapsed if elapsed > 0 else 0.0
        eta = "?"
        if done and 0 < done <= 1:
            eta = _duration(elapsed / done - elapsed)
        text = (
            f"{conversations:,} conversations, {items:,} {self.unit}, "
            f"{rate:,.0f} {self.unit}/s, ETA {eta}"
        )
        if self.tty:
            width = 24
            filled = int(width * (done or 0))
            bar = "#" * filled + "." * (width - filled)
            percent = f"{100 * (done or 0):3.0f}%"
            self.stream.write(f"\r{self.label} [{bar}] {percent} {text}\x1b[K")
            self.drawn = True
        else:
            self.stream.write(f"{self.label}: {text}\n")
        self.stream.flush()

    def finish(self) -> float:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
        return time.monotonic() - self.started


class Command(BaseCommand):
    help = (
        "Import conversation export files (LibreChat, ChatGPT conversations.json, Claude.ai, "
        "Chatbot UI, Open WebUI; detected from the content) for one user. Each file is one "
        "transaction: either all its convertible conversations are imported or none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="export file(s) to import")
        parser.add_argument("--user", required=True, metavar="EMAIL", help="owner of the import")
        parser.add_argument(
            "--format",
            default="auto",
            choices=["auto", *FORMATS],
            help="file format (default: detect from the content)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="convert and write inside a transaction that is rolled back; report counts",
        )
        parser.add_argument(
            "--async",
            action="store_true",
            help="queue each file as an import job for `manage.py jobs_worker` and exit",
        )

    def queue_jobs(self, user: User, options: dict[str, Any]) -> None:
        """``--async``: hand each file to an import job (the same one ``POST
        /api/convos/import`` starts for large files) and print its id; a running
        ``manage.py jobs_worker`` does the work."""
        if options["dry_run"]:
            raise CommandError("--async cannot be combined with --dry-run")
        for path in options["files"]:
            try:
                with open(path, "rb") as stream:
                    job = conversations_import_job_start(
                        user=user, upload=stream, filename=path, file_format=options["format"]
                    )
            except OSError as exc:
                raise CommandError(f"{path}: cannot open ({exc.strerror})") from exc
            self.stdout.write(
                f"{path}: queued import job {job.id} "
                f"(GET /api/convos/import/{job.id} or the admin's Jobs page shows its progress)"
            )

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["user"]).strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(f"No user with email {email}")
        if options["async"]:
            self.queue_jobs(user, options)
            return
        totals = [0, 0, 0]
        for path in options["files"]:
            try:
                stream = open(path, "rb")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise CommandError(f"{path}: cannot open ({exc.strerror})") from exc
            printer = ProgressPrinter(self.stderr._out, path)

            def progress(step: ImportProgress, printer: ProgressPrinter = printer) -> None:
                done = step.bytes_read / step.bytes_total if step.bytes_total else None
                printer.update(step.conversations, step.messages, done)

            try:
                result = conversations_import(
                    user=user,
                    stream=stream,
                    file_format=options["format"],
                    dry_run=options["dry_run"],
                    progress=progress,
                )
            except ApplicationError as exc:
                printer.finish()
                detail = f" ({exc.message})" if exc.message else ""
                raise CommandError(f"{path}: {exc.error}{detail}; nothing imported") from exc
            finally:
                stream.close()
            printer.update(result.conversations, result.messages, 1.0, force=True)
            elapsed = printer.finish()
            verb = "would import" if result.dry_run else "imported"
            self.stdout.write(
                f"{path}: {verb} {result.conversations} conversations, {result.messages} "
                f"messages ({result.format}) in {elapsed:.1f}s; skipped {len(result.skipped)}"
            )
            for skipped in result.skipped:
                self.stdout.write(f"  skipped #{skipped.index} {skipped.title!r}: {skipped.reason}")
            totals[0] += result.conversations
            totals[1] += result.messages
            totals[2] += len(result.skipped)
        if len(options["files"]) > 1:
            self.stdout.write(
                f"Total: {totals[0]} conversations, {totals[1]} messages, {totals[2]} skipped"
            )

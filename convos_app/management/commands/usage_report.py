"""``manage.py usage_report --since --until [--user EMAIL] [--format csv|table]``: what was spent,
per user and model, from the usage ledger (docs/api-behaviour.md#usage-analytics).

Dates are UTC days, inclusive, with the same defaults and limits as ``GET /api/user/usage``
(the last 30 days; at most 366). The table ends with a ``total`` line; the CSV has no total, so
it sums cleanly in a spreadsheet.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatcore.models import User
from convos_app.selectors.usage import usage_report_rows, usd
from convos_app.serializers.usage import DateRangeQuerySerializer

HEADER = ["user", "model", "calls", "input_tokens", "output_tokens", "cost_usd"]


class Command(BaseCommand):
    help = "Usage and cost per user and model over a date range (UTC days, inclusive)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="default: 29 days before until")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="default: today (UTC)")
        parser.add_argument("--user", metavar="EMAIL", help="only this user")
        parser.add_argument("--format", default="table", choices=["table", "csv"])

    def handle(self, *args: Any, **options: Any) -> None:
        query = {k: options[k] for k in ("since", "until") if options[k]}
        dates = DateRangeQuerySerializer(data=query)
        if not dates.is_valid():
            raise CommandError("; ".join(str(m) for ms in dates.errors.values() for m in ms))
        user = None
        if options["user"]:
            email = options["user"].strip().lower()
            user = User.objects.filter(email=email).first()
            if user is None:
                raise CommandError(f"No user with email {email}")
        rows = usage_report_rows(
            since=dates.validated_data["since"], until=dates.validated_data["until"], user=user
        )
        if options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows([*row[:5], usd(row[5])] for row in rows)
            return
        total = (
            "total",
            "",
            sum(r[2] for r in rows),
            sum(r[3] for r in rows),
            sum(r[4] for r in rows),
            sum((r[5] for r in rows), Decimal(0)),
        )
        table = [HEADER, *[[*map(str, row[:5]), usd(row[5])] for row in [*rows, total]]]
        widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
        for line in table:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)))

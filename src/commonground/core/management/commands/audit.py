"""``commonground audit verify`` checks the audit chain; ``audit export`` streams the trail."""

import datetime
from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_date, parse_datetime

from commonground.core.audit.export import csv_lines, jsonl_lines, stream_entries
from commonground.core.audit.models import AuditEntry
from commonground.core.audit.verification import PROGRESS_EVERY, verify_chain


def _since(value: str) -> datetime.datetime:
    """A date (midnight UTC, the trail's own time zone) or an ISO 8601 date-time."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD) or ISO date-time")
        moment = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, or export the trail."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        subcommands.add_parser(
            "verify",
            help="Recompute the chain; exit 1 naming the first altered or missing entry.",
        )
        export = subcommands.add_parser("export", help="Stream the trail to standard output.")
        export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
        export.add_argument("--since", type=_since, help="Only entries from this date (UTC) on.")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "verify":
            self._verify()
        else:
            self._export(options["format"], options["since"])

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"… {done} of {total} entries")

    def _verify(self) -> None:
        report = verify_chain(progress=self._progress)
        if report.intact:
            self.stdout.write(report.summary())
            return
        self.stderr.write(f"audit trail broken: {report.problem}")
        raise SystemExit(1)

    def _export(self, export_format: str, since: datetime.datetime | None) -> None:
        queryset = AuditEntry.objects.order_by("sequence")
        if since is not None:
            queryset = queryset.filter(timestamp__gte=since)
        total = queryset.count()
        entries = self._counted(stream_entries(queryset), total)
        lines = csv_lines(entries) if export_format == "csv" else jsonl_lines(entries)
        for line in lines:
            self.stdout.write(line, ending="")

    def _counted(self, entries: Iterator[AuditEntry], total: int) -> Iterator[AuditEntry]:
        for done, entry in enumerate(entries, start=1):
            yield entry
            if done % PROGRESS_EVERY == 0:
                self._progress(done, total)

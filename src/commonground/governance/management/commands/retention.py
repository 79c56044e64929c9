"""``commonground retention run [--dry-run]``: enforce the retention policies now."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from commonground.governance.privacy import retention


class Command(BaseCommand):
    help = "Enforce the retention policies now, or with --dry-run show what they would remove."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        run = subcommands.add_parser("run", help="Remove what every enforced policy says expired.")
        run.add_argument(
            "--dry-run", action="store_true", help="Count what would be removed; remove nothing."
        )

    def handle(self, *args: Any, subcommand: str, dry_run: bool = False, **options: Any) -> None:
        if dry_run:
            for due in retention.preview():
                policy = due.policy
                self.stdout.write(
                    f"{policy.kind.name}: {due.rows} would be removed "
                    f"(older than {policy.days} days)"
                )
            return
        report = retention.run_retention()
        for kind, count in report.removed.items():
            more = " (more left for the next run)" if kind in report.unfinished else ""
            self.stdout.write(f"{kind}: {count} removed{more}")
        for kind, error in report.errors.items():
            self.stderr.write(f"{kind}: failed: {error}")
        self.stdout.write(f"retention run {report.pk}: {report.total} rows removed")
        if report.errors:
            raise SystemExit(1)

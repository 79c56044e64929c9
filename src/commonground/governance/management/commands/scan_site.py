"""``commonground scan_site``: the shadow-IT scan, now, with its findings per page.

Exits 1 when a page loads from a host the registry has not approved for what it loads (a CI
pipeline can fail on it), 2 when the scan itself failed, 0 otherwise.
"""

from argparse import ArgumentParser
from itertools import groupby
from typing import Any

from django.core.management.base import BaseCommand

from commonground.governance.scan import services as scans
from commonground.governance.scan.models import ScanFinding, SiteScan

VERDICT_WORDS: dict[str, str] = {
    ScanFinding.Verdict.APPROVED: "approved",
    ScanFinding.Verdict.NOT_APPROVED: "NOT APPROVED",
    ScanFinding.Verdict.UNKNOWN: "NOT IN REGISTRY",
    ScanFinding.Verdict.ERROR: "ERROR",
}


class Command(BaseCommand):
    help = (
        "Scan every live public page for third-party hosts and compare them with the "
        "technology registry. Exit status 1 when a host is not approved or a page could not "
        "be read."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--unapproved-only",
            action="store_true",
            help="List only hosts that are not approved (and pages that could not be read).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = scans.scan_site(
            trigger=SiteScan.Trigger.COMMAND,
            progress=lambda pages: self.stderr.write(f"… {pages} pages scanned"),
        )
        findings = done.findings.order_by("page_url", "directive", "host")
        if options["unapproved_only"]:
            findings = findings.exclude(verdict=ScanFinding.Verdict.APPROVED)
        for page_url, rows in groupby(findings, key=lambda row: row.page_url):
            self.stdout.write(page_url)
            for row in rows:
                if row.verdict == ScanFinding.Verdict.ERROR:
                    self.stdout.write(f"  ERROR  {row.detail}")
                    continue
                registry = f"{row.technology_name}, " if row.technology_name else ""
                self.stdout.write(
                    f"  {row.directive:<11}  {row.host}  {VERDICT_WORDS[row.verdict]}"
                    f"  ({registry}{row.detail})"
                )
        summary = (
            f"{done.pages_scanned} pages scanned ({done.pages_failed} not readable): "
            f"{done.hosts_found} third-party hosts, {done.unapproved_found} not approved."
        )
        if done.stopped_early:
            summary += f" {done.stopped_early}"
        if done.status == SiteScan.Status.FAILED:
            self.stderr.write(f"scan failed: {done.error}")
            raise SystemExit(2)
        self.stdout.write(summary)
        if done.unapproved_found or done.pages_failed:
            # A page that could not be read may load anything: the site is not vouched for.
            raise SystemExit(1)

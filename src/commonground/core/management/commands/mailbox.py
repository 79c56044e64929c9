"""Run the demo's mailbox (core/mail/mailbox.py) in the foreground."""

import contextlib
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commonground.core.mail.mailbox import serve


class Command(BaseCommand):
    help = (
        "A local SMTP server on 127.0.0.1 that keeps every message as an .eml file (and its HTML "
        "part as an .html file) instead of sending it: the demo's outgoing mail."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("MAILBOX_PORT", "8025")))
        parser.add_argument(
            "--folder",
            type=Path,
            default=None,
            help="Where messages are kept (default: DEMO_MAILBOX_DIR, else <data dir>/mailbox).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError(
                "The demo mailbox keeps mail instead of sending it: not for production. "
                "Set EMAIL_URL to your SMTP server."
            )
        folder = options["folder"] or mailbox_folder()
        self.stdout.write(f"demo mailbox: 127.0.0.1:{options['port']}, keeping mail in {folder}")
        with contextlib.suppress(KeyboardInterrupt):
            serve(folder, port=options["port"])


def mailbox_folder() -> Path:
    configured = os.environ.get("DEMO_MAILBOX_DIR", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "mailbox"

"""The demo's mailbox keeps what is sent to it, as an .eml and its HTML part as an .html."""

import smtplib
import socket
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command

from commonground.core.mail.mailbox import Mailbox


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_message_sent_over_smtp_is_kept_with_its_html_part(tmp_path: Path) -> None:
    controller = Controller(Mailbox(tmp_path), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        message = EmailMessage()
        message["From"] = "news@example.com"
        message["To"] = "ada@example.com"
        message["Subject"] = "Spring pricing"
        message.set_content("Read it on our site (https://example.com/spring/)")
        message.add_alternative("<h1>Spring pricing</h1>", subtype="html")
        with smtplib.SMTP(controller.hostname, controller.port, timeout=5) as client:
            client.send_message(message)
    finally:
        controller.stop()
    kept = sorted(tmp_path.iterdir())
    assert [p.suffix for p in kept] == [".eml", ".html"], kept
    assert "ada@example.com" in kept[0].name
    assert b"Subject: Spring pricing" in kept[0].read_bytes()
    assert kept[1].read_text().strip() == "<h1>Spring pricing</h1>"


def test_production_refuses_to_run_it(settings: object) -> None:
    settings.SETTINGS_MODULE = "commonground.config.settings.production"  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="not for production"):
        call_command("mailbox", "--port", str(_free_port()))

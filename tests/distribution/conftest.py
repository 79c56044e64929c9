"""Fixtures the distribution tests share."""

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from ..processes import free_port
from .smtp_inbox import Inbox


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()

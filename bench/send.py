"""Newsletter sending rate against a local SMTP server, next to a plain smtplib loop.

An aiosmtpd server runs in a process of its own on 127.0.0.1 and accepts (and counts) every
message. In the same run:
- the ceiling: one smtplib connection sending the very same 10,000 messages (built before
  the clock starts) with ``sendmail``, nothing else;
- the newsletter: a dispatch to a list of 10,000 confirmed subscribers delivered by
  ``services.deliver`` as the worker runs it (recipients expanded into delivery rows, each
  message built for its recipient, committed as sent before its final "." on one SMTP
  session), on SQLite in a fresh data directory.
Each side runs ``--rounds`` times, alternating; the table gives the median.

    .venv/bin/python bench/send.py                  # 10,000 recipients, 3 rounds
    .venv/bin/python bench/send.py --recipients 2000 --rounds 1
"""

import argparse
import os
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SERVER = r"""
import asyncio, sys
from aiosmtpd.controller import Controller

class Count:
    def __init__(self):
        self.n = 0
    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        return "250 OK"

handler = Count()
controller = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() == "count":
        print(handler.n, flush=True)
controller.stop()
"""


RECEIVERS = r"""
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass

servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(int(sys.argv[1]))]
for server in servers:
    threading.Thread(target=server.serve_forever, daemon=True).start()
print(" ".join(str(server.server_address[1]) for server in servers), flush=True)
sys.stdin.read()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SMTPProcess:
    def __init__(self, port: int) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.popen.stdout is not None and self.popen.stdout.readline().strip() == "ready"

    def count(self) -> int:
        assert self.popen.stdin is not None and self.popen.stdout is not None
        self.popen.stdin.write("count\n")
        self.popen.stdin.flush()
        return int(self.popen.stdout.readline())

    def stop(self) -> None:
        if self.popen.stdin is not None:
            self.popen.stdin.close()
        self.popen.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--receivers", type=int, default=100)
    parser.add_argument(
        "--webhook-concurrency", type=int, default=0, help="endpoints at a time (0: default)"
    )
    args = parser.parse_args()
    port = _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="cg-bench-send-"))
    os.environ["COMMONGROUND_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "commonground.config.settings.dev"
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    import django

    django.setup()
    from django.core.management import call_command
    from django.template.loader import render_to_string
    from django.utils import timezone
    from wagtail.models import Page

    from commonground.distribution import services
    from commonground.distribution.models import (
        Delivery,
        Dispatch,
        MailingList,
        Subscriber,
        Subscription,
    )
    from commonground.distribution.newsletter.editions import (
        PREFERENCES_PLACEHOLDER,
        UNSUBSCRIBE_PLACEHOLDER,
        edition_of,
        message_bytes,
        unsubscribe_url,
    )

    call_command("migrate", verbosity=0)
    news = MailingList.objects.create(name="Bench news", from_email="news@example.com")
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(email=f"reader-{n}@example.com") for n in range(args.recipients)
    )
    Subscription.objects.bulk_create(
        Subscription(subscriber=s, mailing_list=news, status=Subscription.Status.CONFIRMED)
        for s in subscribers
    )
    page = Page.objects.filter(depth=1).first()
    assert page is not None
    html = render_to_string(
        "distribution/email/newsletter.html",
        {
            "title": "The autumn catalogue",
            "summary": "Forty new products, and what our customers built with last year's.",
            "url": "https://example.com/autumn/?utm_source=newsletter&utm_medium=email",
            "list": news,
            "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
            "preferences_url": PREFERENCES_PLACEHOLDER,
            "site_name": "Common Ground",
        },
    )

    def new_dispatch(round_number: int) -> Dispatch:
        return Dispatch.objects.create(
            page=page,
            planned_channel_id=round_number,
            channel="newsletter",
            title="The autumn catalogue",
            url="https://example.com/autumn/?utm_source=newsletter&utm_medium=email",
            campaign="autumn",
            subject="The autumn catalogue is out",
            html=html,
            mailing_list=news,
            due_at=timezone.now(),
        )

    server = SMTPProcess(port)
    ceiling_rates, ours_rates = [], []
    try:
        for round_number in range(1, args.rounds + 1):
            # The ceiling: the same messages, built before the clock starts.
            dispatch = new_dispatch(round_number * 2)
            edition = edition_of(dispatch)
            subscriptions = list(
                Subscription.objects.filter(mailing_list=news).select_related("subscriber")
            )
            prepared = [
                (
                    s.subscriber.email,
                    message_bytes(
                        edition,
                        to=s.subscriber.email,
                        unsubscribe=unsubscribe_url(s),
                        preferences="https://example.com/p/",
                        idempotency_key=f"ceiling-{round_number}-{s.pk}",
                    ),
                )
                for s in subscriptions
            ]
            before = server.count()
            started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for address, body in prepared:
                    smtp.sendmail("news@example.com", [address], body)
            ceiling = time.perf_counter() - started
            assert server.count() - before == args.recipients
            ceiling_rates.append(args.recipients / ceiling)

            dispatch = new_dispatch(round_number * 2 + 1)
            before = server.count()
            started = time.perf_counter()
            run = services.deliver(dispatch.pk)
            ours = time.perf_counter() - started
            assert run is not None and run.sent == args.recipients, run
            assert server.count() - before == args.recipients
            assert (
                Delivery.objects.filter(dispatch=dispatch, status="sent").count() == args.recipients
            )
            ours_rates.append(args.recipients / ours)
            print(
                f"round {round_number}: smtplib {ceiling_rates[-1]:,.0f} msg/s, "
                f"newsletter {ours_rates[-1]:,.0f} msg/s",
                flush=True,
            )
    finally:
        server.stop()
    ceiling_median, ours_median = statistics.median(ceiling_rates), statistics.median(ours_rates)
    print(f"\n{args.recipients:,} recipients, median of {args.rounds} rounds")
    print(f"{'plain smtplib loop (ceiling)':<32} {ceiling_median:>10,.0f} msg/s")
    print(f"{'newsletter (services.deliver)':<32} {ours_median:>10,.0f} msg/s")
    print(f"{'ratio':<32} {ours_median / ceiling_median:>10.2f}  (bar: >= 0.5)")
    try:
        # Before the data directory goes: the webhook threads open connections of their own.
        _webhook_fan_out(args.receivers, args.rounds, new_dispatch, args.webhook_concurrency)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _webhook_fan_out(count: int, rounds: int, new_dispatch: Any, concurrency: int) -> None:
    """One published page to ``count`` webhook subscriptions on local receivers, next to a
    plain urllib loop POSTing the same signed bodies to the same receivers."""
    import json
    import urllib.request

    from django.test import override_settings

    from commonground.distribution import services
    from commonground.distribution.channels import get_channel
    from commonground.distribution.models import Delivery
    from commonground.distribution.webhooks.models import WebhookSubscription
    from commonground.distribution.webhooks.signing import signature_headers

    receivers = subprocess.Popen(
        [sys.executable, "-c", RECEIVERS, str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert receivers.stdout is not None
    ports = [int(p) for p in receivers.stdout.readline().split()]
    subscriptions = [
        WebhookSubscription.objects.create(
            name=f"receiver {n}", url=f"http://127.0.0.1:{port}/hook"
        )
        for n, port in enumerate(ports)
    ]
    channels = {
        "webhooks": {
            "BACKEND": "commonground.distribution.channels.webhook.WebhookChannel",
            "OPTIONS": {"allow_private_networks": True},
        }
    }
    if concurrency:
        channels["webhooks"]["OPTIONS"]["concurrency"] = concurrency
    plain_rates, ours_rates = [], []
    try:
        with override_settings(DISTRIBUTION_CHANNELS=channels):
            get_channel.cache_clear()
            for round_number in range(rounds):
                body = json.dumps({"type": "page.published", "data": {"title": "Autumn"}}).encode()
                started = time.perf_counter()
                for n, subscription in enumerate(subscriptions):
                    headers = signature_headers(
                        [subscription.secret],
                        msg_id=f"plain-{round_number}-{n}",
                        timestamp=int(time.time()),
                        body=body,
                    )
                    request = urllib.request.Request(
                        subscription.url,
                        data=body,
                        headers={**headers, "Content-Type": "application/json"},
                    )
                    with urllib.request.urlopen(request, timeout=10) as answer:
                        assert answer.status == 204
                plain_rates.append(count / (time.perf_counter() - started))

                dispatch = new_dispatch(10_000 + round_number)
                dispatch.channel, dispatch.mailing_list = "webhooks", None
                dispatch.save(update_fields=["channel", "mailing_list"])
                started = time.perf_counter()
                run = services.deliver(dispatch.pk)
                took = time.perf_counter() - started
                assert run is not None and run.sent == count, run
                sent = Delivery.objects.filter(dispatch=dispatch, status="sent").count()
                assert sent == count
                ours_rates.append(count / took)
    finally:
        assert receivers.stdin is not None
        receivers.stdin.close()
        receivers.wait(timeout=10)
    plain, ours = statistics.median(plain_rates), statistics.median(ours_rates)
    print(f"\nwebhook fan-out to {count} local receivers, median of {rounds} rounds")
    print(f"{'plain urllib loop (ceiling)':<32} {plain:>10,.0f} deliveries/s")
    print(f"{'webhooks (services.deliver)':<32} {ours:>10,.0f} deliveries/s")
    print(f"{'ratio':<32} {ours / plain:>10.2f}")


if __name__ == "__main__":
    main()

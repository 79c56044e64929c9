"""A dispatch's webhooks go to their endpoints in parallel, bounded, each endpoint in order:
real local receivers (one thread per request) that note when each request came and left."""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone
from wagtail.models import Page

from commonground.distribution import services
from commonground.distribution.channels import get_channel
from commonground.distribution.models import Delivery, Dispatch
from commonground.distribution.webhooks.models import WebhookAttempt, WebhookSubscription

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BACKEND = "commonground.distribution.channels.webhook.WebhookChannel"
SLOW_SECONDS = 3.0
TIMEOUT_SECONDS = 10.0


@dataclass
class Receivers:
    """Endpoints on one local server, told apart by path; ``/slow...`` paths stall."""

    url: str = ""
    stall: dict[str, float] = field(default_factory=dict)  # path prefix -> seconds
    arrived: dict[str, list[float]] = field(default_factory=dict)
    in_flight: int = 0
    most_in_flight: int = 0
    per_path_in_flight: dict[str, int] = field(default_factory=dict)
    most_per_path: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, path: str) -> float:
        with self.lock:
            self.arrived.setdefault(path, []).append(time.monotonic())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.per_path_in_flight[path] = self.per_path_in_flight.get(path, 0) + 1
            self.most_per_path = max(self.most_per_path, self.per_path_in_flight[path])
        return next((s for prefix, s in self.stall.items() if path.startswith(prefix)), 0.0)

    def leave(self, path: str) -> None:
        with self.lock:
            self.in_flight -= 1
            self.per_path_in_flight[path] -= 1


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    state = Receivers()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(state.enter(self.path))
            state.leave(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def _channel(settings: Any, **options: Any) -> None:
    settings.DISTRIBUTION_CHANNELS = {
        "webhooks": {
            "BACKEND": BACKEND,
            "OPTIONS": {
                "allow_private_networks": True,
                "timeout_seconds": TIMEOUT_SECONDS,
                **options,
            },
        }
    }
    get_channel.cache_clear()


def _dispatch(home: Page) -> Dispatch:
    return Dispatch.objects.create(
        page=home,
        planned_channel_id=1,
        channel="webhooks",
        title="Autumn",
        url="https://example.com/autumn/",
        due_at=timezone.now(),
    )


def _subscribe(url: str, name: str) -> WebhookSubscription:
    return WebhookSubscription.objects.create(name=name, url=url)


def test_one_slow_receiver_does_not_hold_up_the_fast_ones(
    home: Page, settings: Any, receivers: Receivers
) -> None:
    _channel(settings)
    receivers.stall["/slow"] = SLOW_SECONDS
    # The slow one first: one after another, every fast one would wait behind it.
    slow = _subscribe(f"{receivers.url}/slow", "slow")
    fast = [_subscribe(f"{receivers.url}/fast-{n}", f"fast {n}") for n in range(20)]
    dispatch = _dispatch(home)

    started = time.monotonic()
    run = services.deliver(dispatch.pk)
    took = time.monotonic() - started

    assert run is not None and (run.sent, run.failed, run.retrying) == (21, 0, 0)
    fast_arrivals = [receivers.arrived[f"/fast-{n}"][0] - started for n in range(20)]
    # All 20 reached their receivers well before the slow one answered (let alone timed out).
    assert max(fast_arrivals) < SLOW_SECONDS / 2, fast_arrivals
    rows = {d.recipient: d for d in Delivery.objects.filter(dispatch=dispatch)}
    slow_sent = rows[slow.recipient].sent_at
    assert slow_sent is not None
    for subscription in fast:
        delivery = rows[subscription.recipient]
        assert delivery.status == Delivery.Status.SENT
        assert delivery.sent_at is not None and delivery.sent_at < slow_sent
    # The slow one in parallel with the rest: the whole took about its 3 s, not 3 s more.
    assert SLOW_SECONDS <= took < SLOW_SECONDS + 2, took
    # Every attempt logged once, against its delivery; the dispatch finished.
    assert WebhookAttempt.objects.count() == 21
    assert set(WebhookAttempt.objects.values_list("delivery_id", flat=True)) == {
        d.pk for d in rows.values()
    }
    assert Dispatch.objects.get(pk=dispatch.pk).status == Dispatch.Status.DONE


def test_concurrency_is_bounded_and_one_endpoint_gets_one_request_at_a_time(
    home: Page, settings: Any, receivers: Receivers
) -> None:
    _channel(settings, concurrency=3)
    receivers.stall["/"] = 0.3
    # Six endpoints, two subscriptions each (the same URL): twelve deliveries.
    for n in range(12):
        _subscribe(f"{receivers.url}/endpoint-{n % 6}", f"subscription {n}")
    dispatch = _dispatch(home)

    run = services.deliver(dispatch.pk)

    assert run is not None and run.sent == 12
    assert receivers.most_in_flight == 3  # parallel, and never more than the bound
    assert receivers.most_per_path == 1  # one endpoint: one after another
    assert sum(len(times) for times in receivers.arrived.values()) == 12
    # Each endpoint's two deliveries went in the order they were made (by delivery row).
    by_endpoint: dict[str, list[Delivery]] = {}
    subscriptions = {s.recipient: s for s in WebhookSubscription.objects.all()}
    for delivery in Delivery.objects.filter(dispatch=dispatch).order_by("pk"):
        by_endpoint.setdefault(subscriptions[delivery.recipient].url, []).append(delivery)
    for first, second in by_endpoint.values():
        assert first.sent_at is not None and second.sent_at is not None
        assert first.sent_at < second.sent_at


def test_a_pause_stops_every_sending_thread(
    home: Page, settings: Any, receivers: Receivers
) -> None:
    _channel(settings, concurrency=2)
    receivers.stall["/"] = 0.4
    for n in range(10):
        _subscribe(f"{receivers.url}/endpoint-{n}", f"subscription {n}")
    dispatch = _dispatch(home)
    pauser = threading.Timer(0.2, lambda: services.pause(Dispatch.objects.get(pk=dispatch.pk)))
    pauser.start()
    try:
        run = services.deliver(dispatch.pk)
    finally:
        pauser.join()

    assert run is not None and run.stopped
    # The two first went out; the pause was seen within a renewal (1 s): not all ten.
    assert 2 <= run.sent < 10
    statuses = list(Delivery.objects.filter(dispatch=dispatch).values_list("status", flat=True))
    assert statuses.count(Delivery.Status.SENT) == run.sent
    assert statuses.count(Delivery.Status.QUEUED) == 10 - run.sent

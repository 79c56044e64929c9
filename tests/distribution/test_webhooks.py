"""Signed webhooks against a real local receiver that checks every signature itself.

The receiver's check is written here from the Standard Webhooks specification, not by calling
``signing.verify``: a bug shared by our signer and our verifier would otherwise pass unseen.
"""

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import random
import re
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser, Permission
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import Client
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.log_actions import LogActionRegistry
from wagtail.log_actions import registry as log_actions
from wagtail.models import ModelLogEntry
from wagtail.utils.urlpatterns import decorate_urlpatterns

from commonground.config import urls as project_urls
from commonground.content.models import HomePage
from commonground.distribution.channels import Message, Refused, RetryLater, Sent, get_channel
from commonground.distribution.channels.webhook import WebhookChannel
from commonground.distribution.models import Delivery, Dispatch
from commonground.distribution.webhooks import services, signing
from commonground.distribution.webhooks.models import WebhookAttempt, WebhookSubscription
from commonground.distribution.webhooks.options import WebhookOptions
from commonground.distribution.webhooks.retry import (
    backoff_ceiling,
    backoff_delay,
    parse_retry_after,
    retry_wait,
)
from commonground.distribution.webhooks.sender import post_webhook
from commonground.distribution.webhooks.views import register_webhook_log_actions, webhook_viewset

from ..conftest import client_for
from ..core.factories import UserFactory

CHANNEL = "webhooks"
BACKEND = "commonground.distribution.channels.webhook.WebhookChannel"
# Tiny waits, so three attempts take a fraction of a second; a threshold reachable in a test.
OPTIONS = {
    "base_seconds": 0.05,
    "cap_seconds": 5,
    "max_attempts": 5,
    "disable_after_failures": 4,
    "timeout_seconds": 2,
    "allow_private_networks": True,  # the receiver is on 127.0.0.1
}
TOLERANCE = 300  # seconds, the specification's recommendation


# --- the receiver -----------------------------------------------------------------------------


def receiver_check(secrets: list[str], headers: dict[str, str], body: bytes) -> str:
    """The receiver's own verification, from the spec: "" if valid, else why not."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (msg_id and timestamp and signatures):
        return "missing header"
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE:
        return "timestamp outside tolerance"
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    for secret in secrets:
        assert secret.startswith("whsec_")
        key = base64.b64decode(secret[len("whsec_") :])
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        for entry in signatures.split(" "):
            version, _, signature = entry.partition(",")
            if version == "v1" and hmac.compare_digest(signature, expected):
                return ""
    return "bad signature"


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    problem: str  # "" when the signature checked out

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 answering from a script (default 200), refusing (401)
    what it cannot verify and processing each webhook-id once."""

    secrets: list[str] = field(default_factory=list)
    # Each entry: a status, or (status, headers), or (status, headers, seconds to stall).
    script: list[Any] = field(default_factory=list)
    requests: list[ReceivedRequest] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)  # webhook-ids, each once
    url: str = ""

    def answer(self, request: ReceivedRequest) -> tuple[int, dict[str, str], float]:
        self.requests.append(request)
        if request.problem:
            return 401, {}, 0.0
        entry = self.script.pop(0) if self.script else 200
        entry = entry if isinstance(entry, tuple) else (entry,)
        status, headers, stall = entry + (200, {}, 0.0)[len(entry) :]
        msg_id = request.headers["webhook-id"]
        if 200 <= status < 300 and msg_id not in self.processed:
            self.processed.append(msg_id)
        return status, headers, stall


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = ReceivedRequest(
                self.path, headers, body, receiver_check(state.secrets, headers, body)
            )
            status, extra_headers, stall = state.answer(request)
            time.sleep(stall)
            answer = f'{{"status":{status}}}'.encode()
            self.send_response(status)
            for name, value in extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError):  # a sender that gave up waiting
                self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/common-ground"
    yield state
    server.shutdown()
    server.server_close()


# --- what the tests share ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _webhook_log_actions() -> Iterator[None]:
    """Wagtail refuses log entries with unregistered actions. Until the register_log_actions
    hook is wired (see test_the_admin_wiring_is_in_place), register ours for the test."""
    log_actions.scan_for_actions()
    if log_actions.action_exists(services.DISABLED):
        yield
        return
    formatters, choices = dict(log_actions.formatters), list(log_actions.choices)
    register_webhook_log_actions(log_actions)
    yield
    log_actions.formatters, log_actions.choices = formatters, choices


@pytest.fixture
def channel(settings: Any, db: None) -> Iterator[WebhookChannel]:
    settings.DISTRIBUTION_CHANNELS = {CHANNEL: {"BACKEND": BACKEND, "OPTIONS": OPTIONS}}
    get_channel.cache_clear()
    built = get_channel(CHANNEL)
    assert isinstance(built, WebhookChannel)
    built.jitter.seed(20261201)
    yield built
    get_channel.cache_clear()


@pytest.fixture
def owner(db: None) -> AbstractUser:
    return UserFactory(email="webhook-owner@example.com")


def subscribe(receiver: Receiver, owner: AbstractUser | None = None, **fields: Any) -> Any:
    subscription = WebhookSubscription(
        name=fields.pop("name", "CRM sync"), url=fields.pop("url", receiver.url), owner=owner
    )
    for name, value in fields.items():
        setattr(subscription, name, value)
    subscription.full_clean()
    subscription.save()
    receiver.secrets.append(subscription.secret)
    return subscription


def delivery_for(home: HomePage, recipient: str) -> Delivery:
    """The outbox rows the dispatcher would have written for one published page."""
    dispatch = Dispatch.objects.create(
        page=home,
        planned_channel_id=4711,
        channel=CHANNEL,
        title="Spring launch: café edition",
        url="https://commonground.example/blog/spring/?utm_source=webhook",
        campaign="spring",
        summary="Everything new this spring.",
        due_at=timezone.now(),
    )
    return Delivery.objects.create(
        dispatch=dispatch, recipient=recipient, idempotency_key=f"plan-4711:{recipient}"
    )


def message_for(delivery: Delivery, attempt: int) -> Message:
    dispatch = delivery.dispatch
    return Message(
        idempotency_key=delivery.idempotency_key,
        title=dispatch.title,
        url=dispatch.url,
        summary=dispatch.summary,
        text="Our spring launch is live.",
        recipient=delivery.recipient,
        extra={"attempt": attempt},
    )


def deliver_as_the_dispatcher_does(
    channel: WebhookChannel, delivery: Delivery, *, max_wait: float = 5.0
) -> tuple[Sent | Refused, list[float]]:
    """send(), and on RetryLater wait what it says and send the next attempt, same key."""
    waits = []
    attempt = 1
    while True:
        try:
            return channel.send(message_for(delivery, attempt)), waits
        except RetryLater as later:
            assert later.retry_after is not None
            assert 0 <= later.retry_after <= max_wait
            waits.append(later.retry_after)
            time.sleep(later.retry_after)
            attempt += 1
        except Refused as refused:
            return refused, waits


def logged(subscription: WebhookSubscription, action: str) -> list[ModelLogEntry]:
    return list(ModelLogEntry.objects.filter(object_id=str(subscription.pk), action=action))


# --- the acceptance test ----------------------------------------------------------------------


def test_a_receiver_answering_500_twice_then_200_gets_the_delivery_once(
    channel: WebhookChannel, receiver: Receiver, home: HomePage, owner: AbstractUser
) -> None:
    subscription = subscribe(receiver, owner)
    [recipient] = channel.recipients("page.published")
    delivery = delivery_for(home, recipient)
    receiver.script = [500, 500, 200]

    outcome, waits = deliver_as_the_dispatcher_does(channel, delivery)

    assert outcome == Sent(remote_id="200", detail='{"status":200}')
    assert len(waits) == 2
    # Three requests, every one signed correctly, all with the delivery's one webhook-id.
    assert [r.problem for r in receiver.requests] == ["", "", ""]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.idempotency_key}
    assert receiver.processed == [delivery.idempotency_key]  # accepted exactly once
    log = WebhookAttempt.objects.filter(subscription=subscription).order_by("pk")
    assert [(a.attempt, a.status_code) for a in log] == [(1, 500), (2, 500), (3, 200)]
    assert {a.delivery_id for a in log} == {delivery.pk}
    assert all(a.msg_id == delivery.idempotency_key for a in log)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    assert subscription.is_active


def test_each_request_is_compact_utf8_json_with_the_signature_headers(
    channel: WebhookChannel, receiver: Receiver, home: HomePage
) -> None:
    subscription = subscribe(receiver)
    delivery = delivery_for(home, subscription.recipient)

    channel.send(message_for(delivery, 1))

    [request] = receiver.requests
    assert request.path == "/hooks/common-ground"
    assert request.headers["content-type"] == "application/json"
    assert "CommonGround" in request.headers["user-agent"]
    assert re.fullmatch(r"v1,[A-Za-z0-9+/]{43}=", request.headers["webhook-signature"])
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 5
    assert "café".encode() in request.body  # UTF-8, not \u escapes
    assert (
        request.body
        == json.dumps(request.payload, separators=(",", ":"), ensure_ascii=False).encode()
    )
    payload = request.payload
    assert payload["type"] == "page.published"
    assert payload["timestamp"].endswith("Z")
    assert payload["data"] == {
        "title": "Spring launch: café edition",
        "url": "https://commonground.example/blog/spring/?utm_source=webhook",
        "summary": "Everything new this spring.",
        "text": "Our spring launch is live.",
        "page_id": home.pk,
    }


def test_recipients_are_the_active_subscriptions_to_the_event(
    channel: WebhookChannel, receiver: Receiver
) -> None:
    wanted = subscribe(receiver, name="wants pages")
    subscribe(receiver, name="disabled", is_active=False)
    subscribe(receiver, name="tests only", events=["webhook.test"])

    assert channel.recipients("page.published") == [f"webhook:{wanted.pk}"]
    assert channel.per_recipient is True
    assert channel.label == "Webhooks"


def test_deleted_disabled_and_unsubscribed_recipients_are_refused_without_a_request(
    channel: WebhookChannel, receiver: Receiver, home: HomePage
) -> None:
    subscription = subscribe(receiver)
    delivery = delivery_for(home, subscription.recipient)

    WebhookSubscription.objects.filter(pk=subscription.pk).update(events=["webhook.test"])
    with pytest.raises(Refused, match=r"no longer subscribes to page\.published"):
        channel.send(message_for(delivery, 1))
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False, disabled_reason="disabled by admin"
    )
    with pytest.raises(Refused, match="is disabled: disabled by admin"):
        channel.send(message_for(delivery, 1))
    subscription.delete()
    with pytest.raises(Refused, match="deleted"):
        channel.send(message_for(delivery, 1))
    assert receiver.requests == []


# --- signatures -------------------------------------------------------------------------------


def test_signatures_match_the_standard_webhooks_test_vector() -> None:
    # The specification's reference libraries publish this vector.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    headers = signing.signature_headers(
        [secret], msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=body
    )

    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    signing.verify(secret, headers, body, now=1614265330 + 10)


def test_verify_refuses_tampering_replays_and_missing_headers(
    channel: WebhookChannel, receiver: Receiver, home: HomePage
) -> None:
    subscription = subscribe(receiver)
    channel.send(message_for(delivery_for(home, subscription.recipient), 1))
    [request] = receiver.requests
    secret, headers, body = subscription.secret, request.headers, request.body
    sent_at = int(headers["webhook-timestamp"])

    signing.verify(secret, headers, body)  # what was sent verifies
    signing.verify(secret, {k.upper(): v for k, v in headers.items()}, body)  # any case
    with pytest.raises(signing.BadSignatureError):
        signing.verify(secret, headers, body.replace(b"Spring", b"Autumn"))
    with pytest.raises(signing.BadSignatureError):
        signing.verify(secret, {**headers, "webhook-id": "plan-1:webhook:999"}, body)
    with pytest.raises(signing.BadSignatureError):
        signing.verify(signing.new_webhook_secret(), headers, body)
    with pytest.raises(signing.TimestampOutsideToleranceError, match="replay"):
        signing.verify(secret, headers, body, now=sent_at + TOLERANCE + 1)
    with pytest.raises(signing.TimestampOutsideToleranceError, match="future"):
        signing.verify(secret, headers, body, now=sent_at - TOLERANCE - 1)
    # A replay with a fresh timestamp but the old signature does not verify either.
    fresh = {**headers, "webhook-timestamp": str(sent_at + 1)}
    with pytest.raises(signing.BadSignatureError):
        signing.verify(secret, fresh, body)
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        without = {k: v for k, v in headers.items() if k != name}
        with pytest.raises(signing.MissingHeaderError, match=name):
            signing.verify(secret, without, body)


def test_message_ids_are_stable_and_never_contain_a_dot() -> None:
    assert signing.message_id_for("plan-12:webhook:3") == "plan-12:webhook:3"
    odd = signing.message_id_for("plan-12:feed.example.org")
    assert odd == signing.message_id_for("plan-12:feed.example.org")
    assert odd.startswith("msg_") and "." not in odd


# --- retries ----------------------------------------------------------------------------------


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 (jitter, not cryptography)


def test_backoff_doubles_up_to_its_cap_and_jitters_over_the_whole_range() -> None:
    rng = seeded(7)
    base, cap, samples = 30.0, 6 * 3600.0, 4000
    means = []
    for attempt in range(1, 12):
        ceiling = backoff_ceiling(attempt, base=base, cap=cap)
        assert ceiling == min(cap, base * 2 ** (attempt - 1))
        delays = [backoff_delay(attempt, base=base, cap=cap, rng=rng) for _ in range(samples)]
        assert all(0.0 <= delay <= ceiling for delay in delays)
        # Full jitter is uniform on [0, ceiling]: mean ceiling/2, both ends reached.
        assert statistics.fmean(delays) == pytest.approx(ceiling / 2, rel=0.05)
        assert min(delays) < 0.05 * ceiling and max(delays) > 0.95 * ceiling
        means.append(statistics.fmean(delays))
    # Doubling while under the cap (attempt 10's ceiling is 4.3 h, 11's would be 8.5 h).
    assert all(later > 1.8 * earlier for earlier, later in itertools.pairwise(means[:10]))
    assert backoff_ceiling(11, base=base, cap=cap) == cap
    assert backoff_ceiling(10_000, base=base, cap=cap) == cap  # no overflow


def test_a_longer_retry_after_wins_up_to_the_cap() -> None:
    rng = seeded(1)
    assert retry_wait(1, base=1, cap=100, rng=rng, retry_after=50) == 50
    assert retry_wait(1, base=1, cap=100, rng=rng, retry_after=10_000) == 100
    assert retry_wait(8, base=10, cap=100, rng=seeded(3), retry_after=0.5) == pytest.approx(
        backoff_delay(8, base=10, cap=100, rng=seeded(3))
    )
    assert parse_retry_after("120") == 120
    in_a_minute = format_datetime(timezone.now() + timedelta(seconds=60), usegmt=True)
    assert parse_retry_after(in_a_minute) == pytest.approx(60, abs=2)
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize("status", [429, 503])
def test_the_channel_honours_retry_after_on_429_and_503(
    status: int, channel: WebhookChannel, receiver: Receiver, home: HomePage
) -> None:
    subscription = subscribe(receiver)
    receiver.script = [(status, {"Retry-After": "3"})]

    with pytest.raises(RetryLater) as later:
        channel.send(message_for(delivery_for(home, subscription.recipient), 1))

    assert later.value.retry_after == 3  # the backoff alone would be at most 0.05 s
    assert f"HTTP {status}" in str(later.value)


def test_retry_after_is_ignored_on_other_failures(
    channel: WebhookChannel, receiver: Receiver, home: HomePage
) -> None:
    subscription = subscribe(receiver)
    receiver.script = [(500, {"Retry-After": "3"})]

    with pytest.raises(RetryLater) as later:
        channel.send(message_for(delivery_for(home, subscription.recipient), 1))

    assert later.value.retry_after is not None
    assert later.value.retry_after <= OPTIONS["base_seconds"]


def test_the_channel_gives_up_after_max_attempts(receiver: Receiver, home: HomePage) -> None:
    patient = WebhookChannel(CHANNEL, **{**OPTIONS, "disable_after_failures": 100})
    subscription = subscribe(receiver)
    receiver.script = [502] * 10

    outcome, waits = deliver_as_the_dispatcher_does(
        patient, delivery_for(home, subscription.recipient)
    )

    assert isinstance(outcome, Refused)
    assert str(outcome) == "gave up after 5 attempts: HTTP 502"
    assert len(receiver.requests) == 5
    assert len(waits) == 4
    # Each wait within its own ceiling: 0.05, 0.1, 0.2, 0.4 s.
    assert all(w <= 0.05 * 2**i for i, w in enumerate(waits))


# --- failures ---------------------------------------------------------------------------------


def test_repeated_failures_disable_the_subscription_log_it_and_email_the_owner(
    channel: WebhookChannel,
    receiver: Receiver,
    home: HomePage,
    owner: AbstractUser,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription = subscribe(receiver, owner)
    first = delivery_for(home, subscription.recipient)
    receiver.script = [500] * 10

    with django_capture_on_commit_callbacks(execute=True):
        for attempt in (1, 2, 3):
            with pytest.raises(RetryLater):
                channel.send(message_for(first, attempt))
        assert mail.outbox == []
        with pytest.raises(Refused, match="webhook disabled: 4 failed attempts in a row"):
            channel.send(message_for(first, 4))

    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_at is not None
    assert subscription.consecutive_failures == 4
    assert subscription.disabled_reason == "4 failed attempts in a row; the last: HTTP 500"
    [entry] = logged(subscription, "distribution.webhook.disabled")
    assert entry.data["reason"] == subscription.disabled_reason
    assert entry.user is None
    [notice] = mail.outbox
    assert notice.to == ["webhook-owner@example.com"]
    assert notice.subject == "Webhook “CRM sync” was disabled"
    assert "4 failed attempts in a row; the last: HTTP 500" in notice.body
    assert receiver.url in notice.body
    assert "Tick “Active” and save" in notice.body
    # Nothing more is sent until someone re-enables it.
    with pytest.raises(Refused, match="is disabled"):
        channel.send(message_for(first, 5))
    assert len(receiver.requests) == 4


def test_a_success_resets_the_failure_count(
    channel: WebhookChannel, receiver: Receiver, home: HomePage
) -> None:
    subscription = subscribe(receiver)
    receiver.script = [500, 500, 500, 200, 500, 500, 500]
    delivery = delivery_for(home, subscription.recipient)

    outcome, _ = deliver_as_the_dispatcher_does(channel, delivery)
    assert isinstance(outcome, Sent)
    with pytest.raises(RetryLater):
        channel.send(message_for(delivery, 1))

    subscription.refresh_from_db()
    assert subscription.is_active  # 3 + 1 failures in a row, never 4
    assert subscription.consecutive_failures == 1


def test_410_gone_disables_at_once(
    channel: WebhookChannel,
    receiver: Receiver,
    home: HomePage,
    owner: AbstractUser,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription = subscribe(receiver, owner)
    receiver.script = [410]

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Refused, match="410"):
        channel.send(message_for(delivery_for(home, subscription.recipient), 1))

    subscription.refresh_from_db()
    assert not subscription.is_active
    assert "410 Gone" in subscription.disabled_reason
    assert len(mail.outbox) == 1


def test_a_redirect_is_a_failure_and_is_not_followed(
    channel: WebhookChannel, receiver: Receiver, home: HomePage
) -> None:
    subscription = subscribe(receiver)
    receiver.script = [(301, {"Location": receiver.url + "/moved"})]

    with pytest.raises(RetryLater, match="redirects are not followed"):
        channel.send(message_for(delivery_for(home, subscription.recipient), 1))

    assert [r.path for r in receiver.requests] == ["/hooks/common-ground"]
    [attempt] = subscription.attempts.all()
    assert attempt.status_code == 301
    assert "/moved" in attempt.error


def test_timeouts_and_refused_connections_are_failures(receiver: Receiver) -> None:
    receiver.secrets.append(secret := signing.new_webhook_secret())
    headers = signing.signature_headers(
        [secret], msg_id="msg_1", timestamp=int(time.time()), body=b"{}"
    )
    receiver.script = [(200, {}, 1.5)]

    slow = post_webhook(
        receiver.url, body=b"{}", headers=headers, timeout=0.3, allow_private_networks=True
    )
    refused = post_webhook(
        closed_port_url(), body=b"{}", headers=headers, timeout=0.3, allow_private_networks=True
    )

    assert slow.status_code is None and slow.error == "no answer within 0.3 s"
    assert refused.status_code is None and refused.error.startswith("could not connect")
    assert not slow.succeeded and not refused.succeeded


def closed_port_url() -> str:
    """A URL on a port nothing listens on (bound and released: free, not listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_private_addresses_are_refused_unless_allowed(receiver: Receiver, home: HomePage) -> None:
    default = WebhookChannel(CHANNEL)
    subscription = subscribe(receiver)
    localhost = receiver.url.replace("127.0.0.1", "localhost")

    with pytest.raises(RetryLater, match=r"127\.0\.0\.1 is not a public address \(loopback\)"):
        default.send(message_for(delivery_for(home, subscription.recipient), 1))
    by_name = post_webhook(localhost, body=b"{}", headers={}, timeout=1)
    mapped = post_webhook("http://[::ffff:127.0.0.1]:9/", body=b"{}", headers={}, timeout=1)

    assert "localhost resolves to" in by_name.error and "not a public address" in by_name.error
    assert "not a public address" in mapped.error
    assert receiver.requests == []


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "example.com/hook"],
)
def test_only_http_and_https_urls_are_accepted(db: None, url: str) -> None:
    subscription = WebhookSubscription(name="bad", url=url)
    with pytest.raises(ValidationError) as invalid:
        subscription.full_clean()
    assert "url" in invalid.value.message_dict
    # And the sender refuses them even if one got into the database.
    response = post_webhook(url, body=b"{}", headers={}, timeout=1)
    assert response.error == "only http and https URLs are allowed"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "https://crm.example.com/in"])
def test_http_and_https_urls_are_fine(db: None, url: str) -> None:
    WebhookSubscription(name="ok", url=url).full_clean()


def test_events_come_from_the_fixed_set(db: None) -> None:
    for events in ([], ["page.deleted"], "page.published"):
        with pytest.raises(ValidationError) as invalid:
            WebhookSubscription(name="x", url="https://a.example/", events=events).full_clean()
        assert "events" in invalid.value.message_dict


def test_unknown_options_are_reported_and_bad_ones_refused() -> None:
    assert WebhookChannel(CHANNEL, base_secs=1).problems() == ["unknown webhook option 'base_secs'"]
    with pytest.raises(ImproperlyConfigured):
        WebhookChannel(CHANNEL, max_attempts="many")
    with pytest.raises(ImproperlyConfigured):
        WebhookChannel(CHANNEL, base_seconds=60, cap_seconds=30)
    assert WebhookOptions.from_options({}).disable_after_failures == 15


# --- the admin --------------------------------------------------------------------------------

# Used only while the viewset is not registered through distribution/wagtail_hooks.py.
urlpatterns = [
    path(
        f"admin/{webhook_viewset.url_prefix}/",
        include(
            (
                decorate_urlpatterns(webhook_viewset.get_urlpatterns(), require_admin_access),
                webhook_viewset.url_namespace,
            ),
            namespace=webhook_viewset.url_namespace,
        ),
    ),
    *project_urls.urlpatterns,
]


@pytest.fixture
def admin_urls(settings: Any, channel: WebhookChannel) -> None:
    """The admin's URLs, and a configured webhook channel (its options apply to tests)."""
    try:
        reverse(f"{webhook_viewset.url_namespace}:index")
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__


def admin_url(view: str, subscription: WebhookSubscription) -> str:
    return reverse(f"{webhook_viewset.url_namespace}:{view}", args=[subscription.pk])


def user_with(*codenames: str) -> AbstractUser:
    user = UserFactory()
    permissions = Permission.objects.filter(
        content_type__app_label__in=["wagtailadmin", "distribution"], codename__in=codenames
    )
    assert permissions.count() == len(codenames)
    user.user_permissions.add(*permissions)
    return user


@pytest.fixture
def manager(db: None) -> AbstractUser:
    return user_with(
        "access_admin",
        "add_webhooksubscription",
        "change_webhooksubscription",
        "delete_webhooksubscription",
        "view_webhooksubscription",
    )


@pytest.fixture
def reader(db: None) -> AbstractUser:
    return user_with("access_admin", "view_webhooksubscription")


def csrf_client_for(user: AbstractUser) -> Client:
    return client_for(user, enforce_csrf_checks=True)


def csrf_token(page: Any) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert match, "no CSRF token on the page"
    return match[1].decode()


def assert_refused(response: Any, subscription: WebhookSubscription) -> None:
    """Wagtail answers a PermissionDenied in the admin by sending people to its home page."""
    assert (response.status_code, response.get("Location")) in {
        (403, None),
        (302, reverse("wagtailadmin_home")),
    }
    assert subscription.secret.encode() not in response.content


def shown_messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_send_test_posts_a_signed_test_event_and_shows_the_status_code(
    admin_urls: None, manager: AbstractUser, receiver: Receiver
) -> None:
    subscription = subscribe(receiver)
    client = csrf_client_for(manager)
    edit = client.get(admin_url("edit", subscription))
    assert edit.status_code == 200
    assert subscription.secret.encode() in edit.content

    # Without the CSRF token: refused, nothing sent.
    assert client.post(admin_url("send_test", subscription)).status_code == 403
    assert receiver.requests == []

    answer = client.post(
        admin_url("send_test", subscription),
        {"csrfmiddlewaretoken": csrf_token(edit), "next": admin_url("edit", subscription)},
        follow=True,
    )

    assert answer.redirect_chain[-1][0] == admin_url("edit", subscription)
    [shown] = shown_messages(answer)
    assert shown.startswith("Test sent: the receiver answered HTTP 200 in ")
    [request] = receiver.requests
    assert request.problem == ""
    assert request.payload["type"] == "webhook.test"
    assert request.payload["data"]["sent_by"] == manager.get_username()
    [attempt] = subscription.attempts.all()
    assert (attempt.status_code, attempt.delivery_id, attempt.event) == (200, None, "webhook.test")
    assert b'id="webhook-delivery-log"' in answer.content
    assert b'data-status-code="200"' in answer.content


def test_a_failed_test_says_why_and_does_not_count_as_a_failure(
    admin_urls: None, manager: AbstractUser, receiver: Receiver
) -> None:
    subscription = subscribe(receiver)
    receiver.script = [500]

    answer = client_for(manager).post(admin_url("send_test", subscription), follow=True)

    assert shown_messages(answer) == ["Test failed: HTTP 500."]
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    assert b'data-status-code="500"' in answer.content


def test_people_who_may_only_view_see_the_log_but_not_the_secret_or_the_button(
    admin_urls: None, reader: AbstractUser, receiver: Receiver
) -> None:
    subscription = subscribe(receiver)
    WebhookAttempt.objects.create(
        subscription=subscription, msg_id="msg_x", event="page.published", status_code=502
    )
    client = client_for(reader)

    inspect = client.get(admin_url("inspect", subscription))
    assert inspect.status_code == 200
    assert b'data-status-code="502"' in inspect.content
    assert subscription.secret.encode() not in inspect.content
    assert b"Send test" not in inspect.content
    listing = client.get(reverse(f"{webhook_viewset.url_namespace}:index"))
    assert listing.status_code == 200
    assert subscription.secret.encode() not in listing.content
    assert_refused(client.get(admin_url("edit", subscription)), subscription)
    assert_refused(client.post(admin_url("send_test", subscription)), subscription)
    assert_refused(client.post(admin_url("rotate_secret", subscription)), subscription)
    assert receiver.requests == []
    assert WebhookSubscription.objects.get().secret == subscription.secret


def test_people_without_webhook_permissions_get_nothing(
    admin_urls: None, viewer: AbstractUser, receiver: Receiver
) -> None:
    subscription = subscribe(receiver)
    client = client_for(viewer)

    for view in ("inspect", "edit"):
        assert_refused(client.get(admin_url(view, subscription)), subscription)
    assert_refused(client.post(admin_url("send_test", subscription)), subscription)
    assert receiver.requests == []


def test_rotating_the_secret_keeps_the_old_one_signing_for_a_while(
    admin_urls: None, manager: AbstractUser, receiver: Receiver
) -> None:
    subscription = subscribe(receiver)
    old = subscription.secret

    answer = client_for(manager).post(admin_url("rotate_secret", subscription), follow=True)

    subscription.refresh_from_db()
    assert subscription.secret != old and subscription.secret.startswith("whsec_")
    assert "New secret made" in shown_messages(answer)[0]
    assert subscription.secret.encode() in answer.content
    [entry] = logged(subscription, "distribution.webhook.secret_rotated")
    assert old not in json.dumps(entry.data) and subscription.secret not in json.dumps(entry.data)
    # Both signatures go out: a receiver with either secret verifies the request.
    services.send_test_webhook(
        subscription, by=manager, options=WebhookOptions.from_options(OPTIONS)
    )
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, subscription.secret):
        assert receiver_check([secret], request.headers, request.body) == ""
    # After the grace period only the new secret signs.
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    subscription.refresh_from_db()
    assert subscription.signing_secrets() == [subscription.secret]


def test_creating_a_subscription_makes_the_creator_its_owner(
    admin_urls: None, manager: AbstractUser
) -> None:
    client = client_for(manager)
    add_url = reverse(f"{webhook_viewset.url_namespace}:add")
    fields = {"name": "CRM", "events": ["page.published"], "owner": "", "is_active": "on"}

    refused = client.post(add_url, {**fields, "url": "ftp://crm.example.com/in"})
    assert refused.status_code == 200
    assert not WebhookSubscription.objects.exists()

    created = client.post(add_url, {**fields, "url": "https://crm.example.com/in"})

    subscription = WebhookSubscription.objects.get()
    assert created.status_code == 302
    assert created["Location"] == admin_url("edit", subscription)
    assert subscription.owner == manager
    assert subscription.events == ["page.published"]
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", subscription.secret)
    assert len(signing.signing_key(subscription.secret)) == 32
    assert len(logged(subscription, "wagtail.create")) == 1


def test_ticking_active_again_re_enables_with_a_clean_count(
    admin_urls: None, manager: AbstractUser, receiver: Receiver
) -> None:
    subscription = subscribe(
        receiver,
        manager,
        is_active=False,
        consecutive_failures=15,
        disabled_at=timezone.now(),
        disabled_reason="15 failed attempts in a row; the last: HTTP 500",
    )
    client = client_for(manager)
    edit = client.get(admin_url("edit", subscription))
    assert b"15 failed attempts in a row" in edit.content

    client.post(
        admin_url("edit", subscription),
        {
            "name": subscription.name,
            "url": subscription.url,
            "events": ["page.published"],
            "owner": str(manager.pk),
            "is_active": "on",
        },
    )

    subscription.refresh_from_db()
    assert subscription.is_active
    assert (subscription.consecutive_failures, subscription.disabled_at) == (0, None)
    assert subscription.disabled_reason == ""
    assert len(logged(subscription, "distribution.webhook.enabled")) == 1
    assert len(logged(subscription, "wagtail.edit")) == 1


def test_the_audit_actions_read_well() -> None:
    actions = LogActionRegistry()
    actions.has_scanned_for_actions = True  # only ours, not every app's hooks
    register_webhook_log_actions(actions)
    entry = ModelLogEntry(action="distribution.webhook.disabled", data={"reason": "HTTP 500"})

    assert actions.get_formatter(entry).format_message(entry) == "Webhook disabled: HTTP 500"
    assert (
        actions.get_action_label("distribution.webhook.secret_rotated") == "Rotate webhook secret"
    )
    assert actions.action_exists("distribution.webhook.enabled")


def test_the_admin_wiring_is_in_place() -> None:
    """distribution/wagtail_hooks.py registers the viewset and the audit actions."""
    registered = LogActionRegistry()  # scans the register_log_actions hooks afresh
    missing = []
    if not registered.action_exists(services.DISABLED):
        missing.append("register_log_actions -> register_webhook_log_actions")
    registered_viewsets = []
    for register in hooks.get_hooks("register_admin_viewset"):
        answer = register()
        registered_viewsets += answer if isinstance(answer, list | tuple) else [answer]
    if webhook_viewset not in registered_viewsets:
        missing.append("register_admin_viewset -> webhook_viewset")
    assert missing == [], f"not wired in distribution/wagtail_hooks.py: {', '.join(missing)}"

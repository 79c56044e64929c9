"""Newsletter subscriptions (double opt-in, one-click unsubscribe) and the e-mails themselves."""

import base64
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commonground.core.mail.email_digest import email_digests

from .models import ErasedAddress, MailingList, Subscriber, Subscription, Suppression

# One confirmation e-mail per address and list in this time, however often the form is sent.
CONFIRMATION_INTERVAL = timedelta(minutes=10)
# What a mail client posts to the List-Unsubscribe URL (RFC 8058, section 3.1).
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


class SubscriptionError(ValueError):
    """An address or list that cannot be subscribed; the message says why, for the form."""


def normalise_email(address: str) -> str:
    """``address`` trimmed and lower-cased, or SubscriptionError when it is not one."""
    cleaned = address.strip().lower()
    try:
        validate_email(cleaned)
    except Exception as error:  # ValidationError: one message for the form
        raise SubscriptionError("That is not an e-mail address.") from error
    return cleaned


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def is_suppressed(email: str) -> bool:
    """Nothing may be sent to ``email``: it is on the suppression list, or it was erased."""
    if Suppression.objects.filter(email__iexact=email).exists():
        return True
    return ErasedAddress.objects.filter(digest__in=email_digests(email)).exists()


def erased_among(addresses: Iterable[str]) -> set[str]:
    """Those of ``addresses`` that were erased on request. The digests are few (one per
    erasure) and cannot be compared in SQL, so they are read once and matched here."""
    erased = set(ErasedAddress.objects.values_list("digest", flat=True))
    if not erased:
        return set()
    return {a for a in addresses if not erased.isdisjoint(email_digests(a))}


@transaction.atomic
def subscribe(*, email: str, mailing_list: MailingList, name: str = "") -> Subscription:
    """Start a subscription and e-mail the confirmation link (after commit).

    Asking again for a pending subscription sends the link again; a confirmed one is left as
    it is (no mail: nobody learns from the form whether an address is subscribed)."""
    address = normalise_email(email)
    subscriber = Subscriber.objects.filter(email__iexact=address).first()
    if subscriber is None:
        subscriber = Subscriber.objects.create(email=address, name=name.strip()[:120])
    subscription, _ = Subscription.objects.get_or_create(
        subscriber=subscriber, mailing_list=mailing_list
    )
    if subscription.status == Subscription.Status.CONFIRMED:
        return subscription
    asked_again = subscription.status == Subscription.Status.PENDING
    if subscription.status == Subscription.Status.UNSUBSCRIBED:
        subscription.status = Subscription.Status.PENDING
        subscription.save(update_fields=["status"])
    recently = (
        asked_again
        and subscription.confirmation_sent_at
        and (timezone.now() - subscription.confirmation_sent_at < CONFIRMATION_INTERVAL)
    )
    if not is_suppressed(address) and not recently:
        from .tasks import send_confirmation_email

        Subscription.objects.filter(pk=subscription.pk).update(confirmation_sent_at=timezone.now())

        transaction.on_commit(lambda: send_confirmation_email.enqueue(subscription.pk))
    return subscription


def send_confirmation(subscription_id: int) -> None:
    subscription = Subscription.objects.select_related("subscriber", "mailing_list").get(
        pk=subscription_id
    )
    link = absolute(
        reverse(
            "newsletter_confirm", args=[subscription.subscriber.token, subscription.mailing_list_id]
        )
    )
    context = {"list": subscription.mailing_list, "link": link}
    send_mail(
        subject=f"Please confirm: {subscription.mailing_list.name}",
        message=render_to_string("distribution/email/confirm.txt", context),
        from_email=subscription.mailing_list.from_email or settings.DEFAULT_FROM_EMAIL,
        recipient_list=[subscription.subscriber.email],
        html_message=render_to_string("distribution/email/confirm.html", context),
    )


def subscription_for(token: str, list_id: int) -> Subscription | None:
    return (
        Subscription.objects.select_related("subscriber", "mailing_list")
        .filter(subscriber__token=token, mailing_list_id=list_id)
        .first()
    )


@transaction.atomic
def confirm(subscription: Subscription) -> None:
    """Pending becomes confirmed; an unsubscribed one stays unsubscribed (the link is old)."""
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if locked.status == Subscription.Status.PENDING:
        locked.status = Subscription.Status.CONFIRMED
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["status", "confirmed_at"])
    subscription.refresh_from_db()


@transaction.atomic
def unsubscribe(subscription: Subscription) -> None:
    Subscription.objects.filter(pk=subscription.pk).exclude(
        status=Subscription.Status.UNSUBSCRIBED
    ).update(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    subscription.refresh_from_db()


@transaction.atomic
def suppress(*, email: str, reason: str, detail: str = "") -> bool:
    """Send nothing more to ``email`` (a bounce, a complaint); False if it already was."""
    address = email.strip().lower()
    if is_suppressed(address):
        return False
    Suppression.objects.create(email=address, reason=reason, detail=detail[:2000])
    return True


def recipients(mailing_list: MailingList) -> list[Subscription]:
    """The list's confirmed subscriptions, without suppressed addresses."""
    suppressed = Suppression.objects.values("email")
    subscriptions = list(
        Subscription.objects.filter(mailing_list=mailing_list, status=Subscription.Status.CONFIRMED)
        .exclude(Q(subscriber__email__in=suppressed))
        .select_related("subscriber")
        .order_by("pk")
    )
    erased = erased_among({s.subscriber.email for s in subscriptions})
    return [s for s in subscriptions if s.subscriber.email not in erased]


# --- the e-mail ------------------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>")
_BLANK_LINES = re.compile(r"\n{3,}")


def text_from_html(markup: str) -> str:
    """A readable plain-text part from the rendered HTML part (links kept in brackets)."""
    with_links = re.sub(
        r'<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 [\1]", markup, flags=re.S | re.I
    )
    blocks = re.sub(r"</(p|h[1-6]|li|tr|div)>|<br\s*/?>", "\n\n", with_links, flags=re.I)
    text = html.unescape(_TAGS.sub("", blocks))
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"


@dataclass(frozen=True, slots=True)
class Edition:
    """What every recipient of one newsletter send gets (their links put in per message)."""

    subject: str
    preheader: str
    html: str  # with the placeholders below for the recipient's links
    text: str
    from_email: str
    list_id: int
    list_name: str


UNSUBSCRIBE_PLACEHOLDER = "%%unsubscribe_url%%"
PREFERENCES_PLACEHOLDER = "%%preferences_url%%"


def unsubscribe_url(subscription: Subscription) -> str:
    return absolute(
        reverse(
            "newsletter_unsubscribe",
            args=[subscription.subscriber.token, subscription.mailing_list_id],
        )
    )


def preferences_url(subscription: Subscription) -> str:
    return absolute(reverse("newsletter_preferences", args=[subscription.subscriber.token]))


def _domain(edition: Edition) -> str:
    sender = parseaddr(edition.from_email)[1] or edition.from_email
    return (
        sender.rpartition("@")[2]
        or urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname
        or "localhost"
    )


def _message_id(idempotency_key: str, domain: str) -> str:
    # The same message (a retry) gets the same id, so mail systems can tell it is one.
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@{domain}>"


def _personal(edition: Edition, unsubscribe: str, preferences: str) -> tuple[str, str]:
    """The edition's text and HTML with one recipient's links in them."""
    text = edition.text.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe).replace(
        PREFERENCES_PLACEHOLDER, preferences
    )
    markup = edition.html.replace(UNSUBSCRIBE_PLACEHOLDER, html.escape(unsubscribe)).replace(
        PREFERENCES_PLACEHOLDER, html.escape(preferences)
    )
    return text, markup


def message_bytes(
    edition: Edition, *, to: str, unsubscribe: str, preferences: str, idempotency_key: str
) -> bytes:
    """The multipart (plain text and HTML) e-mail for one recipient, with RFC 8058 headers,
    built with the standard library's e-mail package (any address, any header)."""
    domain = _domain(edition)
    message = EmailMessage(policy=SMTP)
    message["From"] = edition.from_email
    message["To"] = to
    message["Subject"] = edition.subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = _message_id(idempotency_key, domain)
    message["List-Id"] = formataddr((edition.list_name, f"list-{edition.list_id}.{domain}"))
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = ONE_CLICK_BODY
    text, markup = _personal(edition, unsubscribe, preferences)
    message.set_content(text)
    message.add_alternative(markup, subtype="html")
    return message.as_bytes()


class EditionMessages:
    """Every recipient's message of one edition, assembled from parts built once.

    Building each message with the e-mail package cost about 1.5 ms, three times the SMTP
    exchange itself (bench/send.py): its header objects are parsed and folded per message.
    Here the shared headers are encoded once by that package, and per recipient only the
    recipient's address, message id and links change; the two bodies are base64 (line
    lengths stay legal whatever the links). Addresses that are not plain ASCII go through
    ``message_bytes``."""

    def __init__(self, edition: Edition) -> None:
        self.edition = edition
        self.domain = _domain(edition)
        shared = EmailMessage(policy=SMTP)
        shared["From"] = edition.from_email
        shared["Subject"] = edition.subject
        shared["Date"] = format_datetime(timezone.now())
        shared["List-Id"] = formataddr((edition.list_name, f"list-{edition.list_id}.{self.domain}"))
        shared["List-Unsubscribe-Post"] = ONE_CLICK_BODY
        shared["MIME-Version"] = "1.0"
        self._headers = b"".join(
            shared.policy.fold_binary(name, value) for name, value in shared.items()
        )
        self._boundary = "=_cg_" + hashlib.sha256(edition.html.encode()).hexdigest()[:24]

    def message(
        self, *, to: str, unsubscribe: str, preferences: str, idempotency_key: str
    ) -> bytes:
        if not to.isascii() or not unsubscribe.isascii() or "\n" in to or "\r" in to:
            return message_bytes(
                self.edition,
                to=to,
                unsubscribe=unsubscribe,
                preferences=preferences,
                idempotency_key=idempotency_key,
            )
        text, markup = _personal(self.edition, unsubscribe, preferences)
        boundary = self._boundary.encode()
        parts = [
            b"To: " + to.encode() + b"\r\n",
            b"Message-ID: " + _message_id(idempotency_key, self.domain).encode() + b"\r\n",
            b"List-Unsubscribe: <" + unsubscribe.encode() + b">\r\n",
            self._headers,
            b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n\r\n',
        ]
        for subtype, body in (("plain", text), ("html", markup)):
            parts += [
                b"--" + boundary + b"\r\n",
                f"Content-Type: text/{subtype}; charset=utf-8\r\n".encode(),
                b"Content-Transfer-Encoding: base64\r\n\r\n",
                base64.encodebytes(body.encode()).replace(b"\n", b"\r\n"),
            ]
        parts.append(b"--" + boundary + b"--\r\n")
        return b"".join(parts)

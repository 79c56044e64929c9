"""The newsletter e-mail: an edition built once per send (from the dispatch, itself rendered
from the page when it was published), and each recipient's message with their own links."""

import base64
import hashlib
import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page, Site

from .models import Brand, MailingList, Subscription
from .page_content import EditionContent, EditionImage, absolute_url, edition_content
from .plain_text import text_from_html

if TYPE_CHECKING:
    from ..models import Dispatch, PlannedChannel

# What a mail client posts to the List-Unsubscribe URL (RFC 8058, section 3.1).
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


def absolute(path: str) -> str:
    return absolute_url(path)


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
# The brand's logo: twice the 40 px it is shown at.
LOGO_SPEC = "height-80|format-png"


@dataclass(frozen=True, slots=True)
class BrandMark:
    """The name and logo at the top of an edition."""

    name: str
    logo: EditionImage | None


def brand_of(page: Page) -> BrandMark:
    """The brand of ``page``'s site (the Brand setting; the site's name when it has none)."""
    site = page.get_site() or Site.objects.filter(is_default_site=True).first()
    if site is None:
        return BrandMark(name="", logo=None)
    brand = Brand.for_site(site)
    logo = brand.logo
    mark = None
    if logo is not None:
        try:
            rendition = logo.get_rendition(LOGO_SPEC)
        except (SourceImageIOError, OSError):
            rendition = None
        if rendition is not None:
            height = 40
            width = round(rendition.width * height / rendition.height) if rendition.height else 0
            mark = EditionImage(
                url=absolute_url(rendition.url),
                alt=brand.name or site.site_name or "",
                width=width,
                height=height,
            )
    return BrandMark(name=brand.name or site.site_name or site.hostname, logo=mark)


def edition_html(
    *,
    page: Page,
    url: str,
    mailing_list: MailingList | None,
    preheader: str = "",
    content: EditionContent | None = None,
) -> str:
    """The e-mail's HTML as the page is now, the recipient's links left as placeholders (a
    dispatch keeps it: later edits of the page do not change the send)."""
    content = content or edition_content(page)
    return render_to_string(
        "distribution/email/newsletter.html",
        {
            "content": content,
            "brand": brand_of(page),
            "preheader": preheader,
            "url": url,
            "list": mailing_list,
            "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
            "preferences_url": PREFERENCES_PLACEHOLDER,
        },
    )


def planned_edition_html(*, page: Page, planned: "PlannedChannel", url: str) -> str:
    """``edition_html`` for a plan row (its list and preheader), as a publish makes it."""
    return edition_html(
        page=page, url=url, mailing_list=planned.mailing_list, preheader=planned.preheader
    )


def edition_of(dispatch: "Dispatch") -> Edition:
    """What every recipient of the newsletter ``dispatch`` gets."""
    mailing_list: MailingList = dispatch.mailing_list  # type: ignore[assignment]
    return Edition(
        subject=dispatch.subject,
        preheader=dispatch.preheader,
        html=dispatch.html,
        text=text_from_html(dispatch.html),
        from_email=mailing_list.from_email or settings.DEFAULT_FROM_EMAIL,
        list_id=mailing_list.pk,
        list_name=mailing_list.name,
    )


def unsubscribe_url(subscription: Subscription, *, send: int | None = None) -> str:
    """The person's unsubscribe link; in an edition, ``send`` (the dispatch's id) says which
    send it came in (checked against the deliveries when used, so the send's stats count it)."""
    link = reverse(
        "newsletter_unsubscribe", args=[subscription.subscriber.token, subscription.mailing_list_id]
    )
    return absolute(f"{link}?send={send}" if send is not None else link)


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

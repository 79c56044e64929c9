"""Test sends of a page's edition (its latest draft) to a few chosen addresses, before
anything goes to the list: checked, rate-limited, audited, subject prefixed "[Test]"."""

import logging
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from wagtail.log_actions import log
from wagtail.models import Page

from ..channels import get_channel
from ..channels.links import tagged_url
from .editions import Edition, EditionMessages, absolute, edition_html
from .models import MailingList
from .plain_text import text_from_html
from .smtp import SMTPAnswerLost, SMTPSendError, newsletter_connection

logger = logging.getLogger(__name__)

MAX_ADDRESSES = 5
# Per person: enough to check a few changes, too few to mail anyone in bulk.
SENDS_PER_WINDOW = 5
WINDOW_SECONDS = 600
SUBJECT_PREFIX = "[Test] "


class TestSendRefused(Exception):
    """Why a test send is not made, in words for the editor."""


@dataclass(frozen=True, slots=True)
class DraftEdition:
    """What a page's newsletter would be now: from its latest draft and its plan row."""

    subject: str
    preheader: str
    url: str
    mailing_list: MailingList | None
    html: str


def draft_edition(page: Page) -> DraftEdition:
    """The edition of ``page`` as its latest draft stands, for its newsletter plan row (the
    first; none planned: no list, the page's title as the subject)."""
    draft = page.get_latest_revision_as_object() if page.has_unpublished_changes else page.specific
    row = next(
        (r for r in draft.distribution.all() if _sends_to_list(r.channel)),
        None,
    )
    facts_campaign = str(getattr(draft, "campaign_code", "") or draft.slug)
    url = tagged_url(
        draft.full_url or absolute(draft.url_path),
        source=row.channel if row is not None else "newsletter",
        medium="email",
        campaign=facts_campaign,
    )
    mailing_list = row.mailing_list if row is not None else None
    preheader = row.preheader if row is not None else ""
    return DraftEdition(
        subject=(row.subject if row is not None else "") or draft.title,
        preheader=preheader,
        url=url,
        mailing_list=mailing_list,
        html=edition_html(page=draft, url=url, mailing_list=mailing_list, preheader=preheader),
    )


def _sends_to_list(channel: str) -> bool:
    try:
        return get_channel(channel).sends_to_list
    except Exception:  # a channel no longer configured: not the newsletter
        return False


def parse_addresses(raw: str) -> list[str]:
    """The addresses typed (commas, spaces or lines between them), checked: 1 to 5 valid
    e-mail addresses, each once."""
    if len(raw) > 2000:
        raise TestSendRefused("That is too long for five addresses.")
    parts = [p.strip() for p in raw.replace(",", " ").split() if p.strip()]
    addresses = list(dict.fromkeys(p.lower() for p in parts))
    if not addresses:
        raise TestSendRefused("Enter at least one e-mail address.")
    if len(addresses) > MAX_ADDRESSES:
        raise TestSendRefused(f"A test goes to at most {MAX_ADDRESSES} addresses.")
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise TestSendRefused(f"“{address[:80]}” is not an e-mail address.") from None
    return addresses


def _take_allowance(user_id: int) -> bool:
    key = f"newsletter-test-sends:{user_id}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, WINDOW_SECONDS)
        used = 1
    return used <= SENDS_PER_WINDOW


def request_test_send(*, page: Page, user: object, raw_addresses: str) -> list[str]:
    """Check the addresses and the person's allowance, audit the request and send the test
    after commit; the addresses it goes to."""
    addresses = parse_addresses(raw_addresses)
    user_id = int(getattr(user, "pk", 0) or 0)
    if not _take_allowance(user_id):
        raise TestSendRefused(
            f"You sent {SENDS_PER_WINDOW} tests in the last {WINDOW_SECONDS // 60} minutes; "
            "wait a few minutes."
        )
    from . import tasks  # which imports this module for the task's body

    with transaction.atomic():
        log(
            page,
            "distribution.newsletter.test_send",
            user=user,
            data={"recipients": len(addresses)},
        )
        transaction.on_commit(lambda: tasks.send_test_edition.enqueue(page.pk, addresses))
    return addresses


def send_test_edition(page_id: int, addresses: list[str]) -> int:
    """Send the page's draft edition to ``addresses`` (the task); how many the server took."""
    page = Page.objects.get(pk=page_id).specific
    draft = draft_edition(page)
    mailing_list = draft.mailing_list
    from_email = (mailing_list.from_email if mailing_list else "") or settings.DEFAULT_FROM_EMAIL
    edition = Edition(
        subject=SUBJECT_PREFIX + draft.subject,
        preheader=draft.preheader,
        html=draft.html,
        text=text_from_html(draft.html),
        from_email=from_email,
        list_id=mailing_list.pk if mailing_list else 0,
        list_name=mailing_list.name if mailing_list else "test",
    )
    messages = EditionMessages(edition)
    # A test reaches no subscription: its links lead to the sign-up page.
    sign_up = absolute(reverse("newsletter_subscribe"))
    sent = 0
    with newsletter_connection() as smtp:
        for n, address in enumerate(addresses):
            body = messages.message(
                to=address,
                unsubscribe=sign_up,
                preferences=sign_up,
                idempotency_key=f"test-{page_id}-{address}-{n}-{id(messages)}",
            )
            try:
                smtp.send(
                    sender=parseaddr(from_email)[1],
                    recipient=address,
                    message=body,
                    committed=lambda: None,
                )
            except (SMTPSendError, SMTPAnswerLost) as error:
                logger.warning("test send of page %s to an address failed: %s", page_id, error)
                continue
            sent += 1
    return sent

"""The newsletter channel: a page's plan row names a mailing list; its confirmed
subscribers get the page as a multipart e-mail, all of a dispatch on one SMTP session."""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from wagtail.models import Page

from ..newsletter import editions, selectors, sender
from .base import CannotSend, ChannelBackend, DeliveryRun, Message, Recipient, Refused, Sent

if TYPE_CHECKING:
    from ..models import Dispatch, MailingList, PlannedChannel
    from ..services import DispatchOutbox


class NewsletterChannel(ChannelBackend):
    """Options: ``max_per_second`` (pace for the SMTP server EMAIL_URL names; 0: no pace)."""

    label = "Newsletter"
    per_recipient = True
    utm_medium = "email"
    sends_to_list = True
    plan_fields = ("mailing_list", "subject", "preheader")

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, **options)
        self.max_per_second = float(options.get("max_per_second", 0) or 0)

    def problems(self) -> list[str]:
        # EMAIL_URL's console and file back ends name no host: nothing would reach anyone.
        if not getattr(settings, "EMAIL_HOST", ""):
            return ["No SMTP server is configured: EMAIL_URL names none (see docs/operations.md)."]
        return []

    def cannot_send(self, *, mailing_list: "MailingList | None" = None) -> CannotSend | None:
        if refusal := super().cannot_send(mailing_list=mailing_list):
            return refusal
        if mailing_list is not None and not selectors.recipients(mailing_list):
            return CannotSend(
                reason=f"The list “{mailing_list.name}” has no confirmed subscriber to send to.",
                fix_url=reverse("newsletter_subscribers:index"),
                fix_label="Add subscribers",
            )
        return None

    def dispatch_recipients(self, dispatch: "Dispatch") -> list[Recipient]:
        """One message per member of the dispatch's list: sent to the confirmed, not
        suppressed or erased; the others recorded as skipped, with the reason (an erased
        address is not written down again)."""
        if dispatch.mailing_list is None:  # loaded with the dispatch (select_related)
            return []
        return [
            Recipient(
                key=f"list-{s.mailing_list_id}:sub-{s.pk}",
                address="" if reason == selectors.SKIPPED_ERASED else s.subscriber.email,
                subscription_id=s.pk,
                skipped=reason,
            )
            for s, reason in selectors.list_members(dispatch.mailing_list)
        ]

    def body_html(self, *, page: Page, planned: "PlannedChannel", url: str) -> str:
        if not planned.mailing_list_id:
            return ""
        return editions.planned_edition_html(page=page, planned=planned, url=url)

    def deliver_dispatch(self, outbox: "DispatchOutbox") -> DeliveryRun:
        return sender.send_edition(outbox, max_per_second=self.max_per_second)

    def send(self, message: Message) -> Sent:
        # One by one would open a session per message and lose the two-phase send (see
        # newsletter/smtp.py): a newsletter goes out through deliver_dispatch.
        raise Refused("newsletter messages are sent by the dispatch, not one at a time")

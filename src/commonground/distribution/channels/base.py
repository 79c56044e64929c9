"""What a channel backend is: one message out, one answer back (or a clear reason why not).

Channels are configured like Wagtail's backends: ``DISTRIBUTION_CHANNELS`` maps a channel's
name to ``{"BACKEND": "dotted.path.Class", "OPTIONS": {...}}`` (see ``get_channel``). A
backend never decides about retries or duplicates: the caller gives every message an
idempotency key and retries what raised ``RetryLater``; a backend passes the key on where the
network honours one (Mastodon's ``Idempotency-Key`` header) so a retry after a lost answer
cannot post twice.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wagtail.models import Page

    from ..models import Dispatch, MailingList, PlannedChannel
    from ..services import DispatchOutbox


@dataclass(frozen=True, slots=True)
class Message:
    """One piece of content for one channel (and one recipient where the channel has them)."""

    idempotency_key: str  # unique per plan, channel and recipient
    title: str
    url: str  # the content's public URL, already UTM-tagged for this channel
    text: str = ""  # the channel's copy: the social post, the e-mail's lead paragraph
    summary: str = ""
    html: str = ""  # a rendered body, for channels that send one (e-mail)
    subject: str = ""
    preheader: str = ""
    recipient: str = ""  # an e-mail address or a webhook URL; "" for broadcast channels
    image_url: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Sent:
    """What the network answered: its id (and link) for what was delivered."""

    remote_id: str = ""
    remote_url: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Recipient:
    """One message a dispatch makes: its key (unique in the dispatch, part of the delivery's
    idempotency key), the address it goes to ("" for a broadcast) and the subscription."""

    key: str
    address: str = ""
    subscription_id: int | None = None
    # Set for a member of the list who gets nothing, and why ("suppressed: hard bounce"):
    # recorded as a skipped delivery, so the send's summary accounts for everyone.
    skipped: str = ""


@dataclass(frozen=True, slots=True)
class CannotSend:
    """Why a channel would send a plan row to nobody, and where that is put right: shown on
    the Distribute tab when the row is saved, and as the reason of a dispatch that failed."""

    reason: str
    fix_url: str = ""  # an admin page that fixes it; "" when it is the server's configuration
    fix_label: str = ""


@dataclass
class DeliveryRun:
    """What one worker's turn at a dispatch did."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    stopped: bool = False  # paused or the lease was lost


class DeliveryError(Exception):
    """A message that was not delivered; ``str()`` says why, for the delivery log."""


class RetryLater(DeliveryError):
    """A temporary failure: try again, after ``retry_after`` seconds when the network said."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Refused(DeliveryError):
    """A permanent failure: the same message will fail the same way (bad credentials, text
    too long, a recipient that does not exist). Not retried."""


class ChannelBackend(ABC):
    """Base class of every channel backend."""

    #: Shown in the admin.
    label: str = ""
    #: The longest text the network accepts (counted as the network counts), or None.
    max_length: int | None = None
    #: Whether the channel needs a recipient per message (e-mail, webhooks) or broadcasts.
    per_recipient: bool = False
    #: The utm_medium of the links it sends (utm_source is the channel's name).
    utm_medium: str = "social"
    #: Whether a plan row names the mailing list it goes to (the newsletter).
    sends_to_list: bool = False
    #: The plan row's fields this channel uses, besides the channel and the time: the
    #: Distribute tab shows only these, and a row's other fields are ignored when saved.
    plan_fields: tuple[str, ...] = ("text",)

    def __init__(self, name: str, **options: Any) -> None:
        self.name = name
        self.options = options

    def text_length(self, text: str) -> int:
        """``text``'s length as the network counts it (URLs, graphemes...)."""
        return len(text)

    def recipients(self, event: str) -> list[str]:
        """Who a per-recipient channel sends ``event`` to (the newsletter's come from its
        list instead); a broadcast channel has none."""
        return []

    def problems(self) -> list[str]:
        """What is wrong with the configuration (a missing token...), in words for the admin."""
        return []

    def cannot_send(self, *, mailing_list: "MailingList | None" = None) -> CannotSend | None:
        """Why a row of this channel (to ``mailing_list`` for the newsletter) would reach
        nobody if it were sent now; None when it can be sent. By default: its configuration's
        problems, which only whoever runs the server can fix."""
        if problems := self.problems():
            return CannotSend(reason=" ".join(problems))
        return None

    def dispatch_recipients(self, dispatch: "Dispatch") -> list[Recipient]:
        """The messages of ``dispatch``, one per recipient: for a per-recipient channel its
        recipients of ``page.published``, for a broadcast channel the one post."""
        if self.per_recipient:
            return [Recipient(key=name, address=name) for name in self.recipients("page.published")]
        return [Recipient(key=self.name)]

    def body_html(self, *, page: "Page", planned: "PlannedChannel", url: str) -> str:
        """The rendered body a dispatch of this channel carries, made when the page is
        published (the newsletter's e-mail); none by default."""
        return ""

    def deliver_dispatch(self, outbox: "DispatchOutbox") -> DeliveryRun:
        """Deliver what is due of the dispatch ``outbox`` holds the lease of. By default each
        message goes through ``send`` on its own; a channel that sends in bulk (the
        newsletter, on one SMTP session) overrides this."""
        return outbox.send_each(self.send)

    @abstractmethod
    def send(self, message: Message) -> Sent:
        """Deliver ``message`` or raise ``RetryLater`` / ``Refused``."""


def social_copy(message: Message) -> str:
    """The post a social channel sends: the message's copy (its title when it has none) with
    its URL on a line of its own, unless the copy already carries the URL."""
    text = (message.text or message.title).rstrip()
    if not message.url or message.url in text:
        return text
    return f"{text}\n{message.url}" if text else message.url

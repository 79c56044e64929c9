"""The newsletter channel: a page's plan row names a mailing list; its confirmed
subscribers get the page as a multipart e-mail (sent by services.deliver, see smtp.py)."""

from typing import Any

from .base import ChannelBackend, Message, Refused, Sent


class NewsletterChannel(ChannelBackend):
    """Options: ``max_per_second`` (pace for the SMTP server EMAIL_URL names; 0: no pace)."""

    label = "Newsletter"
    per_recipient = True
    utm_medium = "email"

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, **options)
        self.max_per_second = float(options.get("max_per_second", 0) or 0)

    def send(self, message: Message) -> Sent:
        # Newsletter messages go out in bulk on one SMTP session, each committed as sent just
        # before its final "." (services._deliver_newsletter); never one by one through here.
        raise Refused("newsletter messages are sent by the dispatch, not one at a time")

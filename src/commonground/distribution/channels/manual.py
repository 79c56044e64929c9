"""The manual channel: copy prepared for a network without a usable API (LinkedIn personal
profiles, Instagram...), for someone to paste by hand. It contacts nothing."""

from typing import Any

from .base import ChannelBackend, Message, Refused, Sent, social_copy


class ManualChannel(ChannelBackend):
    """``send()`` answers with the ready-to-paste copy in ``Sent.detail``: the admin shows it
    with a copy button. Options: ``label`` (the network's name), ``max_length``."""

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, **options)
        self.label = str(options.get("label") or name)
        max_length = options.get("max_length")
        self.max_length = int(max_length) if max_length else None

    def send(self, message: Message) -> Sent:
        copy = social_copy(message)
        length = self.text_length(copy)
        if self.max_length is not None and length > self.max_length:
            raise Refused(
                f"The post is {length} characters long; {self.label} allows {self.max_length}."
            )
        return Sent(detail=copy)

"""The Distribute tab of the page editor: a page's plan rows, checked as they are saved."""

from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.html import json_script
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel

from commonground.core.glossary import lazy_term_html

from .channels import Message, channel_names, get_channel
from .channels.base import social_copy

# Where the editor's URL will be: its length counts against a social network's limit.
_URL_PLACEHOLDER = "https://example.com/a-page-of-typical-length/?utm_source=x&utm_medium=social"


class ChannelSelect(forms.Select):
    """The configured channels, read when the form is drawn (settings may change)."""

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        self.choices = [("", "Choose a channel"), *channel_choices()]
        return super().get_context(name, value, attrs)


def channel_choices() -> list[tuple[str, str]]:
    return [(name, get_channel(name).label or name) for name in channel_names()]


def channel_limits() -> dict[str, dict[str, Any]]:
    """What the editor's live counter needs per channel (see static distribution/plan.js)."""
    limits = {}
    for name in channel_names():
        channel = get_channel(name)
        limits[name] = {
            "label": channel.label or name,
            "max_length": channel.max_length,
            "newsletter": channel.sends_to_list,
            # Mastodon counts any link as 23 characters; others count it as it is.
            "url_length": getattr(channel, "url_length", None),
        }
    return limits


def limits_script() -> str:
    """The channels' limits for plan.js, as a JSON data block (no inline code)."""
    return json_script(channel_limits(), "cg-distribution-channels")


def check_row(
    *, channel: str, text: str, mailing_list_id: int | None, subject: str
) -> dict[str, str]:
    """What is wrong with one plan row, by field (empty when it can be sent)."""
    try:
        backend = get_channel(channel)
    except ImproperlyConfigured:
        return {"channel": "This channel is not configured."}
    errors = {}
    if backend.sends_to_list:
        if not mailing_list_id:
            errors["mailing_list"] = "Choose the list the newsletter goes to."
    elif mailing_list_id:
        errors["mailing_list"] = "Only the newsletter channel sends to a list."
    if backend.max_length is not None and not backend.sends_to_list:
        post = social_copy(Message(idempotency_key="", title="", url=_URL_PLACEHOLDER, text=text))
        length = backend.text_length(post)
        if length > backend.max_length:
            errors["text"] = (
                f"With the page's link this post is {length} characters long; "
                f"{backend.label} allows {backend.max_length}."
            )
    if backend.sends_to_list and len(subject) > 200:
        errors["subject"] = "Keep the subject under 200 characters."
    return errors


def clean_planned_channel(row: Any) -> None:
    """PlannedChannel.clean(): the row's problems as a ValidationError by field."""
    if not row.channel:
        raise ValidationError({"channel": "Choose a channel."})
    errors = check_row(
        channel=row.channel,
        text=row.text,
        mailing_list_id=row.mailing_list_id,
        subject=row.subject,
    )
    if errors:
        raise ValidationError(errors)


# The tab's words explained from the glossary, looked up when the tab is drawn.
PLAN_HELP = lazy_term_html(
    "Where this page goes when it is published (or at the time you set). Each row is sent "
    "once; publishing again does not send it again. Links carry {utm} tags. The newsletter "
    "goes to the list's subscribers who confirmed ({double_opt_in}), with one-click "
    "unsubscribe ({rfc_8058}); a {webhook} channel tells other tools the page was published.",
    utm=("utm", "UTM"),
    double_opt_in=("double-opt-in", "double opt-in"),
    rfc_8058=("rfc-8058", "RFC 8058"),
    webhook=("webhook", "webhook"),
)

PLANNED_CHANNEL_PANELS = [
    FieldPanel("channel", widget=ChannelSelect()),
    MultiFieldPanel(
        [FieldPanel("mailing_list"), FieldPanel("subject"), FieldPanel("preheader")],
        heading="Newsletter",
    ),
    FieldPanel(
        "text",
        widget=forms.Textarea(attrs={"rows": 4, "data-cg-post-text": "true"}),
    ),
    FieldPanel("send_at"),
]


def distribution_panel() -> InlinePanel:
    """The plan's rows, for a page type's Distribute tab."""
    return InlinePanel(
        "distribution",
        heading="Distribution plan",
        label="channel",
        help_text=PLAN_HELP,
    )

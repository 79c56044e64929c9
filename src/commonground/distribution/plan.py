"""The Distribute tab of the page editor: a page's plan rows, checked as they are saved.

A row is checked in full when the editor saves or publishes: a channel that would reach
nobody (no webhook endpoint, no credentials, no SMTP server, an empty list) is refused
there with the reason and a link to fix it. Wagtail's autosave posts the same form while
one is still typing; it keeps a half-written row as it is (the row is part of the draft
only), so autosave is never paused by a row nobody has finished yet.
"""

from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.html import format_html, json_script
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel

from commonground.core.glossary import lazy_term_html

from .channels import CannotSend, Message, channel_names, get_channel
from .channels.base import social_copy
from .newsletter.models import MailingList

# plan.js sets this field on the form data autosave posts (Wagtail's "w-autosave:save").
AUTOSAVE_FIELD = "cg-plan-autosave"
# A row's fields a channel may use (PlannedChannel's; the channel and send_at always apply).
CHANNEL_FIELDS = ("text", "mailing_list", "subject", "preheader")

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
            # The row's fields plan.js shows for this channel (the others are hidden).
            "fields": list(channel.plan_fields),
        }
    return limits


def limits_script() -> str:
    """The channels' limits for plan.js, as a JSON data block (no inline code)."""
    return json_script(channel_limits(), "cg-distribution-channels")


def check_row(
    *, channel: str, text: str, mailing_list_id: int | None, subject: str
) -> dict[str, str]:
    """What is wrong with one plan row, by field (empty when it can be sent). The fields the
    channel does not use are not looked at (the form without JavaScript shows them all)."""
    try:
        backend = get_channel(channel)
    except ImproperlyConfigured:
        return {"channel": "This channel is not configured."}
    errors = {}
    mailing_list = None
    if "mailing_list" in backend.plan_fields:
        if mailing_list_id:
            mailing_list = MailingList.objects.filter(pk=mailing_list_id).first()
        if mailing_list is None:
            errors["mailing_list"] = "Choose the list the newsletter goes to."
    if "text" in backend.plan_fields and backend.max_length is not None:
        post = social_copy(Message(idempotency_key="", title="", url=_URL_PLACEHOLDER, text=text))
        length = backend.text_length(post)
        if length > backend.max_length:
            errors["text"] = (
                f"With the page's link this post is {length} characters long; "
                f"{backend.label} allows {backend.max_length}."
            )
    if "subject" in backend.plan_fields and len(subject) > 200:
        errors["subject"] = "Keep the subject under 200 characters."
    if "mailing_list" not in errors and (refusal := backend.cannot_send(mailing_list=mailing_list)):
        errors["channel"] = refusal_html(backend.label or channel, refusal)
    return errors


def refusal_html(label: str, refusal: CannotSend) -> str:
    """Why ``label`` cannot send, with the link that fixes it when an admin page does."""
    if not refusal.fix_url:
        return format_html("{} cannot send: {}", label, refusal.reason)
    return format_html(
        '{} cannot send: {} <a href="{}">{}</a>.',
        label,
        refusal.reason,
        refusal.fix_url,
        refusal.fix_label or "Fix it",
    )


def drop_unused_fields(row: Any) -> None:
    """Blank the row's fields its channel does not use: a Webhooks row keeps no subject, a
    Mastodon row no list, whatever the form (shown whole without JavaScript) sent."""
    try:
        used = get_channel(row.channel).plan_fields if row.channel else CHANNEL_FIELDS
    except ImproperlyConfigured:
        return  # refused by check_row, with the reason
    for name in CHANNEL_FIELDS:
        if name in used:
            continue
        if name == "mailing_list":
            row.mailing_list = None
        else:
            setattr(row, name, "")


def clean_planned_channel(row: Any) -> None:
    """PlannedChannel.clean(): the row's problems as a ValidationError by field."""
    drop_unused_fields(row)
    if getattr(row, "defer_plan_checks", False):
        return
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


class PlannedChannelForm(WagtailAdminModelForm):
    """A plan row of the Distribute tab. Checked in full on an explicit save or publish; an
    autosave of the draft keeps a half-written row as typed (see the module's docstring)."""

    @property
    def autosaving(self) -> bool:
        # Wagtail defers validation on any draft save; only autosave carries plan.js' mark.
        # Publishing is never deferred, so the mark cannot let an unchecked row go out.
        return bool(self.is_deferred_validation and self.data.get(AUTOSAVE_FIELD) == "1")

    def full_clean(self) -> None:
        if self.is_bound and self.autosaving and "channel" in self.fields:
            self.fields["channel"].required = False  # no channel chosen yet: still a draft
        super().full_clean()

    def _post_clean(self) -> None:
        self.instance.defer_plan_checks = self.autosaving
        super()._post_clean()


class PlanPanel(InlinePanel):
    """The plan's rows, each a PlannedChannelForm."""

    def get_form_options(self) -> dict[str, Any]:
        options: dict[str, Any] = super().get_form_options()
        options["formsets"][self.relation_name]["form"] = PlannedChannelForm
        return options


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

# Each channel field's wrapper names the field: plan.js shows those the chosen channel uses.
PLANNED_CHANNEL_PANELS = [
    FieldPanel("channel", widget=ChannelSelect()),
    FieldPanel("mailing_list", attrs={"data-cg-plan-field": "mailing_list"}),
    FieldPanel("subject", attrs={"data-cg-plan-field": "subject"}),
    FieldPanel("preheader", attrs={"data-cg-plan-field": "preheader"}),
    FieldPanel(
        "text",
        widget=forms.Textarea(attrs={"rows": 4, "data-cg-post-text": "true"}),
        attrs={"data-cg-plan-field": "text"},
    ),
    FieldPanel("send_at"),
]


def distribution_panel() -> InlinePanel:
    """The plan's rows, for a page type's Distribute tab."""
    return PlanPanel(
        "distribution",
        heading="Distribution plan",
        label="channel",
        help_text=PLAN_HELP,
    )

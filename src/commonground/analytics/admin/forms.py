"""The admin form for a tracked site: the domain as the tracker reports it, a real time zone."""

import functools
import ipaddress
import re
import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from ..models import TrackedSite, normalise_domain
from ..network_lists import NetworkListError, normalised_network_list

DOMAIN_ONLY_MESSAGE = (
    "Enter the domain only, e.g. www.example.com: no https://, path, port or spaces."
)
INVALID_DOMAIN_MESSAGE = "Enter a valid domain name, e.g. www.example.com."
# Python's IDNA codec (IDNA 2003) maps these to other letters than browsers (UTS #46) do, so
# the stored domain would never match the one visitors' browsers report.
IDNA_DEVIATION_MESSAGE = (
    "Enter this domain in its xn-- form: it contains ß, ς or a joiner, which browsers and "
    "this form would encode differently."
)
_IDNA_DEVIATIONS = frozenset("ßς\u200c\u200d")
# Schemes, paths, ports, credentials, queries, fragments and whitespace.
_NOT_DOMAIN_ONLY = re.compile(r"[\s/\\:@?#]")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_BRACKETED = re.compile(r"\[([0-9a-fA-F:.]+)\]\Z")
_MAX_DOMAIN_LENGTH = 253


def tracked_domain(value: str) -> str:
    """``value`` as ingest compares it: lower case, IDNA-encoded, without "www."; or raise."""
    value = value.strip()
    if bracketed := _BRACKETED.match(value):
        # An IPv6 literal, as browsers report it in location.hostname and the Host header.
        try:
            return f"[{ipaddress.IPv6Address(bracketed[1]).compressed}]"
        except ValueError:
            raise ValidationError(INVALID_DOMAIN_MESSAGE, code="invalid") from None
    if _NOT_DOMAIN_ONLY.search(value):
        raise ValidationError(DOMAIN_ONLY_MESSAGE, code="not_domain_only")
    host = value.lower().removesuffix(".")
    if _IDNA_DEVIATIONS.intersection(host):
        raise ValidationError(IDNA_DEVIATION_MESSAGE, code="idna_deviation")
    try:
        # Browsers report internationalised domains in this form (xn--...).
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(INVALID_DOMAIN_MESSAGE, code="invalid") from None
    labels = ascii_host.split(".")
    if len(ascii_host) > _MAX_DOMAIN_LENGTH or not all(_LABEL.match(label) for label in labels):
        raise ValidationError(INVALID_DOMAIN_MESSAGE, code="invalid")
    return normalise_domain(ascii_host)


@functools.cache
def _time_zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def iana_time_zone(value: str) -> str:
    """The IANA name ``value`` spells, in its canonical case (``europe/berlin`` is accepted)."""
    try:
        return _time_zones_by_folded_name()[value.strip().casefold()]
    except KeyError:
        raise ValidationError(
            "“%(value)s” is not a time zone. Enter an IANA name such as Europe/Berlin or UTC.",
            code="invalid",
            params={"value": value},
        ) from None


class TrackedSiteForm(WagtailAdminModelForm):
    class Meta:
        model = TrackedSite
        fields = [
            "domain",
            "name",
            "time_zone",
            "respect_do_not_track",
            "exclude_staff",
            "excluded_networks",
            "umami_website_id",
        ]
        help_texts = {
            "time_zone": "An IANA name such as Europe/Berlin; reports count days in this zone.",
        }
        error_messages = {
            "domain": {"unique": "This domain is already tracked."},
            "umami_website_id": {
                "unique": "Another tracked site already has this Umami website id."
            },
        }
        widgets = {
            "domain": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "excluded_networks": forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        }

    def clean_domain(self) -> str:
        return tracked_domain(self.cleaned_data["domain"])

    def clean_time_zone(self) -> str:
        return iana_time_zone(self.cleaned_data["time_zone"])

    def clean_excluded_networks(self) -> str:
        try:
            return normalised_network_list(self.cleaned_data["excluded_networks"])
        except NetworkListError as error:
            raise ValidationError(str(error), code="invalid") from None

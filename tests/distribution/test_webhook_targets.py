"""Webhook targets checked on save by the rule sends apply (issue 14, point 10): loopback,
private, link-local and their IPv6 dresses (IPv4-mapped, NAT64, 6to4, Teredo) refused in the
admin's form, names resolved on save; the rule itself, property-tested."""

import ipaddress
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser, Permission
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commonground.core.http.public_addresses import is_public_address, why_not_public
from commonground.distribution.channels import get_channel
from commonground.distribution.webhooks.models import WebhookSubscription
from commonground.distribution.webhooks.sender import post_webhook
from commonground.distribution.webhooks.views import webhook_viewset

from ..conftest import client_for
from ..core.factories import UserFactory

ADD = f"{webhook_viewset.url_namespace}:add"
EDIT = f"{webhook_viewset.url_namespace}:edit"
FIELDS = {"name": "CRM", "events": ["page.published"], "owner": "", "is_active": "on"}

REFUSED = {
    "http://127.0.0.1:8000/hook": "127.0.0.1 is not a public address (loopback)",
    "http://169.254.169.254/latest/meta-data/": "(link-local)",
    "http://[::ffff:10.0.0.1]/": "(IPv4-mapped form of 10.0.0.1 (private))",
    "http://[64:ff9b::a00:1]/": "(NAT64 form of 10.0.0.1 (private))",
    "http://[2002:a00:1::]/": "(6to4 form of 10.0.0.1 (private))",
    "http://[::1]:9000/": "::1 is not a public address (loopback)",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/": "(a Teredo tunnel address)",
    "http://localhost:8000/hook": "localhost resolves to",
}


@pytest.fixture
def manager(db: None, settings: Any) -> AbstractUser:
    # No webhook channel configured: the defaults, which check addresses.
    settings.DISTRIBUTION_CHANNELS = {}
    get_channel.cache_clear()
    user = UserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["wagtailadmin", "distribution"],
            codename__in=[
                "access_admin",
                "add_webhooksubscription",
                "change_webhooksubscription",
                "view_webhooksubscription",
            ],
        )
    )
    return user


@pytest.mark.parametrize("url", list(REFUSED))
def test_an_internal_target_is_refused_on_save_with_a_message(
    manager: AbstractUser, url: str
) -> None:
    response = client_for(manager).post(reverse(ADD), {**FIELDS, "url": url})
    assert response.status_code == 200, "the form again, not a redirect"
    errors = " ".join(response.context["form"].errors.get("url", []))
    assert REFUSED[url] in errors, errors
    assert "Webhooks go to public addresses only" in errors
    assert not WebhookSubscription.objects.exists()
    # And sending there is refused by the same rule, before any connection.
    sent = post_webhook(url, body=b"{}", headers={}, timeout=1)
    assert "not a public address" in sent.error


def test_a_name_resolving_to_loopback_is_refused_naming_the_address(
    manager: AbstractUser,
) -> None:
    response = client_for(manager).post(reverse(ADD), {**FIELDS, "url": "http://localhost/"})
    errors = " ".join(response.context["form"].errors["url"])
    assert "localhost resolves to" in errors
    assert "127.0.0.1" in errors or "::1" in errors


def test_an_edit_to_an_internal_target_is_refused_and_changes_nothing(
    manager: AbstractUser,
) -> None:
    subscription = WebhookSubscription.objects.create(name="CRM", url="https://203.0.113.1/in")
    response = client_for(manager).post(
        reverse(EDIT, args=[subscription.pk]), {**FIELDS, "url": "http://169.254.169.254/"}
    )
    assert response.status_code == 200
    assert "link-local" in " ".join(response.context["form"].errors["url"])
    subscription.refresh_from_db()
    assert subscription.url == "https://203.0.113.1/in"


def test_a_public_address_saves(manager: AbstractUser) -> None:
    response = client_for(manager).post(
        reverse(ADD), {**FIELDS, "url": "https://[2606:4700:4700::1111]/hook"}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert WebhookSubscription.objects.get().url == "https://[2606:4700:4700::1111]/hook"


def test_with_private_networks_allowed_the_same_target_saves(
    manager: AbstractUser, settings: Any
) -> None:
    settings.DISTRIBUTION_CHANNELS = {
        "webhooks": {
            "BACKEND": "commonground.distribution.channels.webhook.WebhookChannel",
            "OPTIONS": {"allow_private_networks": True},
        }
    }
    response = client_for(manager).post(
        reverse(ADD), {**FIELDS, "url": "http://127.0.0.1:8000/hook"}
    )
    assert response.status_code == 302
    assert WebhookSubscription.objects.get().url == "http://127.0.0.1:8000/hook"


_PRIVATE_V4 = st.sampled_from(
    [
        ipaddress.IPv4Network(net)
        for net in (
            *("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8"),
            *("169.254.0.0/16", "100.64.0.0/10", "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4"),
        )
    ]
).flatmap(
    lambda net: st.integers(int(net.network_address), int(net.broadcast_address)).map(
        ipaddress.IPv4Address
    )
)


def _forms(v4: ipaddress.IPv4Address) -> list[ipaddress.IPv6Address]:
    n = int(v4)
    return [
        ipaddress.IPv6Address(f"::ffff:{v4}"),
        ipaddress.IPv6Address((0x64FF9B << 96) | n),
        ipaddress.IPv6Address((0x2002 << 112) | (n << 80)),
    ]


@hypothesis_settings(max_examples=150, deadline=None)
@given(_PRIVATE_V4)
def test_no_ipv6_dress_makes_an_internal_ipv4_address_public(v4: ipaddress.IPv4Address) -> None:
    assert why_not_public(v4)
    for form in _forms(v4):
        assert not is_public_address(form), form
        assert str(v4) in why_not_public(form)


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address))
def test_the_ipv6_dresses_of_an_ipv4_address_are_public_exactly_when_it_is(
    v4: ipaddress.IPv4Address,
) -> None:
    public = is_public_address(v4)
    assert all(is_public_address(form) == public for form in _forms(v4))

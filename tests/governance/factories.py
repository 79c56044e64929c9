"""Governance rows made through the services, as the admin makes them."""

from datetime import date
from typing import Any

from django.utils import timezone

from commonground.distribution.models import Dispatch, MailingList
from commonground.governance.models import TechnologyRequest
from commonground.governance.registry import services


def request_form(**changes: Any) -> dict[str, Any]:
    """What the "Request a technology" form posts."""
    data = {
        "name": "Heatmaps Pro",
        "vendor": "Heatmaps Ltd",
        "category": "analytics",
        "business_purpose": "See where visitors click on landing pages.",
        "annual_cost": "1200.00",
        "data_category": "pseudonymous",
        "data_location": "eu_eea",
        "consent_purpose": "analytics",
        "hosts_script": "CDN.Heatmaps.example\n*.heatmaps.example",
        "hosts_style": "",
        "hosts_image": "",
        "hosts_connect": "collect.heatmaps.example",
        "hosts_frame": "",
        "hosts_form": "",
        "problem": "We cannot see why the spring landing page does not convert.",
        "expected_value": "+10% sign-ups on campaign pages.",
        "needed_by": "2025-03-01",
    }
    data.update(changes)
    return data


def submitted_request(
    user: Any, *, name: str = "Heatmaps Pro", data_category: str = "none", **hosts: list[str]
) -> Any:
    """A request as marketing submits it; processing no data by default, so another IT
    administrator may approve it without the questionnaire (the registry's tests of the
    approval rules ask for personal data)."""
    request: TechnologyRequest = services.submit_request(
        user=user,
        proposal=services.Proposal(
            name=name,
            vendor="Vendor Ltd",
            category="analytics",
            business_purpose="",
            data_category=data_category,
            data_location="eu_eea",
            consent_purpose="analytics",
        ),
        hosts=hosts or {"script-src": ["cdn.vendor.example"]},
        problem="A problem.",
        expected_value="Value.",
        needed_by=date(2025, 3, 1),
    )
    return request


def registered_technology(
    user: Any,
    *,
    name: str,
    hosts: dict[str, list[str]],
    status: str = "approved",
    consent_purpose: str = "necessary",
) -> Any:
    """A registry entry saved by IT (``user``) through the service, as the admin saves it."""
    from commonground.governance.models import Technology

    return services.save_technology(
        user=user,
        technology=Technology(
            name=name,
            vendor=f"{name} Ltd",
            category="other",
            status=status,
            consent_purpose=consent_purpose,
        ),
        hosts=hosts,
    )


def newsletter_dispatch(
    page: Any, mailing_list: MailingList, *, number: int, status: str, finished_at: Any = None
) -> Dispatch:
    """A newsletter send of ``page`` in ``status`` (its outbox row, no delivery yet)."""
    return Dispatch.objects.create(
        page=page,
        planned_channel_id=number,
        channel="newsletter",
        title=f"Letter {number}",
        url="https://example.com/letter/",
        campaign="letter",
        mailing_list=mailing_list,
        due_at=finished_at or timezone.now(),
        status=status,
        finished_at=finished_at,
    )

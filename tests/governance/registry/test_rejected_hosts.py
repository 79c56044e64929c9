"""A host IT rejected is refused with the rejection (when, by whom, why), never with an
invitation to ask for it again (issue 14, point 10); other unapproved hosts keep the
"Ask IT to approve it" link."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.governance import public
from commonground.governance.models import SiteTag
from commonground.governance.registry import services

from ...conftest import client_for
from ..factories import submitted_request

ADD_TAG = reverse("governance_site_tags:add")


def _tag(url: str) -> dict[str, str]:
    return {
        "name": "Tracker",
        "script_url": url,
        "placement": "head",
        "load_async": "on",
        "site": "",
        "enabled": "on",
    }


@pytest.mark.django_db
def test_a_rejected_host_says_it_was_rejected(
    home: Any, editor: Any, publisher: Any, it_admin: Any
) -> None:
    request = submitted_request(editor, name="Pixel", **{"script-src": ["*.pixel.example"]})
    services.decide(
        user=it_admin, request=request, approve=False, rationale="Sells visitor data on."
    )
    response = client_for(publisher).post(ADD_TAG, _tag("https://cdn.pixel.example/p.js"))
    assert response.status_code == 200
    [error] = response.context["form"].errors["script_url"]
    reviewer = it_admin.get_full_name() or it_admin.get_username()
    today = f"{timezone.localdate():%Y-%m-%d}"
    assert "“cdn.pixel.example” are not allowed" in error
    assert f"IT rejected it on {today} by {reviewer} (Pixel): Sells visitor data on." in error
    assert "Ask IT" not in error and "directive=script-src" not in error
    assert not SiteTag.objects.exists()

    # The same rule where content is checked (HTML, embeds): the message helper is shared.
    with pytest.raises(Exception) as refused:
        public.check_html('<img src="https://img.pixel.example/x.gif">')
    assert "IT rejected it" in str(refused.value)
    assert "Ask IT" not in str(refused.value)


@pytest.mark.django_db
def test_an_unknown_or_pending_host_still_invites_a_request(home: Any, editor: Any) -> None:
    submitted_request(editor, name="Pending", **{"script-src": ["cdn.pending.example"]})
    for host in ("cdn.pending.example", "cdn.unknown.example"):
        messages = public.refusal_messages(
            [public_reference(f"https://{host}/a.js")]  # a script reference
        )
        assert len(messages) == 1
        assert "Ask IT to approve it" in messages[0]
        assert f"host={host}&directive=script-src" in messages[0]


def public_reference(url: str) -> Any:
    from commonground.governance.csp import third_party

    found = third_party.reference(url, "script-src", "script")
    assert found is not None
    return found


@pytest.mark.django_db
def test_a_request_opened_for_a_rejected_host_says_it_was_rejected(
    editor: Any, it_admin: Any
) -> None:
    request = submitted_request(editor, name="Pixel", **{"script-src": ["cdn.pixel.example"]})
    services.decide(user=it_admin, request=request, approve=False, rationale="Sells data.")
    client = client_for(editor)
    page = client.get(
        reverse("governance_request_new"), {"host": "cdn.pixel.example", "directive": "script-src"}
    )
    assert page.status_code == 200
    assert "IT rejected it on" in page.content.decode()
    assert "Sells data." in page.content.decode()
    fresh = client.get(
        reverse("governance_request_new"), {"host": "cdn.other.example", "directive": "script-src"}
    )
    assert "IT rejected it" not in fresh.content.decode()

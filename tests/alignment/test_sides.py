"""The two lead roles exist on every installation, and a user's side follows their roles."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from commonground.alignment.sides import Party, led_party, party_of, require_lead
from commonground.core import roles

from ..core.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_migration_creates_both_lead_roles_with_admin_access() -> None:
    for name in (roles.MARKETING_LEAD, roles.IT_LEAD):
        group = Group.objects.get(name=name)
        assert list(group.permissions.values_list("codename", flat=True)) == ["access_admin"]


def test_sides_follow_roles(cmo, cio, editor, viewer) -> None:
    assert (led_party(cmo), party_of(cmo)) == (Party.MARKETING, Party.MARKETING)
    assert (led_party(cio), party_of(cio)) == (Party.IT, Party.IT)
    assert (led_party(editor), party_of(editor)) == (None, Party.MARKETING)
    assert (led_party(viewer), party_of(viewer)) == (None, None)


def test_one_person_holding_both_leads_leads_neither() -> None:
    both = UserFactory(roles=[roles.MARKETING_LEAD, roles.IT_LEAD])
    assert led_party(both) is None
    with pytest.raises(PermissionDenied):
        require_lead(both, "joint")


def test_a_lead_acts_only_for_their_own_side(cmo, cio) -> None:
    assert require_lead(cmo, "marketing") is Party.MARKETING
    assert require_lead(cio, "joint") is Party.IT
    with pytest.raises(PermissionDenied, match="IT Lead"):
        require_lead(cmo, "it")

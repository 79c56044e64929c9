"""Alignment's fixtures: the two leads (the CMO's and the CIO's side)."""

import pytest
from django.contrib.auth.models import AbstractUser

from commonground.core import roles

from ..core.factories import UserFactory


@pytest.fixture
def cmo(db: None) -> AbstractUser:
    """The Marketing Lead, who also publishes (as the demo's ``cmo`` does)."""
    return UserFactory(username="cmo", roles=[roles.MARKETING_LEAD, roles.MARKETING_PUBLISHER])


@pytest.fixture
def cio(db: None) -> AbstractUser:
    """The IT Lead."""
    return UserFactory(username="cio", roles=[roles.IT_LEAD])

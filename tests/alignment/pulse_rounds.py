"""What the pulse tests share: a round taking answers today, and answering it through HTTP."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from django.contrib.auth.models import AbstractUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commonground.alignment.models import PulseRound
from commonground.alignment.periods import Quarter
from commonground.alignment.pulse.services import create_round
from commonground.alignment.pulse.statements import STATEMENT_KEYS
from commonground.core import roles

from ..conftest import client_for
from ..core.factories import UserFactory


def open_round_now() -> PulseRound:
    """This quarter's round, open for answers today."""
    quarter = Quarter.of(timezone.localdate())
    return create_round(
        quarter=quarter, opens_on=quarter.start, closes_on=quarter.end, opened_by=None
    )


def scores(*values: int) -> dict[str, int]:
    """Five scores, in the statements' order."""
    return dict(zip(STATEMENT_KEYS, values, strict=True))


def answer_url(pulse_round: PulseRound) -> str:
    return reverse("alignment_pulse_answer", args=[pulse_round.quarter])


def post_answer(client: Client, pulse_round: PulseRound, answers: Mapping[str, object]) -> Any:
    """POST the answers as a browser's form would, percent-encoded; a lone surrogate goes as the
    (invalid) UTF-8 bytes a broken client would send."""
    body = "&".join(
        f"{quote(key, errors='surrogatepass')}={quote(str(value), errors='surrogatepass')}"
        for key, value in answers.items()
    )
    return client.post(
        answer_url(pulse_round), data=body, content_type="application/x-www-form-urlencoded"
    )


def answer_as(user: AbstractUser, pulse_round: PulseRound, *values: int) -> None:
    response = post_answer(client_for(user), pulse_round, scores(*values))
    assert response.status_code == 302, response.content.decode()[:2000]


def people(role: str, count: int) -> list[AbstractUser]:
    return [UserFactory(roles=[role]) for _ in range(count)]


def marketers(count: int) -> list[AbstractUser]:
    return people(roles.MARKETING_EDITOR, count)


def it_people(count: int) -> list[AbstractUser]:
    """IT administrators (``client_for`` gives each the two-factor sign-in IT must have)."""
    return people(roles.IT_ADMINISTRATOR, count)

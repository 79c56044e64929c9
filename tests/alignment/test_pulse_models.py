"""The pulse's tables keep who answered apart from what was answered: no tally row can point at
a person, a participation row holds no score, and neither records when."""

import pytest
from django.conf import settings
from django.db import models

from commonground.alignment.models import PulseParticipation, PulseTally
from commonground.alignment.pulse import services
from commonground.alignment.pulse.statements import STATEMENT_KEYS
from commonground.core import roles

from ..core.factories import UserFactory
from .pulse_rounds import open_round_now, scores

pytestmark = pytest.mark.django_db


def _columns(model: type[models.Model]) -> dict[str, models.Field]:
    return {field.name: field for field in model._meta.get_fields() if field.concrete}


def test_a_tally_row_holds_no_reference_to_a_person_or_a_moment() -> None:
    fields = _columns(PulseTally)
    assert set(fields) == {"id", "round", "side", "statement", "score", "count"}
    relations = [field for field in fields.values() if field.is_relation]
    assert [field.related_model._meta.label for field in relations] == ["alignment.PulseRound"]
    user_model = settings.AUTH_USER_MODEL
    assert all(field.related_model._meta.label != user_model for field in relations)
    assert not any(
        isinstance(field, models.DateField | models.DateTimeField) for field in fields.values()
    )


def test_a_participation_row_holds_no_score_and_no_moment() -> None:
    fields = _columns(PulseParticipation)
    assert set(fields) == {"id", "round", "user", "side"}


def test_counters_exist_before_any_answer_so_their_ids_follow_no_answer() -> None:
    pulse_round = open_round_now()
    before = list(PulseTally.objects.filter(round=pulse_round).values_list("pk", "count"))
    assert len(before) == services.TALLIES_PER_ROUND
    assert {count for _, count in before} == {0}

    services.record_answer(
        user=UserFactory(roles=[roles.MARKETING_EDITOR]),
        pulse_round=pulse_round,
        scores=scores(5, 4, 3, 2, 1),
    )

    after = PulseTally.objects.filter(round=pulse_round)
    assert sorted(after.values_list("pk", flat=True)) == sorted(pk for pk, _ in before)
    assert sorted(after.filter(count=1).values_list("statement", "score")) == sorted(
        zip(STATEMENT_KEYS, (5, 4, 3, 2, 1), strict=True)
    )


def test_the_tables_scale_is_the_statements_scale() -> None:
    from commonground.alignment.models.pulse import HIGHEST_SCORE, LOWEST_SCORE
    from commonground.alignment.pulse.statements import SCORES

    assert tuple(range(LOWEST_SCORE, HIGHEST_SCORE + 1)) == SCORES

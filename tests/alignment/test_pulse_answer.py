"""Answering the pulse through HTTP: either side answers once, the Viewer cannot, wrong values
are named, and what is stored and audited links nobody to their scores."""

import pytest
from django.db.models import Sum
from django.urls import reverse
from wagtail.models import ModelLogEntry

from commonground.alignment.models import PulseParticipation, PulseRound, PulseTally
from commonground.alignment.pulse import services
from commonground.alignment.pulse.statements import STATEMENT_KEYS, STATEMENTS
from commonground.core import roles

from ..conftest import client_for
from ..core.factories import UserFactory
from .pulse_rounds import answer_url, open_round_now, post_answer, scores

pytestmark = pytest.mark.django_db


@pytest.fixture
def pulse_round() -> PulseRound:
    return open_round_now()


def _counts(pulse_round: PulseRound, side: str) -> dict[tuple[str, int], int]:
    rows = PulseTally.objects.filter(round=pulse_round, side=side, count__gt=0)
    return {(row.statement, row.score): row.count for row in rows}


def _total(pulse_round: PulseRound) -> int:
    return PulseTally.objects.filter(round=pulse_round).aggregate(total=Sum("count"))["total"]


@pytest.mark.parametrize(
    ("role", "side"),
    [
        (roles.MARKETING_EDITOR, "marketing"),
        (roles.MARKETING_PUBLISHER, "marketing"),
        (roles.MARKETING_LEAD, "marketing"),
        (roles.IT_ADMINISTRATOR, "it"),
        (roles.IT_LEAD, "it"),
    ],
)
def test_each_side_answers_and_its_answer_is_counted_for_its_side(pulse_round, role, side) -> None:
    client = client_for(UserFactory(roles=[role]))
    page = client.get(answer_url(pulse_round))
    assert page.status_code == 200
    assert all(f'name="{key}"' in page.content.decode() for key in STATEMENT_KEYS)

    response = post_answer(client, pulse_round, scores(5, 4, 3, 2, 1))

    assert response.status_code == 302
    assert response["Location"] == reverse("alignment_pulse_index")
    assert _counts(pulse_round, side) == dict(
        zip(zip(STATEMENT_KEYS, (5, 4, 3, 2, 1), strict=True), [1] * 5, strict=True)
    )
    other = "it" if side == "marketing" else "marketing"
    assert _counts(pulse_round, other) == {}
    assert list(PulseParticipation.objects.values_list("side", flat=True)) == [side]


def test_the_viewer_reads_but_cannot_answer(pulse_round, viewer) -> None:
    client = client_for(viewer)
    page = client.get(answer_url(pulse_round))
    assert page.status_code == 200
    assert "belongs to no side" in page.content.decode()
    assert 'name="great_relationship"' not in page.content.decode()

    response = post_answer(client, pulse_round, scores(5, 5, 5, 5, 5))

    assert response.status_code == 403
    assert "Only people on the marketing side or the IT side" in response.content.decode()
    assert _total(pulse_round) == 0
    assert not PulseParticipation.objects.exists()


def test_someone_holding_both_sides_roles_is_on_neither_and_cannot_answer(pulse_round) -> None:
    both = UserFactory(roles=[roles.MARKETING_EDITOR, roles.IT_ADMINISTRATOR])
    response = post_answer(client_for(both), pulse_round, scores(3, 3, 3, 3, 3))
    assert response.status_code == 403
    assert _total(pulse_round) == 0


def test_a_second_answer_is_refused_and_counts_nothing(pulse_round, editor) -> None:
    client = client_for(editor)
    assert post_answer(client, pulse_round, scores(1, 1, 1, 1, 1)).status_code == 302

    again = post_answer(client, pulse_round, scores(5, 5, 5, 5, 5))

    assert again.status_code == 403
    assert f"You have answered the {pulse_round.quarter} pulse already" in again.content.decode()
    assert _total(pulse_round) == 5
    assert _counts(pulse_round, "marketing") == {(key, 1): 1 for key in STATEMENT_KEYS}
    assert "You have answered" in client.get(answer_url(pulse_round)).content.decode()


def test_the_service_refuses_a_second_answer_too(pulse_round, editor) -> None:
    services.record_answer(user=editor, pulse_round=pulse_round, scores=scores(2, 2, 2, 2, 2))
    with pytest.raises(services.ValidationError, match="answered"):
        services.record_answer(user=editor, pulse_round=pulse_round, scores=scores(4, 4, 4, 4, 4))
    assert _total(pulse_round) == 5


@pytest.mark.parametrize(
    "bad",
    ["", "0", "6", "-1", "3.5", "abc", "\x00", "3\x00", "\ud800", "9" * 10_000, "\uff11"],
)
def test_a_wrong_value_is_named_by_its_statement_and_nothing_is_counted(
    pulse_round, editor, bad
) -> None:
    answers: dict[str, object] = scores(4, 4, 4, 4, 4)
    answers["it_marketing_experience"] = bad

    response = post_answer(client_for(editor), pulse_round, answers)

    assert response.status_code == 400
    text = response.content.decode()
    statement = next(s for s in STATEMENTS if s.key == "it_marketing_experience")
    assert "IT has people with marketing experience helping marketing." in statement.text
    assert "needs an answer from 1 (strongly disagree) to 5 (strongly agree)" in text
    assert text.count("needs an answer from 1") == 1  # only the wrong statement is named
    assert _total(pulse_round) == 0
    assert not PulseParticipation.objects.exists()


def test_every_statement_is_required(pulse_round, editor) -> None:
    response = client_for(editor).post(answer_url(pulse_round), {"great_relationship": "4"})
    assert response.status_code == 400
    assert response.content.decode().count("needs an answer from 1") == 4
    assert _total(pulse_round) == 0


def test_the_service_names_wrong_types_and_unknown_statements(pulse_round, editor) -> None:
    wrong: dict[str, object] = {**scores(3, 3, 3, 3, 3), "meet_regularly": True, "x" * 5000: 3}
    with pytest.raises(services.ValidationError) as raised:
        services.record_answer(user=editor, pulse_round=pulse_round, scores=wrong)
    errors = raised.value.message_dict
    assert set(errors) == {"meet_regularly", "__all__"}
    assert "Marketing and IT meet regularly." in errors["meet_regularly"][0]
    assert "Not a pulse statement" in errors["__all__"][0]
    assert _total(pulse_round) == 0


def test_a_closed_round_takes_no_answers(pulse_round, editor, cmo) -> None:
    services.close_round(user=cmo, pulse_round=pulse_round)
    response = post_answer(client_for(editor), pulse_round, scores(3, 3, 3, 3, 3))
    assert response.status_code == 403
    assert "is not open for answers" in response.content.decode()
    assert _total(pulse_round) == 0


def test_the_audit_says_only_that_an_answer_was_recorded(pulse_round, editor) -> None:
    post_answer(client_for(editor), pulse_round, scores(5, 1, 4, 2, 3))

    entry = ModelLogEntry.objects.get(action=services.ANSWER_RECORD)
    assert entry.data == {"quarter": pulse_round.quarter}
    assert entry.message == "A pulse answer was recorded"
    assert entry.object_id == str(pulse_round.pk)
    assert entry.label == str(pulse_round)


def test_an_answer_rewrites_every_counter_of_the_round(pulse_round, editor) -> None:
    """No counter is left untouched, so the database's row versions cannot tell the chosen ones
    (see the models' docstring). Observed as: every counter is part of the answer's UPDATE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.record_answer(user=editor, pulse_round=pulse_round, scores=scores(1, 2, 3, 4, 5))
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    tally_updates = [sql for sql in updates if PulseTally._meta.db_table in sql]
    assert len(tally_updates) == 1
    assert "score" not in tally_updates[0].split("WHERE")[1]  # the whole round, not five rows
    assert PulseTally.objects.filter(round=pulse_round).count() == services.TALLIES_PER_ROUND


def test_the_open_answer_link_goes_to_the_open_round(pulse_round, editor) -> None:
    response = client_for(editor).get(reverse("alignment_pulse_answer_open"))
    assert response.status_code == 302
    assert response["Location"] == answer_url(pulse_round)


def test_an_unknown_quarter_is_not_found(editor) -> None:
    client = client_for(editor)
    assert client.get("/admin/alignment/pulse/2026-Q9/answer/").status_code == 404
    assert client.get("/admin/alignment/pulse/2019-Q1/answer/").status_code == 404

"""The pulse's background work: the quarterly opening and the invitations."""

from django_tasks import task

from . import invitations, selectors, services


@task()
def open_quarterly_pulse() -> int:
    """Close the rounds whose last day has passed, open this quarter's round if it has none,
    and invite everyone of either side not yet invited to the open round (people who join
    later are invited by the next run). Returns how many invitations went out."""
    services.close_past_rounds()
    services.open_quarter_round_if_due()
    pulse_round = selectors.accepting_round()
    return invitations.send_invitations(pulse_round.pk) if pulse_round else 0


@task()
def send_pulse_invitations(round_id: int) -> int:
    """The invitations to a round a lead opened by hand. Returns how many went out."""
    return invitations.send_invitations(round_id)

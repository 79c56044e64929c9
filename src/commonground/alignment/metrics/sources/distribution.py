"""Catalogue metrics from distribution: subscribers, newsletter sends, delivery failures, and
the visits distribution's tagged links bring."""

from decimal import Decimal

from commonground.distribution import public as distribution

from ...periods import period_bounds, state_moment
from ..base import (
    Accumulation,
    Direction,
    MetricDefinition,
    MetricError,
    Parameter,
    Params,
    Period,
    Unit,
    as_decimal,
    register,
)
from .analytics import FILTER, SITE, totals


def _list_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in distribution.mailing_lists()]


def _channel_choices() -> list[tuple[str, str]]:
    return distribution.channels()


LIST = Parameter(
    "list",
    "Newsletter list",
    required=False,
    help="One newsletter list; every list when empty.",
    choices=_list_choices,
)
CHANNEL = Parameter(
    "channel",
    "Channel",
    help="A distribution channel: its links carry its name as utm_source.",
    choices=_channel_choices,
)


def _list_id(params: Params) -> int | None:
    text = params.get("list", "")
    if not text:
        return None
    known = dict(distribution.mailing_lists())
    if not text.isdigit() or int(text) not in known:
        raise MetricError("params.list", f"there is no newsletter list {text!r}")
    return int(text)


def _percent(part: int, whole: int) -> Decimal | None:
    # Two decimals, as the Stats API rounds its rates; nothing to measure over none.
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def _confirmed_subscribers(params: Params, period: Period) -> Decimal | None:
    return Decimal(
        distribution.confirmed_subscribers(at=state_moment(period), list_id=_list_id(params))
    )


def _newsletter_sends(params: Params, period: Period) -> Decimal | None:
    start, end = period_bounds(period)
    return Decimal(distribution.newsletter_sends(start=start, end=end, list_id=_list_id(params)))


def _delivery_failure_rate(params: Params, period: Period) -> Decimal | None:
    channel = params.get("channel") or None
    if channel is not None and channel not in dict(distribution.channels()):
        raise MetricError("params.channel", f"there is no channel {channel!r}")
    start, end = period_bounds(period)
    counts = distribution.delivery_counts(start=start, end=end, channel=channel)
    return _percent(counts.failed, counts.attempted)


def _unsubscribe_rate(params: Params, period: Period) -> Decimal | None:
    start, end = period_bounds(period)
    list_id = _list_id(params)
    gone = distribution.unsubscribes(start=start, end=end, list_id=list_id)
    subscribed = distribution.subscribers_during(start=start, end=end, list_id=list_id)
    return _percent(gone, subscribed)


def _channel_visits(params: Params, period: Period) -> Decimal | None:
    channel = params["channel"]
    if channel not in dict(distribution.channels()):
        raise MetricError("params.channel", f"there is no channel {channel!r}")
    # links.py tags every link a channel sends with utm_source=<the channel's name>.
    tagged = f"utm_source={channel}"
    extra = params.get("filter", "")
    answer = totals(
        {**params, "filter": f"{tagged};{extra}" if extra else tagged}, period, ["visits"]
    )
    return as_decimal(answer["visits"])


register(
    MetricDefinition(
        key="distribution.confirmed_subscribers",
        label="Confirmed subscribers",
        definition=(
            "Newsletter subscriptions (of the list, or of every list) confirmed by double "
            "opt-in and not unsubscribed, at the period's end (now, while it runs): the "
            "Confirmed column of the newsletter Lists."
        ),
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        accumulation=Accumulation.LEVEL,
        glossary_term="subscriber",
        compute=_confirmed_subscribers,
        parameters=(LIST,),
    )
)
register(
    MetricDefinition(
        key="distribution.newsletter_sends",
        label="Newsletter sends",
        definition=(
            "Newsletter e-mails sent in the period: deliveries of newsletter dispatches that "
            "the delivery log shows as sent, counted on the day they were sent."
        ),
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        accumulation=Accumulation.CUMULATIVE,
        glossary_term="subscriber",
        compute=_newsletter_sends,
        parameters=(LIST,),
    )
)
register(
    MetricDefinition(
        key="distribution.delivery_failure_rate",
        label="Delivery failure rate",
        definition=(
            "Of the deliveries of dispatches that went out in the period (every channel, or "
            "one), the share that failed: failed / (sent + failed), as the delivery view "
            "counts them. Queued and skipped deliveries were not attempted and do not count."
        ),
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        accumulation=Accumulation.LEVEL,
        glossary_term="delivery-failure-rate",
        compute=_delivery_failure_rate,
        parameters=(
            Parameter(
                "channel",
                "Channel",
                required=False,
                help="One distribution channel; every channel when empty.",
                choices=_channel_choices,
            ),
        ),
    )
)
register(
    MetricDefinition(
        key="distribution.unsubscribe_rate",
        label="Unsubscribe rate",
        definition=(
            "Confirmed subscriptions ended by unsubscribing in the period, divided by the "
            "subscriptions that were confirmed at any moment of it (those confirmed at its "
            "start plus those confirmed during it), of the list or of every list."
        ),
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        accumulation=Accumulation.LEVEL,
        glossary_term="unsubscribe-rate",
        compute=_unsubscribe_rate,
        parameters=(LIST,),
    )
)
register(
    MetricDefinition(
        key="distribution.channel_visits",
        label="Visits from a channel",
        definition=(
            "Visits to the tracked site in the period that arrived by a link the channel "
            "sent: the Stats API's visits with the channel's name as utm_source (the tag "
            "distribution puts on every link it sends)."
        ),
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        accumulation=Accumulation.CUMULATIVE,
        glossary_term="channel",
        compute=_channel_visits,
        parameters=(SITE, CHANNEL, FILTER),
    )
)

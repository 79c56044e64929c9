"""Campaign ROI: the spend tagged with a campaign's UTM code against the Stats API's visits,
conversions and revenue for that code (``analytics.public.site_totals``)."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from commonground.analytics.public import QueryError, Reader, StoreUnavailableError, site_totals

from ..metrics import as_decimal
from ..models.budget import Campaign
from .money import cents
from .selectors import campaign_spend


@dataclass(frozen=True, slots=True)
class Figure:
    """A computed number, or None with the reason it cannot be computed."""

    value: Decimal | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CampaignRoi:
    campaign_id: int
    name: str
    utm_campaign: str
    site: str
    goal_name: str
    first: date
    last: date  # the campaign's end, or today while it runs
    spend: Decimal
    visits: int | None
    conversions: int | None
    revenue: Decimal | None
    missing: str  # why the analytics numbers are missing ("" when they are there)

    @property
    def cost_per_visit(self) -> Figure:
        if self.visits is None:
            return Figure(None, self.missing)
        if self.visits == 0:
            return Figure(None, "no visits")
        return Figure(cents(self.spend / self.visits))

    @property
    def cost_per_conversion(self) -> Figure:
        if not self.goal_name:
            return Figure(None, "no conversion goal set")
        if self.conversions is None:
            return Figure(None, self.missing)
        if self.conversions == 0:
            return Figure(None, "no conversions")
        return Figure(cents(self.spend / self.conversions))

    @property
    def revenue_per_spend(self) -> Figure:
        """Revenue per unit of currency spent (2.50: each euro brought 2.50 back)."""
        if not self.goal_name:
            return Figure(None, "no conversion goal set")
        if self.revenue is None:
            return Figure(None, self.missing)
        if self.spend <= 0:
            return Figure(None, "no spend recorded")
        return Figure((self.revenue / self.spend).quantize(Decimal("0.01"), ROUND_HALF_UP))


def campaign_roi(
    campaign: Campaign,
    *,
    today: date | None = None,
    reader: Reader | None = None,
    spend: Decimal | None = None,
) -> CampaignRoi:
    """``campaign``'s spend (every actual tagged with its code; ``spend`` when the caller
    read it already, with ``campaign_spends``) next to its visits (visits whose
    ``utm_campaign`` is its code, from its start to its end or today), conversions (visitors
    who reached its goal in those visits) and their revenue."""
    today = today or timezone.localdate()
    last = min(campaign.end, today)
    visits = conversions = None
    revenue = None
    missing = ""
    tagged = ["is", "visit:utm_campaign", [campaign.utm_campaign]]
    if last < campaign.start:
        missing = "the campaign has not started"
    else:
        try:
            totals = site_totals(
                site=campaign.site,
                first=campaign.start,
                last=last,
                metrics=["visits"],
                filters=[tagged],
                reader=reader,
            )
            visits = int(totals["visits"] or 0)
            if campaign.goal_name:
                goal = site_totals(
                    site=campaign.site,
                    first=campaign.start,
                    last=last,
                    # Conversions as the catalogue and the Goals panel count them: the
                    # visitors who reached the goal (not how many times they did).
                    metrics=["visitors", "revenue"],
                    filters=[tagged, ["is", "event:goal", [campaign.goal_name]]],
                    reader=reader,
                )
                conversions = int(goal["visitors"] or 0)
                revenue = as_decimal(goal["revenue"]) or Decimal(0)
        except StoreUnavailableError:
            visits = conversions = None
            revenue = None
            missing = "the analytics store is unreachable"
        except QueryError as error:
            visits = conversions = None
            revenue = None
            missing = f"analytics cannot answer: {error}"
    return CampaignRoi(
        campaign_id=campaign.pk,
        name=campaign.name,
        utm_campaign=campaign.utm_campaign,
        site=campaign.site,
        goal_name=campaign.goal_name,
        first=campaign.start,
        last=last,
        spend=campaign_spend(campaign.utm_campaign) if spend is None else spend,
        visits=visits,
        conversions=conversions,
        revenue=revenue,
        missing=missing,
    )

"""The demo's technology registry: what Larkspur's site is approved to load, one request in
review and one rejected, with the owners, costs and the review thread a real registry has."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone
from wagtail.log_actions import log

from .models import (
    RequestComment,
    ReviewAnswer,
    ReviewQuestion,
    SiteScan,
    Technology,
    TechnologyHost,
    TechnologyRequest,
)
from .registry.deadlines import review_deadline
from .registry.risk import assess_risk
from .registry.services import REQUEST_SUBMIT, TECHNOLOGY_CREATE
from .scan import services as scan

Status = Technology.Status


@dataclass(frozen=True)
class DemoTechnology:
    name: str
    vendor: str
    category: str
    status: str
    owner: str  # a demo username
    business_purpose: str
    hosts: dict[str, list[str]]
    consent_purpose: str
    data_category: str = "none"
    data_location: str = "eu_eea"
    dpa_signed: bool = False
    single_sign_on: bool = False
    annual_cost: Decimal | None = None
    renews_in_days: int | None = None
    request: "DemoRequest | None" = None


@dataclass(frozen=True)
class DemoRequest:
    requester: str
    problem: str
    expected_value: str
    submitted_days_ago: int
    comments: list[tuple[str, str]] = field(default_factory=list)  # (username, text)
    answers: list[tuple[str, str]] = field(default_factory=list)  # (answer, note), in order
    rationale: str = ""


# YouTube's and Vimeo's players need marketing / analytics consent for embeds; the video
# block itself loads them only when the visitor presses play under a notice saying so.
REGISTRY = (
    DemoTechnology(
        "YouTube embedded player",
        "Google Ireland Ltd",
        Technology.Category.CONTENT,
        Status.APPROVED,
        "publisher",
        "Product tours and webinar recordings on the product and blog pages, played in the "
        "privacy-enhanced (nocookie) player only when the visitor presses play.",
        {"frame-src": ["www.youtube-nocookie.com"]},
        Technology.ConsentPurpose.MARKETING,
        data_category="pseudonymous",
        data_location="other",
        dpa_signed=True,
    ),
    DemoTechnology(
        "Vimeo player",
        "Vimeo.com, Inc.",
        Technology.Category.CONTENT,
        Status.APPROVED,
        "publisher",
        "Customer-story videos without advertising, embedded with do-not-track on.",
        {"frame-src": ["player.vimeo.com"]},
        Technology.ConsentPurpose.ANALYTICS,
        data_category="pseudonymous",
        data_location="other",
        dpa_signed=True,
        single_sign_on=True,
        annual_cost=Decimal("900.00"),
        renews_in_days=140,
    ),
    DemoTechnology(
        "HubSpot forms",
        "HubSpot, Inc.",
        Technology.Category.CRM,
        Status.APPROVED,
        "editor",
        "Demo-request and contact forms that create leads in the sales team's CRM.",
        {"form-action": ["forms.hsforms.com"], "script-src": ["js.hsforms.net"]},
        Technology.ConsentPurpose.NECESSARY,
        data_category="personal",
        data_location="eu_eea",
        dpa_signed=True,
        single_sign_on=True,
        annual_cost=Decimal("9600.00"),
        renews_in_days=45,
    ),
    DemoTechnology(
        "Bunny Fonts",
        "BunnyWay d.o.o.",
        Technology.Category.FONTS_CDN,
        Status.APPROVED,
        "itadmin",
        "The brand typeface, served from an EU font CDN that logs no visitor data.",
        {"style-src": ["fonts.bunny.net"]},
        Technology.ConsentPurpose.NECESSARY,
        single_sign_on=True,
    ),
    DemoTechnology(
        "Hotjar",
        "Hotjar Ltd",
        Technology.Category.ANALYTICS,
        Status.IN_REVIEW,
        "editor",
        "Heatmaps and session recordings of the campaign landing pages.",
        {"script-src": ["static.hotjar.com"], "connect-src": ["*.hotjar.com"]},
        Technology.ConsentPurpose.ANALYTICS,
        data_category="pseudonymous",
        data_location="eu_eea",
        annual_cost=Decimal("2400.00"),
        request=DemoRequest(
            "editor",
            "The spring webinar page gets traffic but few sign-ups, and we cannot see where "
            "visitors give up.",
            "Find the drop-off on the form and lift webinar sign-ups by a fifth.",
            submitted_days_ago=6,
            comments=[
                (
                    "itadmin",
                    "Session recordings can capture what people type. Can we switch "
                    "recordings off and keep only heatmaps?",
                ),
                ("editor", "Heatmaps alone would do for the spring campaign."),
            ],
            answers=[
                ("yes", "TLS 1.2+, AES-256 at rest (trust centre)."),
                ("no", "No SSO on the Plus plan; Business plan needed."),
                ("yes", ""),
                ("yes", "Hosted in Ireland."),
            ],
        ),
    ),
    DemoTechnology(
        "Meta Pixel",
        "Meta Platforms Ireland Ltd",
        Technology.Category.ADVERTISING,
        Status.REJECTED,
        "publisher",
        "Retargeting visitors of the pricing page with ads on Facebook and Instagram.",
        {"script-src": ["connect.facebook.net"], "img-src": ["www.facebook.com"]},
        Technology.ConsentPurpose.MARKETING,
        data_category="personal",
        data_location="other",
        request=DemoRequest(
            "publisher",
            "We want to retarget pricing-page visitors who did not book a demo.",
            "A second touch for warm leads; the agency expects 30 extra demos a quarter.",
            submitted_days_ago=40,
            comments=[("itadmin", "Our customers are data teams; they read pixel audits.")],
            answers=[("yes", ""), ("n/a", ""), ("partial", ""), ("no", "US transfers.")],
            rationale=(
                "Personal data leaves the EU for advertising, and the pixel fires on every "
                "page. LinkedIn's matched audiences from the CRM meet the need without a tag."
            ),
        ),
    ),
)


def load_governance_demo(*, write: Callable[[str], object] = print) -> None:
    """The demo registry, once: left as it is when its entries are there already."""
    if Technology.objects.filter(name__in=[t.name for t in REGISTRY]).exists():
        write("  the technology registry is loaded already")
        return
    users: dict[str, User] = {user.get_username(): user for user in User.objects.all()}
    today = timezone.localdate()
    for entry in REGISTRY:
        technology = _technology(entry, users, today)
        if entry.request:
            _request(technology, entry.request, users)
    write(f"  technology registry: {len(REGISTRY)} entries, 2 requests")


def _technology(entry: DemoTechnology, users: dict[str, User], today: date) -> Technology:
    assessment = assess_risk(
        data_category=entry.data_category,
        dpa_signed=entry.dpa_signed,
        single_sign_on=entry.single_sign_on,
        data_location=entry.data_location,
    )
    renewal = today + timedelta(days=entry.renews_in_days) if entry.renews_in_days else None
    technology = Technology.objects.create(
        name=entry.name,
        vendor=entry.vendor,
        category=entry.category,
        owner=users.get(entry.owner),
        business_purpose=entry.business_purpose,
        annual_cost=entry.annual_cost,
        contract_renewal=renewal,
        data_category=entry.data_category,
        data_location=entry.data_location,
        dpa_signed=entry.dpa_signed,
        single_sign_on=entry.single_sign_on,
        risk_tier=assessment.tier.value,
        risk_reason=assessment.reason[:500],
        status=entry.status,
        consent_purpose=entry.consent_purpose,
    )
    TechnologyHost.objects.bulk_create(
        TechnologyHost(technology=technology, directive=directive, host=host)
        for directive, hosts in entry.hosts.items()
        for host in hosts
    )
    log(technology, TECHNOLOGY_CREATE, user=users.get("itadmin"), data={"status": entry.status})
    return technology


def _request(technology: Technology, entry: DemoRequest, users: dict[str, User]) -> None:
    submitted = timezone.now() - timedelta(days=entry.submitted_days_ago)
    reviewer = users.get("itadmin")
    decided = technology.status == Status.REJECTED
    request = TechnologyRequest.objects.create(
        technology=technology,
        requester=users.get(entry.requester),
        problem=entry.problem,
        expected_value=entry.expected_value,
        status=TechnologyRequest.Status.REJECTED if decided else TechnologyRequest.Status.IN_REVIEW,
        submitted_at=submitted,
        review_due=review_deadline(timezone.localdate(submitted)),
        rationale=entry.rationale,
        decided_by=reviewer if decided else None,
        decided_at=submitted + timedelta(days=5) if decided else None,
    )
    log(request, REQUEST_SUBMIT, user=users.get(entry.requester), data={"demo": True})
    questions = ReviewQuestion.objects.filter(active=True)
    ReviewAnswer.objects.bulk_create(
        ReviewAnswer(
            request=request, question=question, answer=answer, note=note, answered_by=reviewer
        )
        for question, (answer, note) in zip(questions, entry.answers, strict=False)
    )
    for hours, (username, body) in enumerate(entry.comments, start=1):
        comment = RequestComment.objects.create(
            request=request, author=users.get(username), body=body
        )
        RequestComment.objects.filter(pk=comment.pk).update(
            created_at=submitted + timedelta(hours=20 * hours)
        )


def scan_demo_site(*, write: Callable[[str], object] = print) -> None:
    """One scan, so the shadow-IT report has numbers on the first sign-in."""
    if SiteScan.objects.exists():
        return
    done = scan.scan_site(trigger=SiteScan.Trigger.DEMO)
    write(
        f"Scanned {done.pages_scanned} pages for third-party hosts: {done.hosts_found} found, "
        f"{done.unapproved_found} not approved (Governance, Third-party hosts)."
    )

"""The demo company's marketing pages: home, pricing, customers, about and privacy."""

from django.contrib.auth.models import AbstractBaseUser
from wagtail.models import Page

from ..models import ContentImage, HomePage, StandardPage
from . import streams as s
from .media import BRAND, CARD, HERO, SOCIAL, TEAM, ImageSpec
from .tree import add_draft, add_published, publish

COMPANY = "Larkspur Data"

BRAND_IMAGES = [
    ImageSpec(
        "home-hero",
        "Home hero: pipelines at dawn",
        "Abstract teal and gold shapes rising along a curved line, suggesting healthy data flowing",
        HERO,
        "teal",
        "Trust every number",
        BRAND,
        focal=(1500, 300, 800, 600),
    ),
    ImageSpec(
        "product-hero",
        "Product hero: the monitoring canvas",
        "Overlapping translucent circles in violet and peach above a thin trend line",
        HERO,
        "dusk",
        "See problems first",
        BRAND,
        focal=(1700, 500, 600, 500),
    ),
    ImageSpec(
        "feature-freshness",
        "Feature: freshness monitors",
        "Soft green circles above a steady line, illustrating tables that arrive on time",
        CARD,
        "forest",
        "Freshness",
        BRAND,
    ),
    ImageSpec(
        "feature-lineage",
        "Feature: column-level lineage",
        "Rounded blocks connected by a curving line, illustrating data lineage between tables",
        CARD,
        "sky",
        "Lineage",
        BRAND,
        focal=(900, 250, 500, 400),
    ),
    ImageSpec(
        "feature-incidents",
        "Feature: incident timeline",
        "Coral and cream shapes along a jagged line, illustrating an incident being resolved",
        CARD,
        "coral",
        "Incidents",
        BRAND,
    ),
    ImageSpec(
        "integrations",
        "Integrations overview",
        "Many small blue and white circles joined by a line, illustrating connected tools",
        CARD,
        "sky",
        "Plays well with others",
        BRAND,
    ),
    ImageSpec(
        "security",
        "Security and compliance",
        "Deep teal background with a solid gold rounded block, suggesting a vault",
        CARD,
        "teal",
        "Secure by default",
        BRAND,
    ),
    ImageSpec(
        "solutions-retail",
        "Solutions: retail",
        "Warm sand and orange shapes, illustrating busy retail sales data",
        CARD,
        "sand",
        "Retail",
        BRAND,
    ),
    ImageSpec(
        "solutions-logistics",
        "Solutions: logistics",
        "Dark green background with pale circles moving along a route-like line",
        CARD,
        "forest",
        "Logistics",
        BRAND,
    ),
    ImageSpec(
        "customers",
        "Customers: wall of logos",
        "Violet background with rows of soft rounded shapes standing in for customer logos",
        CARD,
        "dusk",
        "In good company",
        BRAND,
    ),
    ImageSpec(
        "office",
        "The Rotterdam office",
        "Coral and cream abstract shapes suggesting a sunny open-plan office",
        CARD,
        "coral",
        "Hello from Rotterdam",
        TEAM,
        focal=(600, 200, 500, 400),
    ),
    ImageSpec(
        "social-default",
        "Social sharing card",
        "Larkspur Data sharing card with the words 'Trust every number' on teal",
        SOCIAL,
        "teal",
        "Larkspur Data",
        BRAND,
    ),
]


def create_home(root: Page, *, images: dict[str, ContentImage], user: AbstractBaseUser) -> HomePage:
    home = HomePage(
        title=COMPANY,
        slug="home",
        seo_title=f"{COMPANY}: data observability for teams that ship",
        search_description=(
            "Larkspur watches your warehouse, pipelines and dashboards so broken data "
            "is caught before your customers or your CFO see it."
        ),
        og_image=images["social-default"],
        hero_title="Trust every number on every dashboard",
        hero_text=(
            "Larkspur watches your warehouse and pipelines around the clock and tells the right "
            "person when data is late, missing or wrong, before anyone makes a decision on it."
        ),
        hero_image=images["home-hero"],
        hero_cta_label="Book a demo",
    )
    return add_published(root, home, user=user)


def standard_page(
    parent: Page,
    *,
    title: str,
    slug: str,
    intro: str,
    body: list[s.Block],
    user: AbstractBaseUser,
    in_menu: bool = False,
    description: str = "",
) -> StandardPage:
    page = StandardPage(
        title=title,
        slug=slug,
        intro=intro,
        body=body,
        show_in_menus=in_menu,
        search_description=description or intro[:160],
    )
    return add_published(parent, page, user=user)


def build_pricing(home: HomePage, *, user: AbstractBaseUser) -> StandardPage:
    return standard_page(
        home,
        title="Pricing",
        slug="pricing",
        in_menu=True,
        intro="Simple plans priced by the number of tables you monitor. No per-seat fees, ever.",
        body=[
            s.table(
                [
                    ["", "Starter", "Growth", "Scale"],
                    ["Price", "Free", "€900 / month", "Talk to us"],
                    ["Monitored tables", "Up to 50", "Up to 1,000", "Unlimited"],
                    ["Automatic monitors", "Freshness, volume", "All", "All"],
                    ["Column-level lineage", "No", "Yes", "Yes"],
                    ["SSO and SCIM", "No", "SSO", "SSO and SCIM"],
                    ["Support", "Community", "E-mail, next business day", "Dedicated engineer"],
                ],
                caption="Plans compared",
                first_col_is_header=True,
            ),
            s.call_to_action(
                "Start free, no card needed", url="https://app.larkspur.example/signup"
            ),
            s.faq(
                "Frequently asked questions",
                [
                    (
                        "What counts as a monitored table?",
                        "<p>Any table or view Larkspur runs checks on. Tables you only see in "
                        "lineage are free.</p>",
                    ),
                    (
                        "Can I change plans later?",
                        "<p>Yes, upgrade or downgrade at any time; we prorate to the day.</p>",
                    ),
                    (
                        "Do you offer discounts for non-profits and education?",
                        "<p>Yes: 50% off Growth for registered non-profits and universities.</p>",
                    ),
                    (
                        "Where is my data stored?",
                        "<p>Metadata is stored in the region you choose, EU or US. Your rows "
                        "never leave your warehouse.</p>",
                    ),
                ],
            ),
        ],
        user=user,
    )


def build_customers(
    home: HomePage,
    *,
    images: dict[str, ContentImage],
    user: AbstractBaseUser,
    editor: AbstractBaseUser,
) -> tuple[StandardPage, StandardPage]:
    customers = standard_page(
        home,
        title="Customers",
        slug="customers",
        in_menu=True,
        intro="Over 300 data teams rely on Larkspur to keep their numbers honest.",
        body=[
            s.image(images["customers"]),
            s.quote(
                "Larkspur paid for itself the first time it caught a duplicated invoice feed "
                "before month-end close.",
                "Daniel Achterberg, VP Finance Systems, Copperleaf Insurance",
            ),
            s.quote(
                "Our on-call engineers finally sleep. Alerts come with the cause attached, so "
                "most incidents take minutes, not mornings.",
                "Sunita Rao, Data Platform Lead, Harbourline Freight",
            ),
        ],
        user=user,
    )
    # Never published: an editor is still waiting for the customer's sign-off.
    draft = add_draft(
        customers,
        StandardPage(
            title="Case study: Harbourline Freight",
            slug="harbourline-freight",
            intro="How a 40-person data team cut data incidents by 70% in one quarter.",
            body=[
                s.heading("The challenge"),
                s.paragraph(
                    "<p>Harbourline ingests 2,000 carrier files a day. A single late file used "
                    "to hold up every delivery-time report in the company.</p>"
                ),
                s.heading("The result"),
                s.paragraph("<p>[Waiting for final numbers from Sunita before we publish.]</p>"),
            ],
        ),
        user=editor,
    )
    return customers, draft


def build_about(
    home: HomePage, *, images: dict[str, ContentImage], user: AbstractBaseUser
) -> tuple[StandardPage, StandardPage, StandardPage, StandardPage]:
    about = standard_page(
        home,
        title="About",
        slug="about",
        in_menu=True,
        intro=(
            "We are 48 people in Rotterdam and Lisbon who think bad data should be boring to fix."
        ),
        body=[
            s.image_and_text(
                images["office"],
                "<p>Larkspur Data was founded in 2021 by three data engineers who were tired of "
                "being the last to know when their own dashboards were wrong. We are "
                "profitable, independent and in this for the long run.</p>",
            ),
        ],
        user=user,
    )
    team = standard_page(
        about,
        title="Team",
        slug="team",
        intro="The people who build, sell and support Larkspur.",
        body=[
            s.paragraph(
                "<p>We hire for curiosity and kindness. Half of us have carried a pager for a "
                "data platform; the other half have been on the receiving end of a wrong "
                "number.</p>"
            )
        ],
        user=user,
    )
    careers = standard_page(
        about,
        title="Careers",
        slug="careers",
        intro="Join us in making data the most reliable thing in the building.",
        body=[
            s.heading("Open roles"),
            s.table(
                [
                    ["Role", "Team", "Location"],
                    ["Senior Backend Engineer (Python)", "Platform", "Rotterdam or remote (EU)"],
                    ["Product Designer", "Product", "Lisbon"],
                    ["Solutions Engineer", "Customer Success", "Remote (US East)"],
                ],
            ),
            s.paragraph(
                "<p>Four-day weeks in August, a learning budget of €2,000 a year and a laptop of "
                "your choice.</p>"
            ),
        ],
        user=user,
    )
    contact = standard_page(
        about,
        title="Contact",
        slug="contact",
        intro="We answer every message within one business day.",
        body=[
            s.paragraph(
                "<p><b>Sales:</b> sales@larkspur.example<br/><b>Support:</b> "
                "support@larkspur.example<br/><b>Press:</b> press@larkspur.example</p>"
                "<p>Larkspur Data B.V., Wilhelminakade 91, 3072 AP Rotterdam, the Netherlands</p>"
            ),
            s.call_to_action(
                "Open a support ticket", url="https://support.larkspur.example", style="secondary"
            ),
        ],
        user=user,
    )
    return about, team, careers, contact


def build_privacy(home: HomePage, *, user: AbstractBaseUser) -> StandardPage:
    return standard_page(
        home,
        title="Privacy notice",
        slug="privacy",
        intro="What we collect when you visit this site, why, and how to ask us to delete it.",
        body=[
            s.paragraph(
                "<p>This site uses first-party analytics without cookies. When you fill in a "
                "form we keep what you send us for as long as we are in touch, and at most two "
                "years. Write to privacy@larkspur.example to see or delete your data.</p>"
            )
        ],
        user=user,
    )


def finish_home(
    home: HomePage,
    *,
    images: dict[str, ContentImage],
    product: Page,
    pricing: Page,
    customers: Page,
    landing: Page,
    user: AbstractBaseUser,
) -> None:
    """Second revision of the home page, now that the pages it links to exist."""
    home.hero_cta_page = landing
    home.body = [
        s.heading("Broken data is a business problem"),
        s.paragraph(
            "<p>A late table means a wrong forecast, a missed shipment or an awkward board "
            f"meeting. {s.page_link(product, 'Larkspur')} finds those problems while "
            "they are still small, and tells the person who can fix them.</p>"
        ),
        s.image_and_text(
            images["feature-lineage"],
            "<h3>Know what breaks before it breaks</h3><p>Column-level lineage shows every "
            "dashboard downstream of a change, so a renamed field never surprises you again.</p>",
            position="right",
        ),
        s.quote(
            "The first week we had Larkspur it found three pipelines that had been quietly "
            "wrong for months.",
            "Ines Duarte, Head of Data, Pinecrest Grocers",
        ),
        s.call_to_action("See plans and pricing", page=pricing),
        s.call_to_action("Read customer stories", page=customers, style="secondary"),
    ]
    publish(home, user=user)

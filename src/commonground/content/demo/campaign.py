"""The demo campaign: a webinar landing page with its sign-up form and a few stored sign-ups."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Page

from ..models import ContentImage, LandingPage, LandingPageFormField
from . import streams as s
from .media import BRAND, HERO, ImageSpec
from .tree import add_published

CAMPAIGN_CODE = "spring-launch-2026"
CHAT_WIDGET_HOST = "cdn.chatwidget-example.com"
CHAT_WIDGET_SNIPPET = (
    f'<script src="https://{CHAT_WIDGET_HOST}/widget.js" data-account="larkspur-sales" async>'
    "</script>"
)
WEBINAR_IN_DAYS = 12

CAMPAIGN_IMAGES = [
    ImageSpec(
        "webinar-hero",
        "Spring launch webinar hero",
        "Peach and violet shapes bursting upwards like spring blossoms, with the words "
        "'Spring launch live'",
        HERO,
        "dusk",
        "Spring launch live",
        BRAND,
        focal=(1600, 400, 700, 600),
    )
]

COMPANY_SIZES = ("1-49 employees", "50-249 employees", "250-999 employees", "1,000+ employees")
HEARD_FROM = ("Search engine", "LinkedIn", "A colleague", "A conference or meetup", "Other")

# (label, field_type, required, choices, help_text)
FORM_FIELDS = (
    ("Full name", "singleline", True, (), ""),
    ("Work email", "email", True, (), "We send the joining link here."),
    ("Company", "singleline", False, (), ""),
    ("Company size", "dropdown", False, COMPANY_SIZES, ""),
    ("How did you hear about us?", "radio", False, HEARD_FROM, ""),
    (
        "I agree to receive the recording and product news",
        "checkbox",
        True,
        (),
        "You can unsubscribe at any time; see our privacy notice.",
    ),
)

SIGN_UPS = (
    ("Ines Duarte", "ines.duarte@pinecrest.example", "Pinecrest Grocers", 2, 2, 1),
    ("Liam O'Connell", "liam@harbourline.example", "Harbourline Freight", 2, 0, 3),
    ("Akosua Mensah", "akosua.mensah@copperleaf.example", "Copperleaf Insurance", 3, 1, 5),
    ("Jan de Vries", "jan.devries@tulpentech.example", "Tulpentech", 0, 3, 6),
    ("Sofia Marquez", "smarquez@brightlane.example", "", 1, 4, 9),
)


def build_campaign(
    home: Page,
    *,
    images: dict[str, ContentImage],
    agenda: Document,
    privacy: Page,
    user: AbstractBaseUser,
) -> LandingPage:
    webinar_day = timezone.localdate() + datetime.timedelta(days=WEBINAR_IN_DAYS)
    landing = LandingPage(
        title="Spring launch webinar",
        slug="spring-launch-webinar",
        show_in_menus=True,
        campaign_code=CAMPAIGN_CODE,
        search_description="Join the Larkspur spring launch webinar: live demo and Q&A.",
        hero_title="Spring launch: anomaly detection for every metric",
        hero_text=(
            f"Live on {webinar_day:%A %-d %B} at 16:00 CET. Forty-five minutes, a real demo on "
            "real pipelines, and all your questions answered by the people who built it."
        ),
        hero_image=images["webinar-hero"],
        og_image=images["webinar-hero"],
        cta_label="Save my seat",
        form_title="Register for the webinar",
        submit_label="Register",
        thank_you_text=(
            "<p>You are registered. The joining link is on its way to your inbox, and the "
            f"recording will follow after the session. Meanwhile, read our "
            f"{s.page_link(privacy, 'privacy notice')}.</p>"
        ),
        # The page stops being useful a week after the webinar, so it takes itself down.
        expire_at=timezone.make_aware(
            datetime.datetime.combine(webinar_day + datetime.timedelta(days=7), datetime.time())
        ),
        body=[
            s.heading("What you will see"),
            s.paragraph(
                "<ul><li>Anomaly detection on any SQL metric, live</li>"
                "<li>How the incident timeline cut one customer's resolution time by 60%</li>"
                "<li>The roadmap for the rest of the year, and an open Q&amp;A</li></ul>"
                f"<p>{s.document_link(agenda.pk, 'Download the agenda (PDF)')}</p>"
            ),
            s.quote(
                "The launch webinars are the one hour a quarter my whole team blocks out.",
                "Sunita Rao, Data Platform Lead, Harbourline Freight",
            ),
            # Legacy content: a chat widget pasted before the registry existed, on no list.
            # The shadow-IT scan finds it; the site's policy blocks it in visitors' browsers.
            s.html(CHAT_WIDGET_SNIPPET),
        ],
    )
    for order, (label, field_type, required, choices, help_text) in enumerate(FORM_FIELDS):
        landing.form_fields.add(
            LandingPageFormField(
                sort_order=order,
                label=label,
                field_type=field_type,
                required=required,
                choices="\n".join(choices),
                help_text=help_text,
            )
        )
    landing = add_published(home, landing, user=user)
    _store_sign_ups(landing)
    return landing


def _store_sign_ups(landing: LandingPage) -> None:
    names = [field.clean_name for field in landing.form_fields.order_by("sort_order")]
    submission_class = landing.get_submission_class()
    now = timezone.now()
    for name, email, company, size, heard, days_ago in SIGN_UPS:
        values = (name, email, company, COMPANY_SIZES[size], HEARD_FROM[heard], True)
        submission = submission_class.objects.create(
            page=landing, form_data=dict(zip(names, values, strict=True))
        )
        # submit_time is auto_now_add; spread the sign-ups over the past days like real traffic.
        submission_class.objects.filter(pk=submission.pk).update(
            submit_time=now - datetime.timedelta(days=days_ago, hours=days_ago * 3 % 11)
        )

"""The demo company's product pages (features, integrations, security) and solutions."""

from django.contrib.auth.models import AbstractBaseUser
from wagtail.documents.models import Document

from ..models import ContentImage, HomePage, StandardPage
from . import streams as s
from .pages import standard_page


def build_product(
    home: HomePage,
    *,
    images: dict[str, ContentImage],
    security_pdf: Document,
    user: AbstractBaseUser,
) -> tuple[StandardPage, StandardPage, StandardPage, StandardPage]:
    product = standard_page(
        home,
        title="Product",
        slug="product",
        in_menu=True,
        intro=(
            "Larkspur is one place to see whether your data can be trusted today: freshness, "
            "volume, schema and quality checks across every table, with lineage that shows "
            "who is affected when something breaks."
        ),
        body=[
            s.heading("Monitoring that sets itself up"),
            s.paragraph(
                "<p>Connect your warehouse and Larkspur learns the normal rhythm of every table "
                "within a week: when it usually lands, how many rows it usually gets, which "
                "columns are never empty. You get useful alerts without writing a single rule, "
                "and you can still add your own checks in SQL or dbt when you need them.</p>"
            ),
            s.video(
                "https://www.youtube.com/watch?v=jNQXAC9IVRw",
                "A two-minute tour of the Larkspur monitoring canvas",
                poster=images["product-hero"],
            ),
            s.heading("Built for the people who get paged"),
            s.paragraph(
                "<p>Alerts arrive in Slack, Teams or PagerDuty with the failing table, the last "
                "good run, the upstream change that probably caused it and the dashboards that "
                "depend on it. Most teams cut their time-to-resolution in half in the first "
                "month.</p>"
            ),
        ],
        user=user,
    )
    features = standard_page(
        product,
        title="Features",
        slug="features",
        intro="Everything a data team needs to find, fix and prevent broken data.",
        body=[
            s.image_and_text(
                images["feature-freshness"],
                "<h3>Freshness and volume monitors</h3><p>Every table gets a learned schedule "
                "and an expected row count. When the nightly orders load is two hours late or "
                "arrives with half its rows, you know at 06:05, not at the 09:00 stand-up.</p>",
            ),
            s.image_and_text(
                images["feature-lineage"],
                "<h3>Column-level lineage</h3><p>Larkspur reads your SQL, dbt models and BI "
                "queries to draw lineage down to the column. Before you rename a field you can "
                "see the eleven dashboards and two reverse-ETL syncs that would break.</p>",
                position="right",
            ),
            s.image(
                images["feature-incidents"],
                "The incident timeline groups related alerts into one story.",
            ),
            s.heading("Incident timeline", "h3"),
            s.paragraph(
                "<p>Related alerts are grouped into a single incident with a timeline, an owner "
                "and a status page your business users can follow. Post-mortems write "
                "themselves from the timeline.</p>"
            ),
        ],
        user=user,
    )
    integrations = standard_page(
        product,
        title="Integrations",
        slug="integrations",
        intro="Larkspur connects to the tools you already run, with read-only credentials.",
        body=[
            s.image(images["integrations"]),
            s.table(
                [
                    ["Category", "Supported today", "Set-up time"],
                    [
                        "Warehouses",
                        "Snowflake, BigQuery, Redshift, PostgreSQL, Databricks",
                        "10 minutes",
                    ],
                    ["Transformation", "dbt Core, dbt Cloud, SQLMesh", "5 minutes"],
                    ["Orchestration", "Airflow, Dagster, Prefect", "15 minutes"],
                    ["BI", "Looker, Power BI, Metabase, Tableau", "10 minutes"],
                    [
                        "Alerting",
                        "Slack, Microsoft Teams, PagerDuty, Opsgenie, e-mail",
                        "2 minutes",
                    ],
                ],
                caption="Integrations available on every plan",
                first_col_is_header=True,
            ),
            s.paragraph(
                "<p>Missing something? Our open API and webhooks cover the rest, and customers "
                "on the Scale plan can ask us to build a connector.</p>"
            ),
        ],
        user=user,
    )
    security = standard_page(
        product,
        title="Security",
        slug="security",
        intro=(
            "Your data stays in your warehouse. Larkspur reads metadata and aggregates, never rows."
        ),
        body=[
            s.heading("How we protect your data"),
            s.paragraph(
                "<ul><li>Read-only service accounts, scoped to the schemas you choose.</li>"
                "<li>Only metadata and aggregate statistics leave your warehouse.</li>"
                "<li>Hosting in the EU (Frankfurt) or the US (Oregon), your choice.</li>"
                "<li>SSO with SAML or OIDC, SCIM provisioning, audit log export.</li></ul>"
                "<p>Read the details in our "
                f"{s.document_link(security_pdf.pk, 'security overview (PDF)')}.</p>"
            ),
            s.table(
                [
                    ["Certification", "Status", "Scope"],
                    ["SOC 2 Type II", "Certified, renewed yearly", "Entire platform"],
                    ["ISO 27001", "Certified", "Entire platform"],
                    ["GDPR", "DPA available", "EU and US regions"],
                ],
                caption="Certifications",
            ),
        ],
        user=user,
    )
    return product, features, integrations, security


def build_solutions(
    home: HomePage, *, images: dict[str, ContentImage], user: AbstractBaseUser
) -> StandardPage:
    solutions = standard_page(
        home,
        title="Solutions",
        slug="solutions",
        in_menu=True,
        intro="Data observability shaped around how your industry actually runs.",
        body=[
            s.paragraph(
                "<p>Every business has a handful of numbers that must never be wrong. We have "
                "spent four years learning which ones they are in retail and logistics.</p>"
            )
        ],
        user=user,
    )
    standard_page(
        solutions,
        title="Retail and e-commerce",
        slug="retail",
        intro="Keep revenue, stock and promotion data right through the busiest week of the year.",
        body=[
            s.image_and_text(
                images["solutions-retail"],
                "<p>Black Friday is the worst day for a broken pipeline. Larkspur learns your "
                "seasonal peaks, so a tripled order volume is expected but a missing store "
                "feed is flagged within minutes.</p>",
            ),
            s.quote(
                "We used to find out about missing store data from the regional managers. Now "
                "we fix it before they open their laptops.",
                "Ines Duarte, Head of Data, Pinecrest Grocers",
            ),
        ],
        user=user,
    )
    standard_page(
        solutions,
        title="Logistics",
        slug="logistics",
        intro="Track every shipment event from scanner to customer notification.",
        body=[
            s.image_and_text(
                images["solutions-logistics"],
                "<p>Carrier feeds change format without warning. Larkspur spots new columns, "
                "dropped fields and late partner files, and tells the team that owns the "
                "integration.</p>",
                position="right",
            )
        ],
        user=user,
    )
    return solutions

"""The demo blog: authors with portraits, the article index and its articles."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from wagtail.models import Page

from ..models import ArticleIndexPage, ArticlePage, Author, ContentImage
from . import streams as s
from .media import BLOG, CARD, PORTRAIT, TEAM, ImageSpec
from .tree import add_draft, add_published, publish


@dataclass(frozen=True)
class AuthorCopy:
    key: str
    name: str
    role: str
    bio: str
    palette: str


AUTHORS = (
    AuthorCopy(
        "maya",
        "Maya Okafor",
        "Head of Product",
        "Maya spent eight years running analytics at a grocery chain before joining Larkspur "
        "to build the tool she always wanted.",
        "teal",
    ),
    AuthorCopy(
        "tomas",
        "Tomás Lindqvist",
        "Staff Data Engineer",
        "Tomás works on lineage and the SQL parser. He has opinions about NULLs.",
        "sky",
    ),
    AuthorCopy(
        "priya",
        "Priya Raman",
        "Customer Success Lead",
        "Priya helps data teams roll out Larkspur and turns their feedback into roadmap items.",
        "coral",
    ),
    AuthorCopy(
        "jonah",
        "Jonah Whitfield",
        "CEO and co-founder",
        "Jonah co-founded Larkspur after a decade of being paged at 3 a.m. for broken reports.",
        "forest",
    ),
)
DEMO_AUTHOR_NAMES = tuple(author.name for author in AUTHORS)

TEAM_IMAGES = [
    ImageSpec(
        f"portrait-{author.key}",
        f"Portrait: {author.name}",
        f"Illustrated portrait placeholder for {author.name}, {author.role}",
        PORTRAIT,
        author.palette,
        "",
        TEAM,
        focal=(200, 120, 200, 240),
        portrait_of=author.name,
    )
    for author in AUTHORS
]


@dataclass
class ArticleCopy:
    slug: str
    title: str
    summary: str
    author: str
    days_ago: int
    tags: tuple[str, ...]
    palette: str
    words: str
    alt: str
    paragraphs: list[str] = field(default_factory=list)
    pull_quote: tuple[str, str] | None = None


ARTICLES = [
    ArticleCopy(
        "introducing-incident-timeline",
        "Introducing the incident timeline",
        "Related alerts now roll up into one incident with an owner, a status and a timeline "
        "your whole company can follow.",
        "maya",
        6,
        ("product-news",),
        "coral",
        "Incident timeline",
        "Coral shapes lined up along a timeline, illustrating grouped alerts",
        [
            "Until today, a single late source table could fire twenty alerts: one for the "
            "table, and one for each model downstream of it. Starting this week, Larkspur "
            "groups them into a single incident.",
            "Each incident has an owner, a status and a timeline of what happened, from the "
            "first late file to the final backfill. Business users can follow along on a "
            "read-only status page instead of asking in the data channel.",
        ],
        ("The best alert is the one that arrives with its own explanation.", "Maya Okafor"),
    ),
    ArticleCopy(
        "five-checks-every-warehouse-needs",
        "Five checks every warehouse needs on day one",
        "You do not need hundreds of tests to start. These five catch most of the incidents "
        "we see across 300 customers.",
        "tomas",
        19,
        ("data-quality", "engineering"),
        "teal",
        "Five checks",
        "Five teal rounded blocks in a row, one for each recommended check",
        [
            "Freshness, volume, schema, uniqueness of primary keys and accepted values for "
            "status columns. Those five checks account for roughly 80% of the incidents our "
            "customers resolved last year.",
            "Start with the twenty tables your executives look at, add the five checks, and "
            "only then go wider. Coverage you cannot respond to is just noise.",
        ],
    ),
    ArticleCopy(
        "pinecrest-grocers-black-friday",
        "How Pinecrest Grocers got through Black Friday without a data incident",
        "Three times the orders, 240 stores and zero wrong numbers on the executive dashboard.",
        "priya",
        33,
        ("customer-stories", "retail"),
        "sand",
        "Black Friday",
        "Warm orange shapes rising steeply, illustrating a sales peak",
        [
            "Pinecrest's data team spent October teaching Larkspur what a normal peak looks "
            "like, using last year's history. On the day, volume monitors stayed quiet while "
            "orders tripled, and fired exactly once: when one region's store feed stopped.",
            "The feed was fixed in 14 minutes. Nobody outside the data team noticed.",
        ],
        (
            "For the first time, the data team had a quiet Black Friday.",
            "Ines Duarte, Head of Data, Pinecrest Grocers",
        ),
    ),
    ArticleCopy(
        "column-level-lineage-for-dbt",
        "Column-level lineage for dbt, explained",
        "How we parse your dbt project to trace every column from source to dashboard, and "
        "where it still gets hard.",
        "tomas",
        47,
        ("engineering", "dbt"),
        "sky",
        "Lineage for dbt",
        "Blue blocks joined by curved lines, illustrating columns flowing between models",
        [
            "Table-level lineage tells you that a dashboard depends on the orders model. "
            "Column-level lineage tells you it depends on orders.net_amount, which is computed "
            "from two source columns, one of which was renamed last night.",
            "We compile your dbt project, parse the SQL for each model and resolve every "
            "column reference. Jinja macros, SELECT * and dynamic SQL are where it gets hard; "
            "this post walks through how we handle each.",
        ],
    ),
    ArticleCopy(
        "on-call-for-data-teams",
        "A humane on-call rotation for data teams",
        "What we learned from 40 customers about rotas, escalation and sleeping through the night.",
        "priya",
        61,
        ("incident-response",),
        "dusk",
        "On call",
        "Violet night-sky shapes with a single warm circle, illustrating a calm night on call",
        [
            "Data on-call is different from service on-call: most data problems can wait "
            "until morning, and the hard part is knowing which ones cannot.",
            "Route by business impact, not by table. Page only for the datasets behind "
            "customer-facing numbers or a scheduled board report, and send everything else "
            "to a morning digest.",
        ],
    ),
    ArticleCopy(
        "series-a",
        "We raised our Series A to make bad data boring",
        "€18 million, led by Northgate Ventures, to grow the team in Rotterdam and Lisbon.",
        "jonah",
        84,
        ("company-news",),
        "forest",
        "Series A",
        "Green shapes climbing upwards, illustrating growth",
        [
            "Today we are announcing an €18 million Series A led by Northgate Ventures, with "
            "participation from our seed investors.",
            "We will use it to double the engineering team, open a US support desk and build "
            "the features our customers ask for most: more connectors, smarter grouping of "
            "alerts and a self-hosted option.",
        ],
    ),
    ArticleCopy(
        "schema-changes-without-surprises",
        "Schema changes without surprises",
        "A new column is harmless; a dropped one can break forty dashboards. Larkspur now "
        "warns you before you merge.",
        "maya",
        102,
        ("product-news", "dbt"),
        "teal",
        "No surprises",
        "Teal shapes with one gold block set apart, illustrating a changed column",
        [
            "Our new pull-request check comments on dbt pull requests with the dashboards and "
            "syncs affected by each changed column, so reviewers see the impact before "
            "merging.",
        ],
    ),
    ArticleCopy(
        "hiring-backend-engineers",
        "We are hiring backend engineers in Rotterdam",
        "Come build the parser, the scheduler and the alerting engine behind Larkspur.",
        "jonah",
        131,
        ("hiring",),
        "coral",
        "Join us",
        "Warm coral shapes around an open space, illustrating a seat at the table",
        [
            "We are looking for two senior backend engineers who enjoy Python, PostgreSQL and "
            "the occasional compiler problem. You will own a part of the product end to end.",
        ],
    ),
]

# Scheduled: written and approved, goes live on its own in a few days.
SCHEDULED_ARTICLE = ArticleCopy(
    "spring-release-notes",
    "Spring release: anomaly detection for every metric",
    "Larkspur's anomaly detection now covers any metric you define in SQL, not just row counts.",
    "maya",
    -3,
    ("product-news",),
    "dusk",
    "Spring release",
    "Violet and peach shapes with a spike in the line, illustrating a detected anomaly",
    [
        "From next week, you can point anomaly detection at any SQL metric: average basket "
        "size, late deliveries per depot, refunds per hour.",
    ],
)

# Submitted by the editor and waiting for a publisher's approval.
MODERATED_ARTICLE = ArticleCopy(
    "migrating-40-tb-to-postgres",
    "What we learned moving 40 TB of metadata to PostgreSQL",
    "Our metadata store outgrew its first home. Here is how we moved it without downtime.",
    "tomas",
    0,
    ("engineering",),
    "sky",
    "40 TB later",
    "Blue shapes moving from left to right along a line, illustrating a data migration",
    [
        "We ran both stores side by side for six weeks, comparing every read, before "
        "switching over on a quiet Sunday morning.",
    ],
)

BLOG_IMAGES = [
    ImageSpec(
        f"article-{copy.slug}",
        f"Article: {copy.title}",
        copy.alt,
        CARD,
        copy.palette,
        copy.words,
        BLOG,
    )
    for copy in [*ARTICLES, SCHEDULED_ARTICLE, MODERATED_ARTICLE]
]


@dataclass
class Blog:
    index: ArticleIndexPage
    articles: list[ArticlePage]
    scheduled: ArticlePage
    moderated: ArticlePage
    authors: list[Author]


def create_authors(*, images: dict[str, ContentImage], user: AbstractBaseUser) -> dict[str, Author]:
    authors: dict[str, Author] = {}
    for copy in AUTHORS:
        author = Author.objects.create(
            name=copy.name, role=copy.role, bio=copy.bio, photo=images[f"portrait-{copy.key}"]
        )
        author.save_revision(user=user, log_action=True)
        authors[copy.key] = author
    return authors


def _article(
    copy: ArticleCopy, *, authors: dict[str, Author], images: dict[str, ContentImage]
) -> ArticlePage:
    body: list[s.Block] = [s.paragraph(f"<p>{copy.paragraphs[0]}</p>")]
    if copy.pull_quote:
        body.append(s.quote(*copy.pull_quote))
    body += [s.paragraph(f"<p>{text}</p>") for text in copy.paragraphs[1:]]
    article = ArticlePage(
        title=copy.title,
        slug=copy.slug,
        date=timezone.localdate() - datetime.timedelta(days=copy.days_ago),
        author=authors[copy.author],
        summary=copy.summary,
        search_description=copy.summary,
        lead_image=images[f"article-{copy.slug}"],
        body=body,
    )
    article.tags.add(*copy.tags)
    return article


def build_blog(
    home: Page,
    *,
    images: dict[str, ContentImage],
    admin: AbstractBaseUser,
    editor: AbstractBaseUser,
) -> Blog:
    authors = create_authors(images=images, user=admin)
    index = add_published(
        home,
        ArticleIndexPage(
            title="Blog",
            slug="blog",
            show_in_menus=True,
            intro="Product news, engineering notes and stories from data teams we work with.",
            search_description="The Larkspur Data blog.",
            per_page=6,
        ),
        user=admin,
    )
    # Oldest first, so the page tree and the revision history read in publishing order.
    articles = [
        add_published(index, _article(copy, authors=authors, images=images), user=admin)
        for copy in sorted(ARTICLES, key=lambda copy: -copy.days_ago)
    ]
    for article in articles:
        # Back-date publication to the article date, as if the blog had been running for months.
        published = timezone.make_aware(
            datetime.datetime.combine(article.date, datetime.time(9, 30))
        )
        ArticlePage.objects.filter(pk=article.pk).update(
            first_published_at=published, last_published_at=published
        )

    scheduled = _article(SCHEDULED_ARTICLE, authors=authors, images=images)
    scheduled.go_live_at = timezone.make_aware(
        datetime.datetime.combine(scheduled.date, datetime.time(8, 0))
    )
    add_draft(index, scheduled, user=editor)
    # Publishing a page whose go-live time is ahead records an approved, scheduled revision.
    publish(scheduled, user=admin)

    moderated = add_draft(
        index, _article(MODERATED_ARTICLE, authors=authors, images=images), user=editor
    )
    return Blog(
        index=index,
        articles=articles,
        scheduled=scheduled,
        moderated=moderated,
        authors=list(authors.values()),
    )

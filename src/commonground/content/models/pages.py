"""Page types: home, standard, campaign landing page, article index and article."""

from typing import Any

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.api import APIField
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, re_path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.query import PageQuerySet
from wagtail.search import index

from commonground.analytics.public import PageAnalyticsPanel
from commonground.core.http import form_tokens
from commonground.distribution.public import distribution_panel, feed_links, feed_response

from ..blocks import RICH_TEXT_FEATURES, BodyStreamBlock, check_rich_text
from ..leads.notifications import notify_after_commit, validate_address_list
from ..serializers import AuthorSerializer, ImageWithRenditionsField, TagNamesField


def edit_tabs(content_panels: list[Any], promote_panels: list[Any]) -> TabbedInterface:
    """Wagtail's Content, Promote and Settings tabs, the page's distribution plan and its
    own analytics."""
    return TabbedInterface(
        [
            ObjectList(content_panels, heading="Content"),
            ObjectList(promote_panels, heading="Promote"),
            ObjectList(Page.settings_panels, heading="Settings"),
            ObjectList([distribution_panel()], heading="Distribute"),
            ObjectList([PageAnalyticsPanel()], heading="Analytics"),
        ]
    )


class SeoFields(models.Model):
    """Search and social fields every page type carries (title and description are Wagtail's)."""

    og_image = models.ForeignKey(
        "content.ContentImage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="social sharing image",
        help_text="Shown when the page is shared (Open Graph); 1200x630 works best.",
    )
    canonical_url = models.URLField(
        blank=True, help_text="Only when this content's original lives at another address."
    )

    promote_panels = [
        MultiFieldPanel(
            [
                FieldPanel("slug"),
                FieldPanel("seo_title"),
                FieldPanel("search_description"),
                FieldPanel("og_image"),
                FieldPanel("canonical_url"),
            ],
            heading="Search and social",
        ),
        MultiFieldPanel([FieldPanel("show_in_menus")], heading="Navigation"),
    ]

    seo_api_fields = [
        APIField("canonical_url"),
        APIField("og_image", serializer=ImageWithRenditionsField()),
    ]

    class Meta:
        abstract = True

    def social_image(self) -> Any:
        return self.og_image


class HomePage(SeoFields, Page):
    hero_title = models.CharField(max_length=120)
    hero_text = models.TextField(blank=True, max_length=400)
    hero_image = models.ForeignKey(
        "content.ContentImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hero_cta_label = models.CharField("call-to-action label", max_length=60, blank=True)
    hero_cta_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="call-to-action page",
    )
    body = StreamField(BodyStreamBlock(), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_title"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldRowPanel([FieldPanel("hero_cta_label"), FieldPanel("hero_cta_page")]),
            ],
            heading="Hero",
        ),
        FieldPanel("body"),
    ]
    promote_panels = SeoFields.promote_panels
    edit_handler = edit_tabs(content_panels, promote_panels)
    search_fields = [*Page.search_fields, index.SearchField("body")]
    api_fields = [
        APIField("hero_title"),
        APIField("hero_text"),
        APIField("hero_image", serializer=ImageWithRenditionsField()),
        APIField("hero_cta_label"),
        APIField("body"),
        *SeoFields.seo_api_fields,
    ]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(request, *args, **kwargs)
        context["latest_articles"] = (
            ArticlePage.objects.live().public().descendant_of(self).order_by("-date", "-pk")[:3]
        )
        return context


class StandardPage(SeoFields, Page):
    intro = models.TextField(blank=True, max_length=500)
    body = StreamField(BodyStreamBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    promote_panels = SeoFields.promote_panels
    edit_handler = edit_tabs(content_panels, promote_panels)
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    api_fields = [APIField("intro"), APIField("body"), *SeoFields.seo_api_fields]


class LandingPageFormField(AbstractFormField):
    page = ParentalKey("LandingPage", on_delete=models.CASCADE, related_name="form_fields")


class LandingPage(SeoFields, AbstractForm):
    """A campaign landing page: hero, call to action, campaign code and an embedded form."""

    campaign_code = models.SlugField(
        max_length=60,
        blank=True,
        help_text="Identifies the campaign in analytics and distribution, e.g. spring-launch-2026.",
    )
    hero_title = models.CharField(max_length=120)
    hero_text = models.TextField(blank=True, max_length=400)
    hero_image = models.ForeignKey(
        "content.ContentImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cta_label = models.CharField(
        "call-to-action label",
        max_length=60,
        default="Get started",
        help_text="Button in the hero that jumps to the form.",
    )
    body = StreamField(BodyStreamBlock(), blank=True)
    form_title = models.CharField(max_length=120, default="Tell us about you")
    submit_label = models.CharField(max_length=40, default="Send")
    thank_you_text = RichTextField(
        features=RICH_TEXT_FEATURES,
        blank=True,
        default="<p>Thank you, we will be in touch.</p>",
        validators=[check_rich_text],
    )
    lead_notification_addresses = models.TextField(
        "notify of each submission",
        blank=True,
        max_length=2000,
        validators=[validate_address_list],
        help_text=(
            "E-mail addresses, one per line, told of each submission with a link to it in"
            " the admin. The e-mail holds none of the answers."
        ),
    )

    content_panels = [
        *AbstractForm.content_panels,
        FormSubmissionsPanel(),
        FieldPanel("campaign_code"),
        MultiFieldPanel(
            [
                FieldPanel("hero_title"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldPanel("cta_label"),
            ],
            heading="Hero",
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("form_title"),
                InlinePanel("form_fields", label="Form fields", min_num=1),
                FieldPanel("submit_label"),
                FieldPanel("thank_you_text"),
                FieldPanel("lead_notification_addresses"),
            ],
            heading="Form",
        ),
    ]
    promote_panels = SeoFields.promote_panels
    edit_handler = edit_tabs(content_panels, promote_panels)
    search_fields = [*Page.search_fields, index.SearchField("body")]
    api_fields = [
        APIField("campaign_code"),
        APIField("hero_title"),
        APIField("hero_text"),
        APIField("hero_image", serializer=ImageWithRenditionsField()),
        APIField("cta_label"),
        APIField("body"),
        APIField("form_title"),
        *SeoFields.seo_api_fields,
    ]
    subpage_types: list[str] = []

    @property
    def form_token_name(self) -> str:
        """What this page's form tokens are bound to: a token from another page is refused."""
        return f"page:{self.pk}"

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # No CSRF cookie on the public site (config/urls.py exempts page URLs): a POST must
        # come from this site and carry a token from a render of this page's form.
        if request.method == "POST":
            refused = form_tokens.refusal(request, form=self.form_token_name)
            if refused is not None:
                return refused
        response: HttpResponse = super().serve(request, *args, **kwargs)
        # The form's token belongs to this render: never a shared page-cache entry.
        response["Cache-Control"] = "private"
        return response

    def process_form_submission(self, form: Any) -> Any:
        submission = super().process_form_submission(form)
        notify_after_commit(submission, self.lead_notification_addresses)
        return submission


class ArticleIndexPage(RoutablePageMixin, SeoFields, Page):
    intro = models.TextField(blank=True, max_length=500)
    per_page = models.PositiveSmallIntegerField(default=9)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("per_page")]
    promote_panels = SeoFields.promote_panels
    edit_handler = edit_tabs(content_panels, promote_panels)
    subpage_types = ["content.ArticlePage"]
    api_fields = [APIField("intro"), *SeoFields.seo_api_fields]

    def published_articles(self, *, tag_slug: str = "") -> PageQuerySet:
        """Live, public articles of this index inside their go-live/expiry window (only
        those tagged ``tag_slug`` when given); unordered. The listing and the feeds use it."""
        now = timezone.now()
        articles: PageQuerySet = (
            ArticlePage.objects.live()
            .public()
            .child_of(self)
            # The scheduler applies these within seconds; until it has, they still hold.
            .exclude(go_live_at__gt=now)
            .exclude(expire_at__lte=now)
        )
        if tag_slug:
            articles = articles.filter(tags__slug=tag_slug)
        return articles

    def feed_tag(self, slug: str) -> Tag | None:
        """The tag ``slug`` if a public article of this index has ever been published with it."""
        published_once = (
            ArticlePage.objects.public().child_of(self).filter(first_published_at__isnull=False)
        )
        return Tag.objects.filter(
            slug=slug, content_articlepagetag_items__content_object__in=published_once.values("pk")
        ).first()

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(request, *args, **kwargs)
        tag = request.GET.get("tag", "").strip()[:100]
        articles = (
            self.published_articles(tag_slug=tag)
            .select_related("lead_image", "author")
            .order_by("-date", "-pk")
        )
        paginator = Paginator(articles, max(1, self.per_page))
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            page_obj = paginator.page(
                1 if not request.GET.get("page", "").isdigit() else paginator.num_pages
            )
        context.update(
            articles=page_obj,
            paginator=paginator,
            active_tag=tag,
            all_tags=ArticlePageTag.tags_for_index(self),
            feed_links=feed_links(
                request, index_page=self, tag=self.feed_tag(tag) if tag else None
            ),
        )
        return context

    # Feeds: feed/rss/, feed/atom/, feed/json/ and tag/<slug>/feed/rss/ (atom/, json/).
    @re_path(r"^feed/(?P<feed_format>rss|atom|json)/$", name="feed")
    def feed(self, request: HttpRequest, feed_format: str) -> HttpResponse:
        return feed_response(request, index_page=self, feed_format=feed_format)

    @re_path(r"^tag/(?P<tag_slug>[^/]+)/feed/(?P<feed_format>rss|atom|json)/$", name="tag_feed")
    def tag_feed(self, request: HttpRequest, tag_slug: str, feed_format: str) -> HttpResponse:
        return feed_response(request, index_page=self, feed_format=feed_format, tag_slug=tag_slug)


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "content.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )

    @staticmethod
    def tags_for_index(index_page: "ArticleIndexPage") -> list[Any]:
        from taggit.models import Tag

        live_ids = ArticlePage.objects.live().public().child_of(index_page).values("pk")
        return list(
            Tag.objects.filter(content_articlepagetag_items__content_object__in=live_ids)
            .distinct()
            .order_by("name")
        )


class ArticlePage(SeoFields, Page):
    date = models.DateField("article date")
    author = models.ForeignKey(
        "content.Author", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    summary = models.TextField(max_length=400, help_text="One or two sentences for listings.")
    lead_image = models.ForeignKey(
        "content.ContentImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True)
    body = StreamField(BodyStreamBlock(), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("author")]),
        FieldPanel("summary"),
        FieldPanel("lead_image"),
        FieldPanel("tags"),
        FieldPanel("body"),
    ]
    promote_panels = SeoFields.promote_panels
    edit_handler = edit_tabs(content_panels, promote_panels)
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    api_fields = [
        APIField("date"),
        APIField("summary"),
        APIField("author", serializer=AuthorSerializer()),
        APIField("tags", serializer=TagNamesField()),
        APIField("lead_image", serializer=ImageWithRenditionsField()),
        APIField("body"),
        *SeoFields.seo_api_fields,
    ]
    parent_page_types = ["content.ArticleIndexPage"]
    subpage_types: list[str] = []

    def social_image(self) -> Any:
        return self.og_image or self.lead_image

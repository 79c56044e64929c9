"""The anonymous page cache: what it stores, and that every kind of change reaches visitors.

The in-process tests use Django's test client; the ``live_url`` tests go through granian
with two worker processes, so a stale entry in either process (or in a per-process cache)
would show.
"""

import pytest
from django.test import Client
from wagtail.models import Page
from wagtail.rich_text import RichText

from commonground.core.models import PageCacheEntry

from ..conftest import client_for
from ..content.admin_forms import image_form_data, standard_page_form_data
from ..content.factories import (
    ArticleIndexPageFactory,
    ArticlePageFactory,
    AuthorFactory,
    ContentImageFactory,
    StandardPageFactory,
    image_body,
)
from ..live_http import Browser
from .factories import UserFactory


def publish_paragraph(page, text: str) -> None:
    page.body = [("paragraph", RichText(f"<p>{text}</p>"))]
    page.save_revision().publish()


@pytest.mark.django_db
class TestInProcess:
    def test_second_anonymous_get_is_a_hit(self, home) -> None:
        page = StandardPageFactory(parent=home, title="Cached page")
        client = Client()

        first = client.get(page.url)
        second = client.get(page.url)

        assert first.status_code == second.status_code == 200
        assert first["X-Cache"] == "MISS"
        assert second["X-Cache"] == "HIT"
        assert second.content == first.content
        assert PageCacheEntry.objects.filter(tags__tag=f"page:{page.pk}").exists()

    def test_a_page_from_the_cache_carries_the_same_security_headers(self, home) -> None:
        page = StandardPageFactory(parent=home)
        client = Client()
        first, second = client.get(page.url), client.get(page.url)
        assert second["X-Cache"] == "HIT"
        for header in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
            assert second.get(header) == first.get(header) != None, header  # noqa: E711

    def test_campaign_parameters_share_one_entry(self, home) -> None:
        page = StandardPageFactory(parent=home)
        client = Client()
        assert client.get(page.url)["X-Cache"] == "MISS"
        assert client.get(f"{page.url}?utm_source=newsletter&gclid=x")["X-Cache"] == "HIT"
        assert client.get(f"{page.url}?page=2")["X-Cache"] == "MISS"

    def test_signed_in_users_always_get_a_fresh_render(self, home, editor) -> None:
        page = StandardPageFactory(parent=home)
        Client().get(page.url)
        response = client_for(editor).get(page.url)
        assert response.status_code == 200
        assert "X-Cache" not in response

    def test_publish_invalidates_at_once(
        self, home, publisher, django_capture_on_commit_callbacks
    ) -> None:
        page = StandardPageFactory(parent=home, title="News")
        client = Client()
        client.get(page.url)
        assert client.get(page.url)["X-Cache"] == "HIT"

        # Invalidation waits for the commit, which this test's transaction only simulates.
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client_for(publisher).post(
                f"/admin/pages/{page.pk}/edit/",
                standard_page_form_data(
                    page, title="News", paragraph="Fresh news", **{"action-publish": "publish"}
                ),
            )
        assert response.status_code == 302
        assert callbacks

        response = client.get(page.url)
        assert response["X-Cache"] == "MISS"
        assert "Fresh news" in response.content.decode()

    def test_a_view_restriction_takes_the_page_and_its_subtree_out_of_the_cache(
        self, home, django_capture_on_commit_callbacks
    ) -> None:
        from wagtail.models import PageViewRestriction

        section = StandardPageFactory(parent=home, title="Partners")
        child = StandardPageFactory(parent=section, title="Partner prices")
        client = Client()
        for page in (section, child):
            client.get(page.url)
            assert client.get(page.url)["X-Cache"] == "HIT"
        with django_capture_on_commit_callbacks(execute=True):
            restriction = PageViewRestriction.objects.create(
                page=section, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
            )
        for page in (section, child):
            answer = client.get(page.url)
            assert answer.get("X-Cache") != "HIT", page.title
            assert "password" in answer.content.decode().lower()
        with django_capture_on_commit_callbacks(execute=True):
            restriction.delete()
        assert "Partner prices" in client.get(child.url).content.decode()

    def test_draft_save_does_not_invalidate(
        self, home, editor, django_capture_on_commit_callbacks
    ) -> None:
        page = StandardPageFactory(parent=home, title="Steady")
        client = Client()
        client.get(page.url)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(editor).post(
                f"/admin/pages/{page.pk}/edit/",
                standard_page_form_data(page, title="Steady", paragraph="Not yet"),
            )
        assert response.status_code == 302
        response = client.get(page.url)
        assert response["X-Cache"] == "HIT"
        assert "Not yet" not in response.content.decode()

    def test_new_article_appears_in_the_cached_listing(
        self, home, django_capture_on_commit_callbacks
    ) -> None:
        news = ArticleIndexPageFactory(parent=home, title="Newsroom")
        client = Client()
        client.get(news.url)
        assert client.get(news.url)["X-Cache"] == "HIT"

        with django_capture_on_commit_callbacks(execute=True):
            ArticlePageFactory(parent=news, title="Breaking story")

        response = client.get(news.url)
        assert response["X-Cache"] == "MISS"
        assert "Breaking story" in response.content.decode()

    def test_author_edit_reaches_the_articles_showing_the_byline(
        self, home, django_capture_on_commit_callbacks
    ) -> None:
        author = AuthorFactory(name="Jo Writer")
        news = ArticleIndexPageFactory(parent=home)
        article = ArticlePageFactory(parent=news, author=author)
        unrelated = StandardPageFactory(parent=home)
        client = Client()
        for url in (article.url, unrelated.url):
            client.get(url)
            assert client.get(url)["X-Cache"] == "HIT"
        assert "Jo Writer" in client.get(article.url).content.decode()

        with django_capture_on_commit_callbacks(execute=True):
            author.name = "Jo Renamed"
            author.save()

        response = client.get(article.url)
        assert response["X-Cache"] == "MISS"
        assert "Jo Renamed" in response.content.decode()
        assert client.get(unrelated.url)["X-Cache"] == "HIT"

    def test_not_found_and_posts_are_not_stored(self, home) -> None:
        client = Client()
        assert client.get("/no-such-page/").status_code == 404
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "X-Cache" not in response


@pytest.mark.slow
class TestLiveServer:
    def test_published_edit_is_served_on_the_very_next_request(self, live_url, home) -> None:
        page = StandardPageFactory(parent=home, title="Live news")
        url = live_url + page.url
        visitor = Browser()

        first, second = visitor.get(url), visitor.get(url)
        assert (first.status, first.x_cache) == (200, "MISS")
        assert (second.status, second.x_cache) == (200, "HIT")

        # Enough rounds that both granian workers answer at some point.
        for edition in range(1, 7):
            publish_paragraph(page, f"Edition number {edition}")
            fresh = visitor.get(url)
            assert fresh.status == 200
            assert f"Edition number {edition}" in fresh.text, f"stale after edition {edition}"
            assert f"Edition number {edition - 1}<" not in fresh.text
            for _ in range(3):
                again = visitor.get(url)
                assert again.x_cache == "HIT"
                assert f"Edition number {edition}" in again.text

    def test_publish_through_the_admin_is_served_next(self, live_url, home, publisher) -> None:
        page = StandardPageFactory(parent=home, title="Admin news")
        url = live_url + page.url
        visitor = Browser()
        visitor.get(url)
        assert visitor.get(url).x_cache == "HIT"
        admin = client_for(publisher)

        for edition in range(1, 4):
            response = admin.post(
                f"/admin/pages/{page.pk}/edit/",
                standard_page_form_data(
                    page,
                    title="Admin news",
                    paragraph=f"Admin edition {edition}",
                    **{"action-publish": "publish"},
                ),
            )
            assert response.status_code == 302
            for _ in range(3):
                assert f"Admin edition {edition}" in visitor.get(url).text

    def test_image_edit_invalidates_exactly_the_pages_showing_it(self, live_url, home) -> None:
        image = ContentImageFactory(title="Team photo", credit="First photographer")
        with_image = StandardPageFactory(parent=home, title="Our team", body=image_body(image))
        without_image = StandardPageFactory(parent=home, title="Imprint")
        visitor = Browser()
        for page in (with_image, without_image):
            visitor.get(live_url + page.url)
            assert visitor.get(live_url + page.url).x_cache == "HIT"
        assert "First photographer" in visitor.get(live_url + with_image.url).text

        # A superuser: which roles may edit images is tested in test_roles.
        response = client_for(UserFactory(is_superuser=True)).post(
            f"/admin/images/{image.pk}/",
            image_form_data(image, credit="Second photographer", focal_point_x="10"),
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        image.refresh_from_db()
        assert image.credit == "Second photographer", response["Location"]

        changed = visitor.get(live_url + with_image.url)
        assert changed.x_cache == "MISS"
        assert "Second photographer" in changed.text
        assert "First photographer" not in changed.text
        assert visitor.get(live_url + without_image.url).x_cache == "HIT"

    def test_unpublish_answers_404_on_the_next_request(self, live_url, home) -> None:
        page = StandardPageFactory(parent=home, title="Withdrawn offer")
        url = live_url + page.url
        visitor = Browser()
        visitor.get(url)
        assert visitor.get(url).x_cache == "HIT"

        page.unpublish()

        for _ in range(4):
            assert visitor.get(url).status == 404

    def test_move_invalidates_old_and_new_addresses(self, live_url, home) -> None:
        section = StandardPageFactory(parent=home, title="Section")
        page = StandardPageFactory(parent=home, title="Wanderer", show_in_menus=True)
        bystander = StandardPageFactory(parent=home, title="Bystander")
        old_url = live_url + page.url
        visitor = Browser()
        for url in (old_url, live_url + bystander.url):
            visitor.get(url)
            assert visitor.get(url).x_cache == "HIT"
        assert 'href="/wanderer/"' in visitor.get(live_url + bystander.url).text  # main menu

        page.move(section, pos="last-child")
        page = Page.objects.get(pk=page.pk).specific

        # Wagtail's redirects app points the old address at the new one.
        old = visitor.get(old_url)
        assert old.status == 301
        assert old.headers["location"].endswith(page.url)
        moved = visitor.get(live_url + page.url)
        assert moved.status == 200
        assert "Wanderer" in moved.text
        # No longer a top-level page, so no longer in the menu every page shows.
        assert 'href="/wanderer/"' not in visitor.get(live_url + bystander.url).text

    def test_delete_invalidates(self, live_url, home) -> None:
        page = StandardPageFactory(parent=home, title="Short lived")
        url = live_url + page.url
        visitor = Browser()
        visitor.get(url)
        assert visitor.get(url).x_cache == "HIT"

        page.delete()

        for _ in range(4):
            assert visitor.get(url).status == 404

    def test_anonymous_visitor_with_session_cookie_bypasses_cache(self, live_url, home) -> None:
        page = StandardPageFactory(parent=home)
        url = live_url + page.url
        Browser().get(url)
        answer = Browser().request(url, headers={"Cookie": "sessionid=whatever"})
        assert answer.status == 200
        assert answer.x_cache is None

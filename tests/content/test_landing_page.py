"""The campaign landing page form: stored when valid, refused field by field when not."""

import csv
import io

import pytest
from django.test import Client
from wagtail.contrib.forms.models import FormSubmission

from ..conftest import client_for
from ..form_posts import PublicFormClient, form_token_in
from ..live_http import Browser
from .factories import LandingPageFactory

VALID = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "interest": "Demo",
    "message": "Please call me back.",
}


def visitor(landing) -> PublicFormClient:
    return PublicFormClient(form=landing.form_token_name)


def with_token(landing, body: bytes) -> bytes:
    """A raw form body with a fresh token for ``landing``'s form appended."""
    from urllib.parse import quote

    from commonground.core.http import form_tokens

    token = quote(form_tokens.issue_token(landing.form_token_name))
    return body + f"&{form_tokens.FIELD}={token}".encode()


def field_errors(response) -> dict[str, list[str]]:
    form = response.context["form"]
    return {name: list(errors) for name, errors in form.errors.items()}


@pytest.mark.django_db
class TestSubmissions:
    @pytest.fixture
    def landing(self, home):
        return LandingPageFactory(parent=home, title="Spring launch")

    def test_form_is_shown(self, landing) -> None:
        response = Client().get(landing.url)
        assert response.status_code == 200
        html = response.content.decode()
        for name in VALID:
            assert f'name="{name}"' in html
        assert 'name="cg-form-token"' in html
        assert "csrfmiddlewaretoken" not in html
        assert not response.cookies, "a public page sets no cookie, forms included"

    def test_valid_post_is_stored(self, landing) -> None:
        response = visitor(landing).post(landing.url, VALID)

        assert response.status_code == 200
        assert "Thank you" in response.content.decode()
        submission = FormSubmission.objects.get(page=landing)
        assert submission.get_data()["email"] == "ada@example.com"
        assert submission.get_data()["interest"] == "Demo"

    @pytest.mark.parametrize(
        ("data", "bad_fields"),
        [
            pytest.param({}, {"full_name", "email", "interest"}, id="nothing"),
            pytest.param({**VALID, "full_name": "  "}, {"full_name"}, id="blank-name"),
            pytest.param({**VALID, "email": "not-an-address"}, {"email"}, id="bad-email"),
            pytest.param({**VALID, "email": "a@b@example.com"}, {"email"}, id="two-ats"),
            pytest.param({**VALID, "interest": "Free money"}, {"interest"}, id="bad-choice"),
            pytest.param({**VALID, "full_name": "x" * 256}, {"full_name"}, id="long-name"),
            pytest.param({**VALID, "email": "a" * 400 + "@x.org"}, {"email"}, id="long-email"),
            pytest.param({**VALID, "full_name": "Ada\x00"}, {"full_name"}, id="null-byte"),
        ],
    )
    def test_bad_input_gets_field_errors_and_stores_nothing(
        self, landing, data: dict, bad_fields: set[str]
    ) -> None:
        response = visitor(landing).post(landing.url, data)

        assert response.status_code == 200
        assert set(field_errors(response)) == bad_fields
        assert "Please check the form" in response.content.decode()
        assert not FormSubmission.objects.exists()

    def test_non_utf8_junk_gets_errors_not_a_500(self, landing) -> None:
        junk = b"full_name=%FF%FE%FD&email=%C3%28%40%80&interest=%E9t%E9&\xff\xfe=\x80"
        response = visitor(landing).post(
            landing.url, with_token(landing, junk), content_type="application/x-www-form-urlencoded"
        )

        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert {"email", "interest"} <= set(field_errors(response))
        assert not FormSubmission.objects.exists()

    def test_empty_body_gets_errors(self, landing) -> None:
        response = visitor(landing).post(
            landing.url, with_token(landing, b""), content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200
        assert {"full_name", "email", "interest"} <= set(field_errors(response))
        assert not FormSubmission.objects.exists()

    def test_json_body_is_not_taken_for_form_data(self, landing) -> None:
        response = visitor(landing).post(landing.url, VALID, content_type="application/json")
        # The token in a JSON body is not a form field: refused before the form is read.
        assert response.status_code == 403
        assert not FormSubmission.objects.exists()

    def test_huge_body_is_refused_with_400(self, landing) -> None:
        body = "full_name=Ada&email=ada%40example.com&interest=Demo&message=" + "x" * (6 * 2**20)
        response = visitor(landing).post(
            landing.url, body.encode(), content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 400
        assert not FormSubmission.objects.exists()

    def test_too_many_fields_are_refused_with_400(self, landing) -> None:
        body = "&".join(f"f{i}=x" for i in range(5000))
        response = visitor(landing).post(
            landing.url, body.encode(), content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 400
        assert not FormSubmission.objects.exists()

    def test_post_without_form_token_is_refused(self, landing) -> None:
        response = Client(enforce_csrf_checks=True).post(
            landing.url, VALID, HTTP_ORIGIN="http://testserver"
        )
        assert response.status_code == 403
        assert "security token is missing" in response.content.decode()
        assert not FormSubmission.objects.exists()

    def test_csv_export_returns_the_rows(self, landing, publisher) -> None:
        visitor(landing).post(landing.url, VALID)
        visitor(landing).post(
            landing.url, {**VALID, "full_name": "Grace Hopper", "email": "g@example.com"}
        )

        response = client_for(publisher).get(
            f"/admin/forms/submissions/{landing.pk}/", {"export": "csv"}
        )

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        assert {row["Full name"] for row in rows} == {"Ada Lovelace", "Grace Hopper"}
        assert {row["Email"] for row in rows} == {"ada@example.com", "g@example.com"}

    def test_viewer_cannot_read_submissions(self, landing, viewer) -> None:
        visitor(landing).post(landing.url, VALID)
        response = client_for(viewer).get(
            f"/admin/forms/submissions/{landing.pk}/", {"export": "csv"}
        )
        assert response.status_code in (302, 403)
        assert b"ada@example.com" not in response.content


@pytest.mark.slow
class TestThroughTheLiveServer:
    def test_visitor_gets_the_form_then_submits_it(self, live_url, home) -> None:
        landing = LandingPageFactory(parent=home, title="Autumn launch")
        url = live_url + landing.url
        browser = Browser(cookies=True)

        page = browser.get(url)
        assert page.status == 200
        token = form_token_in(page.text)
        assert token, "the form carries a signed token"
        assert browser.cookie_jar is not None and not list(browser.cookie_jar), "no cookie set"
        assert page.x_cache is None  # a page with this render's token is never shared

        bad = browser.post_form(
            url, {**VALID, "email": "nope", "cg-form-token": token}, referer=url
        )
        assert bad.status == 200
        assert "Please check the form" in bad.text
        assert not FormSubmission.objects.exists()

        fresh = form_token_in(bad.text)
        assert fresh and fresh != token
        good = browser.post_form(url, {**VALID, "cg-form-token": fresh}, referer=url)
        assert good.status == 200
        assert "Thank you" in good.text
        submission = FormSubmission.objects.get(page=landing)
        assert submission.get_data()["full_name"] == "Ada Lovelace"

    def test_post_without_token_is_refused(self, live_url, home) -> None:
        landing = LandingPageFactory(parent=home, title="Winter launch")
        answer = Browser().post_form(live_url + landing.url, VALID)
        assert answer.status == 403
        assert not FormSubmission.objects.exists()

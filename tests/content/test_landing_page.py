"""The campaign landing page form: stored when valid, refused field by field when not."""

import csv
import io

import pytest
from django.test import Client
from wagtail.contrib.forms.models import FormSubmission

from ..conftest import client_for
from ..live_http import Browser, csrf_token_in
from .factories import LandingPageFactory

VALID = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "interest": "Demo",
    "message": "Please call me back.",
}


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
        assert "csrfmiddlewaretoken" in html

    def test_valid_post_is_stored(self, landing) -> None:
        response = Client().post(landing.url, VALID)

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
        response = Client().post(landing.url, data)

        assert response.status_code == 200
        assert set(field_errors(response)) == bad_fields
        assert "Please check the form" in response.content.decode()
        assert not FormSubmission.objects.exists()

    def test_non_utf8_junk_gets_errors_not_a_500(self, landing) -> None:
        junk = b"full_name=%FF%FE%FD&email=%C3%28%40%80&interest=%E9t%E9&\xff\xfe=\x80"
        response = Client().post(
            landing.url, junk, content_type="application/x-www-form-urlencoded"
        )

        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert {"email", "interest"} <= set(field_errors(response))
        assert not FormSubmission.objects.exists()

    def test_empty_body_gets_errors(self, landing) -> None:
        response = Client().post(landing.url, b"", content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        assert {"full_name", "email", "interest"} <= set(field_errors(response))
        assert not FormSubmission.objects.exists()

    def test_json_body_is_not_taken_for_form_data(self, landing) -> None:
        response = Client().post(landing.url, VALID, content_type="application/json")
        assert response.status_code == 200
        assert field_errors(response)
        assert not FormSubmission.objects.exists()

    def test_huge_body_is_refused_with_400(self, landing) -> None:
        body = "full_name=Ada&email=ada%40example.com&interest=Demo&message=" + "x" * (6 * 2**20)
        response = Client().post(
            landing.url, body.encode(), content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 400
        assert not FormSubmission.objects.exists()

    def test_too_many_fields_are_refused_with_400(self, landing) -> None:
        body = "&".join(f"f{i}=x" for i in range(5000))
        response = Client().post(
            landing.url, body.encode(), content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 400
        assert not FormSubmission.objects.exists()

    def test_post_without_csrf_token_is_refused(self, landing) -> None:
        response = Client(enforce_csrf_checks=True).post(landing.url, VALID)
        assert response.status_code == 403
        assert not FormSubmission.objects.exists()

    def test_csv_export_returns_the_rows(self, landing, publisher) -> None:
        Client().post(landing.url, VALID)
        Client().post(landing.url, {**VALID, "full_name": "Grace Hopper", "email": "g@example.com"})

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
        Client().post(landing.url, VALID)
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
        visitor = Browser(cookies=True)

        page = visitor.get(url)
        assert page.status == 200
        token = csrf_token_in(page.text)
        assert token, "the form carries a CSRF token"
        assert visitor.cookie("csrftoken"), "the first GET sets the CSRF cookie"
        assert page.x_cache is None  # a page with this visitor's token is never shared

        bad = visitor.post_form(url, {**VALID, "email": "nope", "csrfmiddlewaretoken": token})
        assert bad.status == 200
        assert "Please check the form" in bad.text
        assert not FormSubmission.objects.exists()

        good = visitor.post_form(url, {**VALID, "csrfmiddlewaretoken": token})
        assert good.status == 200
        assert "Thank you" in good.text
        submission = FormSubmission.objects.get(page=landing)
        assert submission.get_data()["full_name"] == "Ada Lovelace"

    def test_post_without_token_is_refused(self, live_url, home) -> None:
        landing = LandingPageFactory(parent=home, title="Winter launch")
        answer = Browser().post_form(live_url + landing.url, VALID)
        assert answer.status == 403
        assert not FormSubmission.objects.exists()

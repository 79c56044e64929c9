"""The headless API: JSON answers, and only what is live."""

import base64

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents.models import Document

from .factories import (
    ArticleIndexPageFactory,
    ArticlePageFactory,
    ContentImageFactory,
    StandardPageFactory,
)

pytestmark = pytest.mark.django_db


def get_json(url: str) -> dict:
    response = Client().get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_pages_endpoint_lists_live_pages_only(home) -> None:
    live = StandardPageFactory(parent=home, title="Published story")
    draft = StandardPageFactory(parent=home, title="Secret draft", live=False)
    edited = StandardPageFactory(parent=home, title="Public title")
    edited.title = "Unpublished new title"
    edited.save_revision()

    data = get_json("/api/v2/pages/")

    titles = {item["title"] for item in data["items"]}
    ids = {item["id"] for item in data["items"]}
    assert live.pk in ids
    assert draft.pk not in ids
    assert "Secret draft" not in titles
    assert "Public title" in titles
    assert "Unpublished new title" not in titles
    assert data["meta"]["total_count"] == len(data["items"])


def test_draft_page_detail_is_not_found(home) -> None:
    draft = StandardPageFactory(parent=home, live=False)
    assert Client().get(f"/api/v2/pages/{draft.pk}/").status_code == 404


def test_page_detail_has_the_body(home) -> None:
    page = StandardPageFactory(parent=home, title="Detailed")
    data = get_json(f"/api/v2/pages/{page.pk}/")
    assert data["title"] == "Detailed"
    assert data["meta"]["type"] == "content.StandardPage"
    assert "Body of Detailed" in str(data["body"])


def test_bad_query_is_a_400_not_a_500(home) -> None:
    response = Client().get("/api/v2/pages/", {"limit": "lots"})
    assert response.status_code == 400
    response = Client().get("/api/v2/pages/", {"type": "no.Such"})
    assert response.status_code == 400


def test_images_endpoint_answers_json() -> None:
    image = ContentImageFactory(title="Skyline")
    data = get_json("/api/v2/images/")
    assert [item["title"] for item in data["items"]] == ["Skyline"]
    assert data["items"][0]["id"] == image.pk


def test_documents_endpoint_answers_json() -> None:
    document = Document(title="Price list")
    document.file.save("prices.txt", ContentFile(b"prices"), save=True)
    data = get_json("/api/v2/documents/")
    assert [item["title"] for item in data["items"]] == ["Price list"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"search": "pricing\x00"}, "search must not contain control characters"),
        ({"search": "x" * 300}, "search must be at most 255 characters"),
        ({"search": "a", "search_operator": "xor"}, "search_operator must be 'and' or 'or'"),
        ({"offset": "9" * 23}, "offset must not be higher than 1000000"),
        ({"offset": "-1"}, "offset must be a positive integer"),
        ({"offset": "\u00b2"}, "offset must be a positive integer"),
        ({"offset": "\u0663"}, "offset must be a positive integer"),
        ({"limit": "1e3"}, "limit must be a positive integer"),
        ({"limit": "101"}, "limit cannot be higher than 100"),
        ({"order": "bogus"}, "cannot order by 'bogus' (unknown field)"),
    ],
)
@pytest.mark.parametrize("endpoint", ["pages", "images", "documents"])
def test_ugly_listing_queries_are_400s_naming_the_parameter(
    home, endpoint: str, params: dict[str, str], message: str
) -> None:
    response = Client().get(f"/api/v2/{endpoint}/", params)
    assert response.status_code == 400, response.content[:300]
    assert response.json() == {"message": message}


def test_article_fields_are_served(home) -> None:
    index = ArticleIndexPageFactory(parent=home)
    article = ArticlePageFactory(parent=index, summary="What changed in spring")
    data = get_json(
        f"/api/v2/pages/?type=content.ArticlePage&fields=date,summary,author,tags,lead_image"
        f"&child_of={index.pk}"
    )
    [item] = data["items"]
    assert item["id"] == article.pk
    assert item["summary"] == "What changed in spring"
    assert item["date"] == article.date.isoformat()


def test_http_basic_credentials_are_not_accepted(home, it_admin) -> None:
    it_admin.set_password("correct horse battery")
    it_admin.save()
    for password in ("wrong", "correct horse battery"):
        token = base64.b64encode(f"{it_admin.username}:{password}".encode()).decode()
        response = Client().get("/api/v2/pages/", HTTP_AUTHORIZATION=f"Basic {token}")
        # Credentials are ignored: the answer does not reveal whether the password was right.
        assert response.status_code == 200

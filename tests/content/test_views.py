"""robots.txt and sitemap.xml."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from .factories import StandardPageFactory

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_robots_txt_keeps_crawlers_out_of_the_admin_and_names_the_sitemap(db) -> None:
    response = Client().get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_robots_txt_refuses_post(db) -> None:
    assert Client().post("/robots.txt").status_code == 405


@pytest.mark.django_db
def test_sitemap_lists_live_pages_only(home) -> None:
    live = StandardPageFactory(parent=home, title="Visible")
    draft = StandardPageFactory(parent=home, title="Hidden draft", live=False)

    response = Client().get("/sitemap.xml")

    assert response.status_code == 200
    assert "xml" in response["Content-Type"]
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's answer
    locations = [loc.text for loc in root.findall("sm:url/sm:loc", SITEMAP_NS)]
    assert any(loc.endswith(live.url) for loc in locations), locations
    assert not any(loc.endswith(draft.url) for loc in locations if draft.url)
    assert not any("hidden-draft" in loc for loc in locations)

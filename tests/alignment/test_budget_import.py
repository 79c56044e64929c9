"""The finance CSV import through HTTP: checked and previewed first, then all rows or none;
every bad row named by line and column; odd bytes and huge files refused cleanly."""

import codecs
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import ModelLogEntry

from commonground.alignment.budget import finance_csv
from commonground.alignment.models import Actual, ActualImport

from ..conftest import client_for
from .budget_rows import planned_line, this_quarter

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(cmo, cio) -> None:
    planned_line(cmo, "marketing", "campaigns", "5000")
    planned_line(cmo, "marketing", "tools", "500")
    planned_line(cio, "it", "security", "500")


def _day(offset: int = 0) -> str:
    return (this_quarter().start + timedelta(days=offset)).isoformat()


def _upload(client, data: bytes, name: str = "finance.csv") -> object:
    return client.post(
        reverse("alignment_budget_import"), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


def _problems(html: str) -> list[str]:
    return re.findall(r'data-problem="([^"]*)"', html)


GOOD = (
    "date,amount,category,side,description,utm_campaign\n"
    f"{_day(0)},1250.00,campaigns,marketing,Search ads,brand-search\n"
    f"{_day(1)},99.99,tools,marketing,Design tool,\n"
    f'{_day(2)},"1234,56",Campaigns and advertising,Marketing,"Agency, October",spring-launch\n'
    f"{_day(3)},-80.5,campaigns,marketing,Credit note,brand-search\n"
)


def test_a_good_file_is_previewed_then_imports_every_row(cmo, lines) -> None:
    client = client_for(cmo)
    upload = _upload(client, GOOD.encode())
    assert upload.status_code == 302
    batch = ActualImport.objects.get()
    assert not Actual.objects.exists()  # nothing before confirmation
    preview = client.get(upload["Location"]).content.decode()
    assert "It will add <strong>4</strong> actuals totalling <strong>2,504.05 EUR</strong>" in (
        preview
    )
    assert "brand-search, spring-launch" in preview

    confirm = client.post(reverse("alignment_budget_import_confirm", args=[batch.pk]))
    assert confirm.status_code == 302
    rows = list(Actual.objects.order_by("day").values_list("amount", "source", "utm_campaign"))
    assert rows == [
        (Decimal("1250.00"), "imported", "brand-search"),
        (Decimal("99.99"), "imported", ""),
        (Decimal("1234.56"), "imported", "spring-launch"),
        (Decimal("-80.5"), "imported", "brand-search"),
    ]
    assert set(Actual.objects.values_list("import_batch", flat=True)) == {batch.pk}
    entry = ModelLogEntry.objects.get(action="alignment.budget.actuals_import")
    assert entry.data["rows"] == 4 and entry.data["total"] == "2504.0500"
    # Confirmed once: a second confirmation imports nothing more.
    client.post(reverse("alignment_budget_import_confirm", args=[batch.pk]))
    assert Actual.objects.count() == 4


def test_a_discarded_file_keeps_nothing_and_both_steps_are_audited(cmo, cio, lines) -> None:
    client = client_for(cmo)
    assert _upload(client, GOOD.encode(), name="october.csv").status_code == 302
    batch = ActualImport.objects.get()
    uploaded = ModelLogEntry.objects.get(action="alignment.budget.actuals_upload")
    assert (uploaded.object_id, uploaded.user_id) == (str(batch.pk), cmo.pk)
    assert uploaded.data == {"rows": 4, "total": "2504.05", "file": "october.csv"}

    confirm = reverse("alignment_budget_import_confirm", args=[batch.pk])
    assert client_for(cio).post(confirm, {"discard": "1"}).status_code == 403  # not the uploader
    assert client.post(confirm, {"discard": "1"}).status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.text) == (ActualImport.Status.DISCARDED, "")
    assert not Actual.objects.exists()
    discarded = ModelLogEntry.objects.get(action="alignment.budget.actuals_discard")
    assert (discarded.object_id, discarded.user_id) == (str(batch.pk), cmo.pk)
    # Discarded once: it can be neither discarded nor imported again.
    client.post(confirm)
    assert not Actual.objects.exists()
    assert ModelLogEntry.objects.filter(action__startswith="alignment.budget.actuals_").count() == 2


def test_semicolons_a_bom_and_decimal_commas(cmo, lines) -> None:
    text = (
        GOOD.replace(",", ";")
        .replace('"1234;56"', "1234,56")
        .replace('"Agency; October"', "Agency")
    )
    upload = _upload(client_for(cmo), codecs.BOM_UTF8 + text.encode())
    assert upload.status_code == 302, upload.content.decode()[-2000:]
    assert ActualImport.objects.get().total == Decimal("2504.05")


def test_one_bad_row_in_the_middle_imports_nothing_and_names_it(cmo, lines) -> None:
    rows = [f"{_day(i % 20)},10.00,campaigns,marketing,Row {i}," for i in range(40)]
    rows[19] = f"{_day(5)},12.3.4,campaigns,marketing,Bad amount,"
    rows[25] = f"{_day(5)},5,security,it,Pen test,"  # IT's line: not the CMO's to import
    text = "date,amount,category,side,description,utm_campaign\n" + "\n".join(rows) + "\n"
    answer = _upload(client_for(cmo), text.encode())
    assert answer.status_code == 400
    html = answer.content.decode()
    assert _problems(html) == ["21:amount", "27:side"]  # the header row is line 1
    assert "“12.3.4” is not an amount like 1234.50" in html
    assert "only the IT Lead may import IT&#x27;s actuals" in html
    assert "nothing was imported" in html
    assert not Actual.objects.exists() and not ActualImport.objects.exists()


def test_every_kind_of_bad_cell_is_listed(cmo, lines) -> None:
    text = (
        "Date,Amount,Category,Side,Description\n"
        "2026-02-30,1,campaigns,marketing,Bad day\n"
        f"{_day()},0,campaigns,marketing,Zero\n"
        f"{_day()},1,catering,marketing,No such category\n"
        f"{_day()},1,campaigns,sales,No such side\n"
        f"{_day()},1,campaigns,marketing,\n"
        f"{_day()},1,campaigns,marketing,{'x' * 10_000}\n"
        f"{_day()},1,infrastructure,marketing,Not planned\n"
        f"{this_quarter().next.next.start},1,campaigns,marketing,Quarter not planned\n"
        f"{_day()},1,campaigns,marketing,Control \x07 char\n"
        f"{_day()},1,campaigns,marketing,Extra,cell,here\n"
        f"{_day()},€12,campaigns,marketing,Currency sign\n"
    )
    html = _upload(client_for(cmo), text.encode()).content.decode()
    assert _problems(html) == [
        "2:date",
        "3:amount",
        "4:category",
        "5:side",
        "6:description",
        "7:description",
        "8:category",
        "9:date",
        "10:description",
        "11:",
        "12:amount",
    ]
    assert "is 10,000 characters; at most 500" in html
    assert "Marketing has no “infrastructure” line" in html
    assert not ActualImport.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The submitted file is empty"),
        (b"date,amount\n", "it lacks category, side, description"),
        (b"date,amount,category,side,description\n", "no rows below its header row"),
        (b"\xff\xfe\x00d\x00a", "not UTF-8 text"),
        (b"date,amount,category,side,description\n\x00\x00\x00", "holds a NUL byte"),
        ("date,amount,category,side,description\nä".encode("latin-1"), "not UTF-8 text (line 2"),
        (b'date,amount,category,side,description\n"unterminated', ""),
    ],
)
def test_odd_bytes_are_refused_cleanly(cmo, lines, data: bytes, message: str) -> None:
    answer = _upload(client_for(cmo), data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not ActualImport.objects.exists()


def test_huge_files_and_too_many_rows_are_refused(cmo, lines) -> None:
    client = client_for(cmo)
    huge = b"date,amount,category,side,description\n" + b"x" * finance_csv.MAX_FILE_BYTES
    answer = _upload(client, huge)
    assert answer.status_code == 400
    assert "larger than 5 MB" in answer.content.decode()
    many = "date,amount,category,side,description\n" + f"{_day()},1,campaigns,marketing,a\n" * (
        finance_csv.MAX_ROWS + 1
    )
    answer = _upload(client, many.encode())
    assert answer.status_code == 400
    assert "more than 20,000 rows" in answer.content.decode()
    assert not ActualImport.objects.exists()


def test_only_leads_import_and_only_the_uploader_confirms(cmo, cio, viewer, lines) -> None:
    assert _upload(client_for(viewer), GOOD.encode()).status_code == 403
    _upload(client_for(cmo), GOOD.encode())
    batch = ActualImport.objects.get()
    assert client_for(viewer).get(reverse("alignment_budget_import_preview", args=[batch.pk]))
    refused = client_for(cio).post(reverse("alignment_budget_import_confirm", args=[batch.pk]))
    assert refused.status_code == 403
    assert "Only the lead who uploaded the file" in refused.content.decode()
    assert not Actual.objects.exists()


def test_a_line_gone_since_the_preview_imports_nothing(cmo, lines) -> None:
    from commonground.alignment.models import BudgetLine

    client = client_for(cmo)
    _upload(client, GOOD.encode())
    batch = ActualImport.objects.get()
    BudgetLine.objects.filter(category="tools").delete()
    answer = client.post(reverse("alignment_budget_import_confirm", args=[batch.pk]))
    assert answer.status_code == 400
    assert _problems(answer.content.decode()) == ["3:category"]
    assert not Actual.objects.exists()


def test_an_export_of_actuals_is_formula_safe(cmo, lines) -> None:
    client = client_for(cmo)
    line = planned_line(cmo, "marketing", "people", "10")
    client.post(
        reverse("alignment_budget_actual"),
        {"line": line.pk, "day": _day(), "amount": "1", "description": "=HYPERLINK(1)"},
    )
    answer = client.get(
        reverse("alignment_budget_actuals_csv"), {"period": this_quarter().start.isoformat()}
    )
    body = b"".join(answer.streaming_content).decode()
    assert "'=HYPERLINK(1)" in body
    assert body.startswith("date,amount,currency,side,category,description,utm_campaign,source")

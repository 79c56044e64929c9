"""CSV cells that spreadsheet programs will not run: the one rule every export uses."""

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# A cell starting with one of these is run as a formula by spreadsheet programs (OWASP's list,
# with tab, carriage return and line feed). A leading quote makes it text (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Spreadsheets skip leading spaces before they look for a formula (" =1+1" runs), so the
# check looks past them; the no-break and full-width spaces are skipped by some as well.
_LEADING_SPACES = " \u00a0\u3000"


def formula_safe(value: Any) -> Any:
    """``value`` with a leading ' when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.lstrip(_LEADING_SPACES).startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """csv.writer's file: hands back each line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text line by line (for a streaming response), every cell formula-safe."""
    writer = csv.writer(_Line())
    yield writer.writerow([formula_safe(value) for value in header])
    for row in rows:
        yield writer.writerow([formula_safe(value) for value in row])


def guard_wagtail_exports() -> None:
    """Every "Download CSV" of Wagtail's listings (form submissions, reports, snippets, users,
    our viewsets) writes formula-safe cells and headings. Done once on Wagtail's
    ``SpreadsheetExportMixin`` itself rather than by a mixin per view: a view that forgot the
    mixin would be a hole, and Wagtail's own report views are not ours to subclass. XLSX
    needs nothing: Wagtail already stores a cell openpyxl reads as a formula as text."""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    if getattr(SpreadsheetExportMixin, "_formula_safe", False):
        return
    original_value = SpreadsheetExportMixin.preprocess_field_value
    original_heading = SpreadsheetExportMixin.get_heading

    def preprocess_field_value(self: Any, field: str, value: Any, export_format: str) -> Any:
        cell = original_value(self, field, value, export_format)
        return formula_safe(cell) if export_format == self.FORMAT_CSV else cell

    def get_heading(self: Any, queryset: Any, field: str) -> str:
        return str(formula_safe(original_heading(self, queryset, field)))

    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
    SpreadsheetExportMixin.get_heading = get_heading
    SpreadsheetExportMixin._formula_safe = True

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


class FormulaSafeExportMixin:
    """For a view built on Wagtail's ``SpreadsheetExportMixin`` (listings with "Download
    CSV / XLSX"): every CSV cell formula-safe, and every heading, which Wagtail writes as
    given in both formats (openpyxl stores a heading starting with = as a formula)."""

    FORMAT_CSV = "csv"

    def preprocess_field_value(self, field: str, value: Any, export_format: str) -> Any:
        cell = super().preprocess_field_value(field, value, export_format)  # type: ignore[misc]
        return formula_safe(cell) if export_format == self.FORMAT_CSV else cell

    def get_heading(self, queryset: Any, field: str) -> str:
        heading: str = super().get_heading(queryset, field)  # type: ignore[misc]
        return str(formula_safe(heading))

"""CSV cells that spreadsheet programs will not run: the one rule every export uses."""

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# A cell starting with one of these is run as a formula by spreadsheet programs (OWASP's list,
# with tab, carriage return and line feed). A leading quote makes it text (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def formula_safe(value: Any) -> Any:
    """``value`` with a leading ' when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """csv.writer's file: hands back each line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text line by line (for a streaming response), every cell formula-safe."""
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([formula_safe(value) for value in row])

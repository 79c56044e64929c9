"""Reading finance's CSV of actuals: the file's layout, and each cell checked on its own.

The format (shown on the import page): a header row naming the columns ``date``,
``amount``, ``category``, ``side``, ``description`` and ``utm_campaign`` (any order, any
case; ``utm_campaign`` may be left out), separated by commas or semicolons; UTF-8 with or
without a byte-order mark; at most 5 MB and 20,000 rows. Dates are ``2026-10-14`` or
``14.10.2026``; amounts use a decimal point or a decimal comma (``1234.50``, ``1234,50``),
no thousands separators and no currency sign, negative for a credit note.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ..models.budget import BudgetCategory, BudgetSide

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
DELIMITERS = (",", ";")
COLUMNS = ("date", "amount", "category", "side", "description", "utm_campaign")
REQUIRED = ("date", "amount", "category", "side", "description")
DESCRIPTION_MAX = 500
UTM_MAX = 100

UTM_CAMPAIGN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~+-]*$")
_AMOUNT = re.compile(r"^-?\d{1,14}([.,]\d{1,4})?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CATEGORIES = {
    **{c.value: c.value for c in BudgetCategory},
    **{c.label.lower(): c.value for c in BudgetCategory},
}
_SIDES = {
    **{s.value: s.value for s in BudgetSide},
    **{s.label.lower(): s.value for s in BudgetSide},
}


# What a cell check calls to record a problem: (column, message).
Problem = Callable[[str, str], None]


class FinanceFileError(ValueError):
    """A file that cannot be read at all; the message says why, for the form."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int  # the file's line number (the header row is line 1)
    column: str  # "" when the problem is the row as a whole
    message: str


@dataclass(frozen=True, slots=True)
class FinanceRow:
    line: int
    day: date
    amount: Decimal
    category: str
    side: str
    description: str
    utm_campaign: str


@dataclass(frozen=True, slots=True)
class FinanceFile:
    rows: tuple[FinanceRow, ...]
    problems: tuple[RowProblem, ...]


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def too_big_message() -> str:
    return (
        f"The file is larger than {megabytes(MAX_FILE_BYTES)}, the most that can be imported"
        " at once. Split it into smaller files."
    )


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark. Other encodings are
    refused, not guessed: a wrong guess would import mangled descriptions unnoticed."""
    if len(data) > MAX_FILE_BYTES:
        raise FinanceFileError(too_big_message())
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FinanceFileError(
            f"The file is not UTF-8 text (line {line} is not). Save it as UTF-8 (in Excel:"
            " File, Save As, “CSV UTF-8”) and upload it again."
        ) from error


def parse(text: str) -> FinanceFile:
    """Every row of ``text`` with every problem found in its cells; raises FinanceFileError
    when the file as a whole cannot be read."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FinanceFileError(f"Line {line} holds a NUL byte: this is not a text file.")
    records = _records(text)
    header_line, header = next(((n, r) for n, r in records if any(c.strip() for c in r)), (0, []))
    if not header:
        raise FinanceFileError("The file is empty.")
    names = [cell.strip().lower().replace(" ", "_") for cell in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        present = ", ".join(f"“{cell.strip()}”" for cell in header if cell.strip()) or "nothing"
        raise FinanceFileError(
            f"Line {header_line} must name the columns {', '.join(COLUMNS)}; it lacks"
            f" {', '.join(missing)} (it has {present})."
        )
    index = {name: names.index(name) for name in COLUMNS if name in names}
    rows: list[FinanceRow] = []
    problems: list[RowProblem] = []
    count = 0
    for number, record in records:
        if number <= header_line or not any(cell.strip() for cell in record):
            continue
        count += 1
        if count > MAX_ROWS:
            raise FinanceFileError(
                f"The file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} can be"
                " imported at once. Split it into smaller files."
            )
        row, found = _row(number, record, index, len(header))
        problems += found
        if row is not None:
            rows.append(row)
    if count == 0:
        raise FinanceFileError("The file has no rows below its header row.")
    return FinanceFile(tuple(rows), tuple(problems))


def _delimiter(text: str) -> str:
    first = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
    # The one that splits the header row into the most columns; a comma on a tie.
    return max(DELIMITERS, key=lambda d: (first.count(d), d == ","))


def _records(text: str) -> list[tuple[int, list[str]]]:
    """Each record with the line it starts at (a quoted cell may hold line breaks)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    found = []
    start = 1
    try:
        for record in reader:
            found.append((start, record))
            start = reader.line_num + 1
            if len(found) > MAX_ROWS + 100:  # blank lines aside, too many: stop reading
                break
    except csv.Error as error:
        raise FinanceFileError(f"Line {reader.line_num} cannot be read: {error}.") from error
    return found


def _row(
    number: int, record: list[str], index: dict[str, int], width: int
) -> tuple[FinanceRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []

    def cell(name: str) -> str:
        at = index.get(name)
        return record[at].strip() if at is not None and at < len(record) else ""

    def problem(column: str, message: str) -> None:
        problems.append(RowProblem(number, column, message))

    if len(record) > width:
        problem("", f"the row has {len(record)} cells, the header row {width}")
    for name in COLUMNS:
        if _CONTROL.search(cell(name)):
            problem(name, "holds a control character")
    day = _day(cell("date"), problem)
    amount = _amount(cell("amount"), problem)
    category = _CATEGORIES.get(cell("category").lower())
    if category is None:
        problem(
            "category",
            f"“{cell('category')[:40]}” is not a category; one of "
            + ", ".join(c.value for c in BudgetCategory),
        )
    side = _SIDES.get(cell("side").lower())
    if side is None:
        problem("side", f"“{cell('side')[:40]}” is not a side; marketing or it")
    description = _description(cell("description"), problem)
    utm = _utm_campaign(cell("utm_campaign"), problem)
    if problems or day is None or amount is None or category is None or side is None:
        return None, problems
    return FinanceRow(number, day, amount, category, side, description, utm), problems


def _description(value: str, problem: Problem) -> str:
    if not value:
        problem("description", "is empty")
    elif len(value) > DESCRIPTION_MAX:
        problem("description", f"is {len(value):,} characters; at most {DESCRIPTION_MAX}")
    return value


def _utm_campaign(value: str, problem: Problem) -> str:
    if len(value) > UTM_MAX:
        problem("utm_campaign", f"is {len(value):,} characters; at most {UTM_MAX}")
    elif value and not UTM_CAMPAIGN.match(value):
        problem("utm_campaign", "may hold only letters, digits and . _ ~ + -")
    return value


def _day(value: str, problem: Problem) -> date | None:
    for form in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, form).date()
        except ValueError:
            continue
    problem("date", f"“{value[:40]}” is not a date like 2026-10-14 or 14.10.2026")
    return None


def _amount(value: str, problem: Problem) -> Decimal | None:
    compact = value.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if not _AMOUNT.match(compact):
        problem(
            "amount",
            f"“{value[:40]}” is not an amount like 1234.50 or 1234,50 (no thousands"
            " separators, no currency sign, at most 4 decimals)",
        )
        return None
    amount = Decimal(compact.replace(",", "."))  # the pattern admits numbers only
    if amount == 0:
        problem("amount", "is 0")
        return None
    return amount

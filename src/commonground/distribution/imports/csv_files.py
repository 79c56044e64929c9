"""Reading the subscriber CSV files people export from spreadsheets, CRMs and other tools."""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
DELIMITERS = (",", ";", "\t")

# Column names as compared: ASCII, lower case, without spaces or punctuation ("E-Mail
# Address" is "emailaddress").
EMAIL_HEADERS = frozenset(
    {"email", "emailaddress", "mail", "mailaddress", "emailadresse", "courriel", "correo"}
)
NAME_HEADERS = frozenset({"name", "fullname", "displayname", "contactname"})
FIRST_NAME_HEADERS = frozenset({"firstname", "givenname", "forename", "vorname", "prenom"})
LAST_NAME_HEADERS = frozenset({"lastname", "surname", "familyname", "nachname", "nom"})

# Excel writes this first line when told which separator a file uses.
_SEPARATOR_LINE = re.compile(r'^"?sep=(.)"?$', re.IGNORECASE)


class CsvFileError(ValueError):
    """A file that cannot be read as a subscriber list; the message says why, for the form."""


@dataclass(frozen=True, slots=True)
class CsvRow:
    number: int  # the file's line where the row starts (the header row is usually line 1)
    email: str  # the e-mail cell as it is, trimmed
    name: str


@dataclass(frozen=True, slots=True)
class SubscriberCsv:
    text: str
    delimiter: str
    email_column: str
    name_columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def decode(data: bytes) -> str:
    """The file's text: UTF-8 with or without a byte-order mark, or UTF-16 with one.

    Other encodings are refused rather than guessed: Windows-1252 decodes almost any bytes,
    so a wrong guess would import mangled names without anybody noticing."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" export.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise CsvFileError("The file says it is UTF-16 but is not.") from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvFileError(
            f"The file is not UTF-8 text (line {line} is not). Save it as UTF-8 (in Excel:"
            " File, Save As, “CSV UTF-8”) and upload it again."
        ) from error


def read(data: bytes) -> SubscriberCsv:
    """The uploaded file's rows, or CsvFileError saying what is wrong with it."""
    if len(data) > MAX_FILE_BYTES:
        raise CsvFileError(too_big_message())
    return parse(decode(data), max_rows=MAX_ROWS)


def too_big_message() -> str:
    return (
        f"The file is larger than {megabytes(MAX_FILE_BYTES)}, the most that can be imported at"
        " once. Split it into smaller files."
    )


def header_key(cell: str) -> str:
    ascii_only = unicodedata.normalize("NFKD", cell).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_only.lower())


def parse(text: str, *, max_rows: int | None = None) -> SubscriberCsv:
    """Rows of ``text``: the delimiter and the columns found from the header row; at most
    ``max_rows`` (none when it is None: a file accepted once is read whole later)."""
    delimiter, header_line = _layout(text)
    records = _records(text, delimiter)
    header: list[str] = []
    for number, record in records:
        if number >= header_line and not _blank(record):
            header = [cell.strip() for cell in record]
            break
    if not header:
        raise CsvFileError("The file is empty.")
    keys = [header_key(cell) for cell in header]
    email_index = _email_column(keys, header)
    name_indexes = _name_columns(keys)
    rows: list[CsvRow] = []
    for number, record in records:
        if _blank(record):
            continue
        if max_rows is not None and len(rows) == max_rows:
            raise CsvFileError(
                f"The file has more than {max_rows:,} rows; at most {max_rows:,} can be imported"
                " at once. Split it into smaller files."
            )
        rows.append(
            CsvRow(
                number=number,
                email=_cell(record, email_index),
                # One line of single spaces: a name goes into e-mail headers.
                name=" ".join(" ".join(_cell(record, i) for i in name_indexes).split()),
            )
        )
    if not rows:
        raise CsvFileError("The file has no rows below its header row.")
    return SubscriberCsv(
        text=text,
        delimiter=delimiter,
        email_column=header[email_index],
        name_columns=tuple(header[i] for i in name_indexes),
        rows=tuple(rows),
    )


def _layout(text: str) -> tuple[str, int]:
    """The delimiter, and the line the header row may start at (after Excel's "sep=")."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        line = line.strip("\r\n")
        if not line.strip():
            continue
        if (separator := _SEPARATOR_LINE.match(line.strip())) is not None:
            return separator.group(1), number + 1
        # The one that splits the header row into the most columns; a comma on a tie.
        try:
            fields = {d: len(next(csv.reader([line], delimiter=d))) for d in DELIMITERS}
        except csv.Error as error:
            raise CsvFileError(f"Line {number} cannot be read: {error}.") from error
        return max(DELIMITERS, key=lambda d: (fields[d], d == ",")), number
    raise CsvFileError("The file is empty.")


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts at (a quoted cell may hold line breaks)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as error:
        raise CsvFileError(f"Line {reader.line_num + 1} cannot be read: {error}.") from error


def _blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def _cell(record: list[str], index: int) -> str:
    return record[index].strip() if index < len(record) else ""


def _email_column(keys: list[str], header: list[str]) -> int:
    for index, key in enumerate(keys):
        if key in EMAIL_HEADERS:
            return index
    for index, key in enumerate(keys):
        if key.startswith("email"):  # "Email (work)", "email_1"
            return index
    if any("@" in cell for cell in header):
        raise CsvFileError(
            "The first row holds an address, not column names. Add a first row naming the"
            " columns, one of them “email” (and “name” if there are names)."
        )
    found = ", ".join(f"“{cell}”" for cell in header if cell) or "nothing"
    raise CsvFileError(
        "There is no e-mail column: the first row must name the columns, one of them “email”"
        f" (or “e-mail”, “Email Address”). The first row has {found}."
    )


def _name_columns(keys: list[str]) -> tuple[int, ...]:
    for index, key in enumerate(keys):
        if key in NAME_HEADERS:
            return (index,)
    first = [i for i, key in enumerate(keys) if key in FIRST_NAME_HEADERS][:1]
    last = [i for i, key in enumerate(keys) if key in LAST_NAME_HEADERS][:1]
    return (*first, *last)

"""The one formula-safe rule for CSV cells, for any text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from commonground.core.spreadsheet_cells import FORMULA_STARTS, csv_lines, formula_safe

LEADING = st.text(alphabet=" \u00a0\u3000", max_size=3)
START = st.sampled_from([*FORMULA_STARTS, "a", "1", "'", ""])


@settings(max_examples=150)
@given(lead=LEADING, start=START, rest=st.text(max_size=20))
def test_no_cell_starts_a_formula_and_nothing_is_lost(lead: str, start: str, rest: str) -> None:
    value = lead + start + rest
    cell = formula_safe(value)
    assert not cell.lstrip(" \u00a0\u3000").startswith(FORMULA_STARTS)
    assert cell == value or cell == "'" + value
    assert (cell != value) == value.lstrip(" \u00a0\u3000").startswith(FORMULA_STARTS)


def test_numbers_are_left_alone_and_rows_are_written_safe() -> None:
    assert formula_safe(-5) == -5
    assert list(csv_lines(["=h"], [["=1+1", 2]])) == ["'=h\r\n", "'=1+1,2\r\n"]

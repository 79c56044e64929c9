"""CSV cells that spreadsheet programs will not run: the one rule every export uses."""

from typing import Any

# A cell starting with one of these is run as a formula by spreadsheet programs (OWASP's list,
# with tab, carriage return and line feed). A leading quote makes it text (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def formula_safe(value: Any) -> Any:
    """``value`` with a leading ' when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

"""How analytics figures read where people see them outside the dashboard: the page panel and
the weekly e-mail report."""

DIRECT = "Direct / none"


def change_text(change: float | None, *, points: bool = False) -> str:
    """``+12%``, ``-3%``, ``±0%`` (``pt`` for rates, which change by points); "" when the
    earlier figure was zero and a percentage means nothing."""
    if change is None:
        return ""
    unit = " pt" if points else "%"
    rounded = round(change) if abs(change) >= 10 or not points else round(change, 1)
    if rounded == 0:
        return f"±0{unit}"
    return f"{'+' if rounded > 0 else '-'}{abs(rounded):,}{unit}"


def duration_text(seconds: float | None) -> str:
    """``1m 05s`` or ``42s``."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m {rest:02d}s" if minutes else f"{rest}s"


def source_text(source: str) -> str:
    """A visit source as shown: visits without a referrer are "Direct / none"."""
    return source or DIRECT

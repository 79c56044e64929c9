"""What every real-browser test shares: Debian's Chromium, the marks (skipped only where
Chromium is missing, which CI=true turns into a failure) and the launch."""

import shutil
from collections.abc import Callable
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="Debian's chromium package is not installed"
    ),
]


def browser_test(function: Callable[..., Any]) -> Callable[..., Any]:
    """The marks of ``BROWSER_TEST`` on one test (for files that also hold other tests)."""
    for mark in reversed(BROWSER_TEST):
        function = mark(function)
    return function


def launch_chromium(playwright: Any, *args: str, proxy: dict[str, str] | None = None) -> Any:
    """Chromium, headless, with ``args`` after ``--no-sandbox`` (we run as root in CI)."""
    options: dict[str, Any] = {"proxy": proxy} if proxy else {}
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", *args], **options
    )


def hover_until_shown(tab: Any, target: Any, tip: Any, *, attempts: int = 5) -> None:
    """Hover ``target`` (a Playwright locator) until ``tip`` shows. A label the page draws
    again (the dashboard's key figures, when their numbers arrive) loses the hover: Chromium
    works out what is under the pointer again only when the pointer moves. So move away and
    back, a few times, each waiting two seconds."""
    for _ in range(attempts):
        tab.mouse.move(0, 0)
        target.hover()
        try:
            tip.wait_for(state="visible", timeout=2_000)
            return
        except Exception as error:  # Playwright's TimeoutError; imported where it runs
            if type(error).__name__ != "TimeoutError":
                raise
    raise AssertionError(f"hovering {target} never showed {tip}")

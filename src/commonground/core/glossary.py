"""The glossary's inline explanations on any admin screen: the lookup of a term's name and
both explanations (registered by alignment, which owns the glossary), cached per process,
and the accessible markup of a term with its explanation.

Apps that show a term (analytics, governance, distribution) depend on core only: alignment
depends on them, so they must not import it. A process keeps every term in memory; a change
writes a new generation token to the shared cache after its commit, which every process
reads at most once a second, so other processes follow within a second.
"""

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db import transaction
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString

GENERATION_KEY = "core:glossary:generation"
GENERATION_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class TermExplanation:
    slug: str
    term: str
    for_marketing: str
    for_it: str

    def as_json(self) -> dict[str, str]:
        return {"term": self.term, "forMarketing": self.for_marketing, "forIt": self.for_it}


Lookup = Callable[[], Mapping[str, TermExplanation]]


class _Terms:
    """Every term, loaded once per process and again when the generation token changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lookup: Lookup | None = None
        self._terms: Mapping[str, TermExplanation] | None = None
        self._generation: object = None
        self._checked_at = 0.0

    def register(self, lookup: Lookup) -> None:
        with self._lock:
            self._lookup = lookup
            self._terms = None

    def forget(self) -> None:
        with self._lock:
            self._terms = None

    def published(self, generation: str) -> None:
        """This process wrote ``generation``: reload now, and not again when it reads it."""
        with self._lock:
            self._terms = None
            self._generation = generation

    def all(self) -> Mapping[str, TermExplanation]:
        with self._lock:
            if self._lookup is None:
                return {}
            now = time.monotonic()
            if now - self._checked_at >= GENERATION_CHECK_SECONDS:
                generation = caches["default"].get(GENERATION_KEY)
                if generation != self._generation:
                    self._terms = None
                    self._generation = generation
                self._checked_at = now
            if self._terms is None:
                self._terms = dict(self._lookup())
            return self._terms


_terms = _Terms()
# Ids unique within a process, so every tooltip on a page has its own (a page is rendered
# by one process).
_ids = itertools.count(1)


def register_lookup(lookup: Lookup) -> None:
    """Where the terms come from (alignment's AppConfig.ready registers its selector)."""
    _terms.register(lookup)


def terms_changed() -> None:
    """Call inside the transaction that changes a term: every process reloads after commit."""

    def publish() -> None:
        generation = uuid.uuid4().hex
        caches["default"].set(GENERATION_KEY, generation, None)
        _terms.published(generation)

    transaction.on_commit(publish, robust=True)


def forget() -> None:
    """Drop this process's copy now (after a bulk load outside a request, or between tests)."""
    _terms.forget()


def explanation(slug: str) -> TermExplanation | None:
    """The term ``slug`` (e.g. "bounce-rate"), or None when the glossary has no such term."""
    return _terms.all().get(slug)


def explanations(slugs: Iterable[str]) -> dict[str, dict[str, str]]:
    """The known terms among ``slugs`` as plain JSON values, for pages whose labels are drawn
    by JavaScript (see core/static/core/glossary.js's ``data-term`` markup)."""
    known = _terms.all()
    return {slug: known[slug].as_json() for slug in slugs if slug in known}


def term_html(slug: str, label: str | None = None) -> SafeString:
    """``label`` (the term's own name by default) with its explanation as a tooltip: a
    focusable label described by a ``role="tooltip"`` element, shown on hover and focus and
    hidden by Escape (core/static/core/glossary.css and glossary.js). An unknown slug gives
    the label alone."""
    found = explanation(slug)
    if found is None:
        return format_html("{}", label or slug)
    tip_id = f"cg-term-tip-{next(_ids)}"
    return format_html(
        '<span class="cg-term" data-term="{slug}">'
        '<span class="cg-term-label" tabindex="0" aria-describedby="{tip_id}">{label}</span>'
        '<span class="cg-term-tip" role="tooltip" id="{tip_id}">'
        '<span class="cg-term-tip-name">{term}</span> '
        '<span class="cg-term-tip-side"><span class="cg-term-tip-for">For marketing:</span> '
        "{for_marketing}</span> "
        '<span class="cg-term-tip-side"><span class="cg-term-tip-for">For IT:</span> '
        "{for_it}</span>"
        "</span></span>",
        slug=slug,
        tip_id=tip_id,
        label=label or found.term,
        term=found.term,
        for_marketing=found.for_marketing,
        for_it=found.for_it,
    )


def lazy_term_html(template: str, **terms: tuple[str, str]) -> Any:
    """``template`` (format_html placeholders) filled with terms when it is rendered, not
    when it is defined: for help texts set at import time, before the database is there.
    ``terms`` maps a placeholder to (slug, label)."""

    def render() -> SafeString:
        return format_html(
            template, **{name: term_html(slug, label) for name, (slug, label) in terms.items()}
        )

    return lazy(render, SafeString)()

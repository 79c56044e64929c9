"""JSON from the public, read once at the edge: UTF-8, bounded nesting, finite numbers of a sane
size and no unpaired surrogates, or a ``JsonInputError`` saying which of these it broke.

Python's parser takes all of these and fails later, somewhere else: nesting deeper than its
stack raises RecursionError, ``1e400`` becomes infinity, ``NaN`` is a number, a 5,000-digit
integer is a ValueError, and ``"\\ud800"`` is a string no database or encoder will take.
"""

import json
import re
from itertools import accumulate
from typing import Any

DEFAULT_MAX_DEPTH = 32
# 2**63: what the databases' integer columns hold; larger ones are no count, id or amount.
MAX_INTEGER = 2**63

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonInputError(ValueError):
    """A body that is not JSON we accept; the message completes "The body ..."."""


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in ``text`` (brackets inside strings not counted);
    a linear scan, so it can be asked before a recursive parser sees the text."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(1 if char in "[{" else -1 for char in brackets), default=0)


def _integer(text: str) -> int:
    # The length first: int() of a 5,000-digit string is slow and then refused anyway.
    value = int(text) if len(text) <= 20 else MAX_INTEGER
    if abs(value) >= MAX_INTEGER:
        raise JsonInputError("has an integer too large (at most 2^63)")
    return value


def _number(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JsonInputError("has a number too large to be finite")
    return value


def _constant(name: str) -> None:
    raise JsonInputError(f"has {name}, which is not a JSON number")


def _strings_paired(value: Any) -> bool:
    """Whether every string (and key) in ``value`` is free of unpaired surrogates."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise JsonInputError("has a key twice in one object")
    return dict(pairs)


def parse_json(
    body: bytes | str,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    surrogates_allowed: bool = False,
    duplicate_keys_allowed: bool = True,
) -> Any:
    """The JSON value in ``body``, or JsonInputError. ``surrogates_allowed``: for a caller
    that checks every string itself and names the field holding one;
    ``duplicate_keys_allowed=False`` for a record whose meaning two values would blur."""
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise JsonInputError(f"is not UTF-8 (invalid byte at {error.start})") from None
    else:
        text = body
    if not text.strip():
        raise JsonInputError("is empty")
    if nesting_depth(text) > max_depth:
        raise JsonInputError(f"nests arrays or objects deeper than {max_depth} levels")
    try:
        value = json.loads(
            text,
            parse_int=_integer,
            parse_float=_number,
            parse_constant=_constant,
            object_pairs_hook=None if duplicate_keys_allowed else _no_duplicate_keys,
        )
    except JsonInputError:
        raise
    except json.JSONDecodeError as error:
        raise JsonInputError(f"is not valid JSON ({error.msg} at character {error.pos})") from None
    except (ValueError, RecursionError):  # a number int() or float() refuses; nesting
        raise JsonInputError("is not valid JSON") from None
    if not surrogates_allowed and not _strings_paired(value):
        raise JsonInputError("has a string with an unpaired surrogate (\\ud800-\\udfff)")
    return value

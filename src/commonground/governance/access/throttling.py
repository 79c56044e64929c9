"""Failed admin sign-ins slow the guesser down, not the account's owner: growing delays per
client address and per account, kept in the shared cache.

Three counters see each failed password (the password is only checked when none of them
holds the attempt back):

- the account *from this address* (``pair``): after ``LOGIN_FAILURE_LIMIT`` failures the
  next attempt waits ``LOGIN_THROTTLE_FIRST_DELAY_SECONDS``, and the wait doubles with each
  further failure up to ``LOGIN_THROTTLE_MAX_DELAY_SECONDS``. This is the guesser's counter;
- the *address*, whatever the usernames (``address``): the same delays after
  ``LOGIN_FAILURE_ADDRESS_LIMIT`` failures, so one address cannot spray many accounts;
- the *account*, from any address (``account``): after ``LOGIN_FAILURE_ACCOUNT_LIMIT``
  failures, the same start, but capped at
  ``LOGIN_THROTTLE_ACCOUNT_MAX_DELAY_SECONDS`` (seconds, not minutes): it slows a guesser
  spread over many addresses while the owner, from an address that has never failed, waits
  at most that long however hard someone hammers the account from elsewhere. No hard lock:
  nobody can shut an account by failing on purpose.

A counter is forgotten ``LOGIN_FAILURE_WINDOW_SECONDS`` after its last failure. A sign-in
clears the account's counter and its own address's pair (not the address's counter: knowing
one password must not reset the count for the others). A password reset lifts every throttle
on the account, the pairs of every address included (a "lifted at" stamp outranks older
pairs, which the cache cannot list). Reaching a limit (and each doubling), the first held
back attempt of each delay, and a lift write audit entries on the user (never the password).

The cache is read and written back rather than incremented (``incr`` on the file cache
resets the entry's timeout): two failures at the same instant may count once; the delays
still grow. It works with every cache backend (the file cache in dev and test, Redis in
production), shared by every server process.
"""

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.http import HttpRequest
from wagtail.log_actions import log

from commonground.core.http.client_address import client_ip

_PREFIX = "access:sign-in-throttle"

# Audit actions (registered in governance's wagtail_hooks).
THROTTLE_STARTED = "governance.sign_in.throttle_started"
THROTTLED = "governance.sign_in.throttled"
THROTTLE_LIFTED = "governance.sign_in.throttle_lifted"

ACCOUNT_FROM_ADDRESS = "pair"
ADDRESS = "address"
ACCOUNT = "account"

_WHAT = {
    ACCOUNT_FROM_ADDRESS: "this account from your network address",
    ADDRESS: "your network address",
    ACCOUNT: "this account",
}


@dataclass(frozen=True, slots=True)
class Throttle:
    """The attempt is held back for ``retry_after_seconds``; ``scope`` says by which counter."""

    scope: str
    retry_after_seconds: int
    failures: int

    @property
    def message(self) -> str:
        seconds = self.retry_after_seconds
        if seconds < 120:
            wait = f"{seconds} second{'s' if seconds != 1 else ''}"
        else:
            wait = f"{math.ceil(seconds / 60)} minutes"
        return (
            f"Too many failed sign-ins for {_WHAT[self.scope]}. Wait {wait} before trying "
            "again (the wait grows with each failure), or reset your password."
        )


def client_address(request: HttpRequest) -> str:
    """The client's address after the trusted proxies (core.http.client_address); IPv6
    counts per /64, which one household or one server gets to choose addresses from."""
    address = client_ip(request.META)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _account(username: str) -> str:
    return username.strip().casefold()


def _key(scope: str, *parts: str) -> str:
    # Hashed: usernames and forwarded addresses are any text, cache keys are not.
    text = "\x00".join(parts)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{_PREFIX}:{scope}:{digest}"


def _lifted_key(account: str) -> str:
    return _key("lifted", account)


def _counter_keys(account: str, address: str) -> dict[str, str]:
    return {
        ACCOUNT_FROM_ADDRESS: _key(ACCOUNT_FROM_ADDRESS, account, address),
        ADDRESS: _key(ADDRESS, address),
        ACCOUNT: _key(ACCOUNT, account),
    }


def _limit(scope: str) -> int:
    limits = {
        ACCOUNT_FROM_ADDRESS: settings.LOGIN_FAILURE_LIMIT,
        ADDRESS: settings.LOGIN_FAILURE_ADDRESS_LIMIT,
        ACCOUNT: settings.LOGIN_FAILURE_ACCOUNT_LIMIT,
    }
    return int(limits[scope])


def delay_after(failures: int, *, scope: str) -> float:
    """Seconds an attempt waits after ``failures`` failures counted by ``scope``."""
    limit = _limit(scope)
    if limit <= 0 or failures < limit:
        return 0.0
    cap = float(
        settings.LOGIN_THROTTLE_ACCOUNT_MAX_DELAY_SECONDS
        if scope == ACCOUNT
        else settings.LOGIN_THROTTLE_MAX_DELAY_SECONDS
    )
    doublings = min(failures - limit, 40)  # 2**40 seconds is past any cap
    first = float(settings.LOGIN_THROTTLE_FIRST_DELAY_SECONDS)
    return min(cap, first * 2.0**doublings)


def _counters(account: str, address: str) -> dict[str, dict[str, Any]]:
    """The live counters by scope; a pair older than the account's last lift is none."""
    keys = _counter_keys(account, address)
    lifted_key = _lifted_key(account)
    found = cache.get_many([*keys.values(), lifted_key])
    lifted_at = float(found.get(lifted_key) or 0)
    counters: dict[str, dict[str, Any]] = {}
    for scope, key in keys.items():
        counter = found.get(key)
        if not isinstance(counter, dict):
            continue
        if scope != ADDRESS and counter.get("started", 0) <= lifted_at:
            continue
        counters[scope] = counter
    return counters


def throttle(*, username: str, address: str) -> Throttle | None:
    """What holds back a sign-in for ``username`` from ``address`` now, or None: the longest
    of the counters' waits. The first held-back attempt of each wait is audited."""
    account = _account(username)
    now = time.time()
    longest: Throttle | None = None
    for scope, counter in _counters(account, address).items():
        until = counter["last"] + delay_after(counter["failures"], scope=scope)
        if until <= now:
            continue
        wait = max(1, math.ceil(until - now))
        if longest is None or wait > longest.retry_after_seconds:
            longest = Throttle(scope, wait, counter["failures"])
    if longest is not None:
        _audit_first_held_back(account, address, longest)
    return longest


def _audit_first_held_back(account: str, address: str, held: Throttle) -> None:
    # One entry per wait, not per attempt: a held-back attempt costs the guesser nothing,
    # so auditing each would let them flood the trail.
    key = _key("held", held.scope, account, address if held.scope != ACCOUNT else "")
    if not cache.add(key, True, timeout=held.retry_after_seconds):
        return
    _audit(
        account,
        THROTTLED,
        {
            "scope": held.scope,
            "address": address,
            "failures": held.failures,
            "retry_after_seconds": held.retry_after_seconds,
        },
    )


def record_failure(*, username: str, address: str) -> None:
    """Count a wrong password for ``username`` from ``address``; audit a counter reaching
    its limit and each doubling of its wait past it."""
    account = _account(username)
    now = time.time()
    forget_after = int(settings.LOGIN_FAILURE_WINDOW_SECONDS)
    live = _counters(account, address)
    for scope, key in _counter_keys(account, address).items():
        counter = live.get(scope) or {"failures": 0, "started": now}
        counter["failures"] += 1
        counter["last"] = now
        delay = delay_after(counter["failures"], scope=scope)
        cache.set(key, counter, timeout=max(1, math.ceil(forget_after + delay)))
        beyond = counter["failures"] - _limit(scope)
        if _limit(scope) > 0 and beyond >= 0 and beyond & (beyond + 1) == 0:
            # 0, 1, 3, 7... failures past the limit: the wait has just started or doubled.
            _audit(
                account,
                THROTTLE_STARTED,
                {
                    "scope": scope,
                    "address": address,
                    "failures": counter["failures"],
                    "delay_seconds": delay,
                },
            )


def record_success(*, username: str, address: str) -> None:
    """A right password: the account's counter and this address's pair start again."""
    account = _account(username)
    keys = _counter_keys(account, address)
    cache.delete_many([keys[ACCOUNT], keys[ACCOUNT_FROM_ADDRESS]])


def lift(*, user: AbstractBaseUser, reason: str, address: str = "") -> None:
    """Lift every throttle on ``user``'s account (after a password reset: the owner proved
    they hold the mailbox), from every address; audited."""
    account = _account(user.get_username())
    # Kept as long as any pair it outranks can live: a pair expires a window after its last
    # failure, and its failures stop once it waits its longest.
    outranks = settings.LOGIN_FAILURE_WINDOW_SECONDS + settings.LOGIN_THROTTLE_MAX_DELAY_SECONDS
    cache.set(_lifted_key(account), time.time(), timeout=int(outranks))
    cache.delete(_key(ACCOUNT, account))
    log(user, THROTTLE_LIFTED, user=user, data={"reason": reason, "address": address})


def _audit(account: str, action: str, data: dict[str, Any]) -> None:
    """An entry on the account's user, or on the user model (a system entry) for a
    username nobody has; then only a digest of what was typed, which may be a password."""
    User = get_user_model()
    user = User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": account}).first()
    if user is not None:
        log(user, action, user=None, data=data)
        return
    digest = hashlib.sha256(account.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    log(
        ContentType.objects.get_for_model(User),
        action,
        user=None,
        data={**data, "unknown_username_sha256": digest},
    )


def register_log_actions(actions: Any) -> None:
    """For the ``register_log_actions`` hook: how the throttle's entries read."""
    actions.register_action(
        THROTTLE_STARTED, "Sign-in throttled", "Failed sign-ins reached a throttle limit"
    )
    actions.register_action(
        THROTTLED, "Sign-in held back", "A sign-in attempt was held back by the throttle"
    )
    actions.register_action(
        THROTTLE_LIFTED, "Sign-in throttle lifted", "The sign-in throttle was lifted"
    )

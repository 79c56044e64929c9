"""The Mastodon channel: one status per message, posted through Mastodon.py.

A retry cannot post twice: every status carries the message's idempotency key in the
``Idempotency-Key`` header, and Mastodon answers a repeated key (for an hour) with the status
it already made. Length is counted as Mastodon counts it (grapheme clusters, every URL as 23
characters, ``@user@domain`` as ``@user``) against the instance's limit: the
``max_characters`` option, or else the instance's ``configuration.statuses.max_characters``,
read once per backend the first time it sends.

Mastodon.py never sleeps in our worker: ``ratelimit_method="throw"`` turns a 429 into an
exception, which becomes ``RetryLater`` with the seconds until ``X-RateLimit-Reset``.
"""

import logging
import threading
import time
from typing import Any

from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
)

from .base import ChannelBackend, DeliveryError, Message, Refused, RetryLater, Sent, social_copy

logger = logging.getLogger(__name__)

DEFAULT_MAX_CHARACTERS = 500
DEFAULT_TIMEOUT = 10.0  # seconds for one request; Mastodon.py's own default is 300
VISIBILITIES = ("public", "unlisted", "private", "direct")
USER_AGENT = "CommonGround (+distribution)"

# Statuses that say "later" rather than "never": a timeout, a conflict, "too early".
_TEMPORARY_STATUSES = frozenset({408, 409, 425})


class MastodonChannel(ChannelBackend):
    """Posts to one account on one Mastodon instance with that account's access token."""

    label = "Mastodon"
    max_length = DEFAULT_MAX_CHARACTERS
    url_length = 23  # what any link counts, whatever its length (for the editor's counter)

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, **options)
        self.label = str(options.get("label") or self.label)
        self.api_base_url = str(options.get("api_base_url") or "").rstrip("/")
        self._access_token = str(options.get("access_token") or "")
        self.visibility = str(options.get("visibility") or "public")
        self.language: str | None = options.get("language") or None
        self.timeout = float(options.get("timeout") or DEFAULT_TIMEOUT)
        configured_limit = options.get("max_characters")
        self._limit_known = configured_limit is not None
        self.max_characters = int(configured_limit or DEFAULT_MAX_CHARACTERS)
        self.max_length = self.max_characters
        self._client: Mastodon | None = None
        self._client_lock = threading.Lock()

    def __repr__(self) -> str:  # never the token
        return f"<MastodonChannel {self.name!r} {self.api_base_url!r}>"

    def text_length(self, text: str) -> int:
        return int(Mastodon.get_status_length(text))

    def problems(self) -> list[str]:
        problems = []
        if not self.api_base_url:
            problems.append(
                "No api_base_url: the instance's address, e.g. https://mastodon.social."
            )
        if not self._access_token:
            problems.append("No access_token: create one under Preferences → Development.")
        if self.visibility not in VISIBILITIES:
            problems.append(
                f"Visibility {self.visibility!r} is not one of {', '.join(VISIBILITIES)}."
            )
        return problems

    def send(self, message: Message) -> Sent:
        if problems := self.problems():
            raise Refused(" ".join(problems))
        text = social_copy(message)
        if not text:
            raise Refused("Nothing to post: the message has no text, title or URL.")
        limit = self.instance_max_characters()
        length = self.text_length(text)
        if length > limit:
            raise Refused(f"The post is {length} characters long; this instance allows {limit}.")
        client = self._mastodon()
        try:
            status = client.status_post(
                text,
                visibility=self.visibility,
                language=self.language,
                idempotency_key=message.idempotency_key,
            )
        except MastodonError as error:
            raise delivery_error(error, client) from error
        logger.info("Mastodon channel %s posted status %s", self.name, status["id"])
        # ``url`` is the page people open; some servers leave it null and give only ``uri``.
        remote_url = status.get("url") or status.get("uri") or ""
        return Sent(remote_id=str(status["id"]), remote_url=str(remote_url))

    def instance_max_characters(self) -> int:
        """The instance's status length limit: the option, else what the instance says (asked
        once per backend; a server without ``/api/v2/instance`` keeps the default)."""
        if self._limit_known:
            return self.max_characters
        client = self._mastodon()
        try:
            instance = client.instance_v2()
        except (MastodonRatelimitError, MastodonNetworkError, MastodonServerError) as error:
            raise delivery_error(error, client) from error
        except MastodonError as error:
            logger.warning(
                "Mastodon channel %s: no instance limits (%s), counting to %s",
                self.name,
                error,
                self.max_characters,
            )
        else:
            statuses = (instance.get("configuration") or {}).get("statuses") or {}
            self.max_characters = int(statuses.get("max_characters") or self.max_characters)
            self.max_length = self.max_characters
        self._limit_known = True
        return self.max_characters

    def _mastodon(self) -> Mastodon:
        """The one Mastodon.py client of this backend, built on first use."""
        with self._client_lock:
            if self._client is None:
                self._client = Mastodon(
                    api_base_url=self.api_base_url,
                    access_token=self._access_token,
                    ratelimit_method="throw",  # never time.sleep() inside a worker
                    version_check_mode="none",  # no GET /api/v1/instance per construction
                    request_timeout=self.timeout,
                    user_agent=USER_AGENT,
                )
            return self._client


def delivery_error(error: MastodonError, client: Mastodon) -> DeliveryError:
    """What a Mastodon.py exception means for the caller: try again later, or never."""
    if isinstance(error, MastodonRatelimitError):
        # Mastodon.py has parsed X-RateLimit-Reset (ISO 8601) into epoch seconds on our clock.
        reset = client.ratelimit_reset
        retry_after = max(reset - time.time(), 0.0) if reset else None
        return RetryLater("Mastodon rate limit reached", retry_after=retry_after)
    if isinstance(error, MastodonNetworkError):  # timeouts and refused connections too
        return RetryLater(f"Mastodon could not be reached: {error}")
    if isinstance(error, MastodonServerError):
        return RetryLater(f"Mastodon answered {_http_answer(error)}")
    if isinstance(error, MastodonAPIError):
        status = error.args[1] if len(error.args) > 1 else None
        if status in _TEMPORARY_STATUSES:
            return RetryLater(f"Mastodon answered {_http_answer(error)}")
        if isinstance(error, MastodonNotFoundError):
            return Refused(f"Mastodon answered {_http_answer(error)}: is api_base_url right?")
        return Refused(f"Mastodon refused the status: {_http_answer(error)}")
    return Refused(f"Mastodon.py failed: {error}")


def _http_answer(error: MastodonAPIError) -> str:
    # Mastodon.py raises MastodonAPIError("...", status code, reason, the server's "error").
    _, status, reason, message = (*error.args, None, None, None, None)[:4]
    return " ".join(str(part) for part in (status, reason) if part) + (
        f": {message}" if message else ""
    )

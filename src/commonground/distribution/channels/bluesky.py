"""The Bluesky channel: one ``app.bsky.feed.post`` record per message, through the atproto SDK.

atproto has no idempotency header, so the record key is derived from the message's
idempotency key (``record_key``): a retry writes to the same key, and a PDS that already holds
that record refuses the write (the reference PDS with a 500), after which the channel reads the
record back with ``com.atproto.repo.getRecord`` and reports it as sent. Links are rich-text
facets over UTF-8 byte offsets, or they are not clickable; the content's URL also gets an
external embed card. Length is counted in grapheme clusters (300 per post, and at most 3000
UTF-8 bytes), as the ``app.bsky.feed.post`` lexicon does.

The session (``createSession``) is kept on the backend and renewed with ``refreshSession``, or
a new login, when the access token is about to expire or is rejected: logins are rate-limited
far harder than posts. A 429 becomes ``RetryLater`` with the seconds until ``ratelimit-reset``.
"""

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grapheme
import httpx
from atproto import AtUri, Client, Request, models
from atproto.exceptions import (
    AtProtocolError,
    BadRequestError,
    InvokeTimeoutError,
    ModelError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    RequestException,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_client.utils import detect_facets
from atproto_server.auth.jwt import get_jwt_payload

from .base import ChannelBackend, DeliveryError, Message, Refused, RetryLater, Sent, social_copy

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bsky.social"
DEFAULT_TIMEOUT = 10.0  # seconds for one request
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
POST_COLLECTION = "app.bsky.feed.post"
_TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})
_RENEW_BEFORE_EXPIRY = 60.0  # seconds: renew a token this close to expiry before using it

# Record keys are TIDs (the lexicon's key type for posts): 64 bits, top bit 0, 53 bits of
# microseconds since 1970, 10 bits of "clock", in a base32 that sorts like the number.
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TID_EPOCH_US = 946_684_800_000_000  # 2000-01-01: derived keys never claim a future time


def record_key(idempotency_key: str) -> str:
    """The TID record key for a message: the same for every retry of it, and 58 bits of its
    key's SHA-256 (48 bits of time within 2000-2008, 10 of clock) so that keys do not meet."""
    bits = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    tid = ((_TID_EPOCH_US + (bits >> 16)) << 10) | (bits & 0x3FF)
    return "".join(_TID_ALPHABET[(tid >> shift) & 31] for shift in range(60, -1, -5))


def post_facets(text: str, url: str) -> list[models.AppBskyRichtextFacet.Main]:
    """The rich-text facets of a post: ``url`` as a link wherever it first stands in ``text``,
    plus the other links and hashtags atproto detects, over UTF-8 byte offsets."""
    facets: list[models.AppBskyRichtextFacet.Main] = []
    if url and (start := text.find(url)) >= 0:
        byte_start = len(text[:start].encode())
        facets.append(
            models.AppBskyRichtextFacet.Main(
                index=models.AppBskyRichtextFacet.ByteSlice(
                    byte_start=byte_start, byte_end=byte_start + len(url.encode())
                ),
                features=[models.AppBskyRichtextFacet.Link(uri=url)],
            )
        )
    for detected in detect_facets(text):
        if not any(_overlaps(detected.index, facet.index) for facet in facets):
            facets.append(detected)
    return sorted(facets, key=lambda facet: facet.index.byte_start)


def _overlaps(
    a: models.AppBskyRichtextFacet.ByteSlice, b: models.AppBskyRichtextFacet.ByteSlice
) -> bool:
    return bool(a.byte_start < b.byte_end and b.byte_start < a.byte_end)


@dataclass
class _Session:
    did: str
    handle: str
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)

    @property
    def access_expires_at(self) -> float | None:
        return _expiry(self.access_jwt)

    @property
    def refresh_expires_at(self) -> float | None:
        return _expiry(self.refresh_jwt)

    def authorization(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.access_jwt}"}


def _expiry(token: str) -> float | None:
    try:
        exp = get_jwt_payload(token).exp
    except Exception:  # a PDS may hand out opaque tokens: then the server tells us when
        return None
    return float(exp) if exp is not None else None


class BlueskyChannel(ChannelBackend):
    """Posts as one account (handle and app password) on its PDS."""

    label = "Bluesky"
    max_length = MAX_GRAPHEMES

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, **options)
        self.label = str(options.get("label") or self.label)
        self.base_url = str(options.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        self.handle = str(options.get("handle") or "").lstrip("@")
        self._app_password = str(options.get("app_password") or "")
        self.langs: list[str] = list(options.get("langs") or [])
        self.timeout = float(options.get("timeout") or DEFAULT_TIMEOUT)
        self._client: Client | None = None
        self._session: _Session | None = None
        self._lock = threading.Lock()  # one login, one refresh at a time per backend

    def __repr__(self) -> str:  # never the password or tokens
        return f"<BlueskyChannel {self.name!r} {self.handle!r} at {self.base_url!r}>"

    def text_length(self, text: str) -> int:
        return int(grapheme.length(text))

    def problems(self) -> list[str]:
        problems = []
        if not self.handle:
            problems.append("No handle: the account's handle, e.g. example.bsky.social.")
        if not self._app_password:
            problems.append("No app_password: create one under Settings → Privacy and security.")
        if len(self.langs) > 3:
            problems.append("At most three langs per post.")
        return problems

    def send(self, message: Message) -> Sent:
        if problems := self.problems():
            raise Refused(" ".join(problems))
        text = social_copy(message)
        if not text:
            raise Refused("Nothing to post: the message has no text, title or URL.")
        length = self.text_length(text)
        if length > MAX_GRAPHEMES:
            raise Refused(f"The post is {length} characters long; Bluesky allows {MAX_GRAPHEMES}.")
        if len(text.encode()) > MAX_BYTES:
            raise Refused(f"The post is over Bluesky's {MAX_BYTES} bytes.")
        record = self._post_record(message, text)
        rkey = record_key(message.idempotency_key)
        with self._lock:
            try:
                sent = self._create_post(record, rkey)
            except AtProtocolError as error:
                raise delivery_error(error) from error
            except httpx.TransportError as error:  # what atproto lets through unwrapped
                raise RetryLater(f"Bluesky could not be reached: {error}") from error
        logger.info("Bluesky channel %s posted %s", self.name, sent.remote_id)
        return sent

    def _post_record(self, message: Message, text: str) -> models.AppBskyFeedPost.Record:
        embed = None
        if message.url:
            embed = models.AppBskyEmbedExternal.Main(
                external=models.AppBskyEmbedExternal.External(
                    uri=message.url, title=message.title, description=message.summary
                )
            )
        return models.AppBskyFeedPost.Record(
            text=text,
            created_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            langs=self.langs or None,
            facets=post_facets(text, message.url) or None,
            embed=embed,
        )

    def _create_post(self, record: models.AppBskyFeedPost.Record, rkey: str) -> Sent:
        session = self._current_session()
        try:
            return self._create_record(session, record, rkey)
        except AtProtocolError as error:
            if not _token_rejected(error):
                raise
        return self._create_record(self._renew(session), record, rkey)

    def _create_record(
        self, session: _Session, record: models.AppBskyFeedPost.Record, rkey: str
    ) -> Sent:
        try:
            created = self._atproto().com.atproto.repo.create_record(
                models.ComAtprotoRepoCreateRecord.Data(
                    repo=session.did, collection=POST_COLLECTION, rkey=rkey, record=record
                ),
                headers=session.authorization(),
            )
        except RequestErrorBase as error:
            if not _may_already_exist(error) or (uri := self._existing(session, rkey)) is None:
                raise
            logger.info("Bluesky channel %s: %s was already posted", self.name, uri)
            return _sent(session, uri)
        return _sent(session, created.uri)

    def _existing(self, session: _Session, rkey: str) -> str | None:
        """The URI of our post under ``rkey`` if the PDS has it (the write of an earlier try
        whose answer was lost)."""
        try:
            found = self._atproto().com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(
                    repo=session.did, collection=POST_COLLECTION, rkey=rkey
                ),
                headers=session.authorization(),
            )
        except AtProtocolError:
            return None
        return str(found.uri)

    def _current_session(self) -> _Session:
        if self._session is None:
            return self._login()
        expires_at = self._session.access_expires_at
        if expires_at is not None and expires_at - time.time() < _RENEW_BEFORE_EXPIRY:
            return self._renew(self._session)
        return self._session

    def _login(self) -> _Session:
        try:
            answer = self._atproto().com.atproto.server.create_session(
                models.ComAtprotoServerCreateSession.Data(
                    identifier=self.handle, password=self._app_password
                )
            )
        except (UnauthorizedError, BadRequestError) as error:
            raise Refused(
                f"Bluesky refused the login of {self.handle}: {_reason(error)}"
            ) from error
        self._session = _Session(answer.did, answer.handle, answer.access_jwt, answer.refresh_jwt)
        return self._session

    def _renew(self, session: _Session) -> _Session:
        """A session with a fresh access token: refreshed, or a new login when the refresh
        token has expired or is rejected."""
        refresh_expires_at = session.refresh_expires_at
        if (
            refresh_expires_at is not None
            and refresh_expires_at - time.time() < _RENEW_BEFORE_EXPIRY
        ):
            return self._login()
        try:
            answer = self._atproto().com.atproto.server.refresh_session(
                headers=session.authorization(session.refresh_jwt)
            )
        except AtProtocolError as error:
            if not _token_rejected(error):
                raise
            return self._login()
        self._session = _Session(answer.did, answer.handle, answer.access_jwt, answer.refresh_jwt)
        return self._session

    def _atproto(self) -> Client:
        """The one atproto client of this backend, built on first use. It holds no session:
        the backend passes its own tokens, so it alone decides when to refresh or log in."""
        if self._client is None:
            self._client = Client(base_url=self.base_url, request=Request(timeout=self.timeout))
        return self._client


def _sent(session: _Session, uri: str) -> Sent:
    rkey = AtUri.from_str(uri).rkey
    return Sent(remote_id=uri, remote_url=f"https://bsky.app/profile/{session.did}/post/{rkey}")


def _xrpc(error: AtProtocolError) -> tuple[int | None, str, str]:
    """The HTTP status, XRPC error name and message of a failed request (None, "", "" when no
    answer came)."""
    response = getattr(error, "response", None)
    if response is None:
        return None, "", ""
    content = response.content
    if isinstance(content, XrpcError):
        return response.status_code, content.error, content.message or ""
    return response.status_code, "", ""


def _reason(error: AtProtocolError) -> str:
    status, name, message = _xrpc(error)
    return ": ".join(part for part in (name, message) if part) or str(status or error)


def _token_rejected(error: AtProtocolError) -> bool:
    status, name, _ = _xrpc(error)
    return name in _TOKEN_ERRORS or (status == 401 and not name)


def _may_already_exist(error: RequestErrorBase) -> bool:
    # The reference PDS answers a create at a taken key with a 500 (its MST refuses the
    # duplicate); other servers may say 400 or 409. A 429 or a token problem is no sign of it.
    status, name, _ = _xrpc(error)
    if status is None or isinstance(error, RateLimitExceededError) or name in _TOKEN_ERRORS:
        return False
    return status >= 500 or status in {400, 409}


def delivery_error(error: AtProtocolError) -> DeliveryError:
    """What an atproto exception means for the caller: try again later, or never."""
    if isinstance(error, RateLimitExceededError):
        retry_after = error.retry_after
        if retry_after is None and error.reset_at is not None:
            retry_after = max((error.reset_at - datetime.now(UTC)).total_seconds(), 0.0)
        return RetryLater("Bluesky rate limit reached", retry_after=retry_after)
    status, _, _ = _xrpc(error)
    if isinstance(error, InvokeTimeoutError) or (
        isinstance(error, NetworkError) and status is None
    ):
        return RetryLater(f"Bluesky could not be reached: {type(error).__name__}")
    if isinstance(error, ModelError):
        return Refused(f"Bluesky answered something unexpected: {error}")
    if status is not None and (status >= 500 or status in {408, 409, 425}):
        return RetryLater(f"Bluesky answered {status}: {_reason(error)}")
    if isinstance(error, RequestException | BadRequestError | UnauthorizedError | NetworkError):
        return Refused(f"Bluesky refused the post ({status}): {_reason(error)}")
    return Refused(f"atproto failed: {error}")

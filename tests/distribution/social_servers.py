"""Local stand-ins for Mastodon and a Bluesky PDS that check each request against the
networks' documented endpoints and answer as documented.

Each server listens on 127.0.0.1 on a free port, records every request, and notes every way a
request breaks the documentation in ``violations`` (answering it as the network would: 422 on
Mastodon, 400 ``InvalidRequest`` on a PDS). The fixtures fail a test that leaves violations.
Faults are queued for the next matching requests: a 429 with the network's rate-limit headers,
a 5xx, an answer that is lost after the request took effect, a slow answer.

Mastodon: https://docs.joinmastodon.org/methods/statuses/#create,
https://docs.joinmastodon.org/api/rate-limits/, https://docs.joinmastodon.org/methods/instance/.
Bluesky: the com.atproto.server.createSession / refreshSession and com.atproto.repo.createRecord
/ getRecord lexicons, https://docs.bsky.app/docs/advanced-guides/posts (facets, embeds) and
https://docs.bsky.app/docs/advanced-guides/rate-limits.
"""

import base64
import hashlib
import html
import itertools
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grapheme

JSON = dict[str, Any]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(
            self.body.decode(), keep_blank_values=True, strict_parsing=True
        )


@dataclass
class Answer:
    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    kind: str  # "status", "rate_limit", "drop", "delay"
    path: str | None  # only requests to this path, or any
    status: int = 500
    body: JSON | None = None
    reset_in: float = 0
    seconds: float = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_HTTPServer"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=url.path,
            query=urllib.parse.parse_qs(url.query),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        answer = self.server.fake.answer(request)
        if answer is None:  # the answer is lost: the connection closes without one
            self.close_connection = True
            return
        payload = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: "FakeServer"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has gone before a slow answer: expected, not worth a trace.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeServer:
    """The HTTP plumbing, the request log and the fault queue shared by both networks."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._http = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._http.fake = self
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    # Faults, each for the next request (to ``path`` when given).
    def fail_next(
        self, status: int = 500, body: JSON | None = None, path: str | None = None
    ) -> None:
        self._faults.append(Fault("status", path, status=status, body=body))

    def rate_limit_next(self, reset_in: float = 120, path: str | None = None) -> None:
        self._faults.append(Fault("rate_limit", path, reset_in=reset_in))

    def lose_next_answer(self, path: str | None = None) -> None:
        """The request takes effect, but its answer never reaches the client."""
        self._faults.append(Fault("drop", path))

    def delay_next(self, seconds: float, path: str | None = None) -> None:
        self._faults.append(Fault("delay", path, seconds=seconds))

    def answer(self, request: RecordedRequest) -> Answer | None:
        with self._lock:
            self.requests.append(request)
            fault = next((f for f in self._faults if f.path in (None, request.path)), None)
            if fault is not None:
                self._faults.remove(fault)
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        if fault is not None and fault.kind == "status":
            return Answer(fault.status, fault.body or self.server_error_body(fault.status))
        if fault is not None and fault.kind == "rate_limit":
            return self.rate_limited(fault.reset_in)
        with self._lock:
            answer = self.route(request)
        return None if fault is not None and fault.kind == "drop" else answer

    def violation(self, what: str) -> None:
        self.violations.append(what)

    # What each network fills in.
    def route(self, request: RecordedRequest) -> Answer:
        raise NotImplementedError

    def rate_limited(self, reset_in: float) -> Answer:
        raise NotImplementedError

    def server_error_body(self, status: int) -> JSON:
        raise NotImplementedError


# Mastodon ---------------------------------------------------------------------------------

MASTODON_STATUS_PARAMS = {
    "status",
    "media_ids[]",
    "sensitive",
    "spoiler_text",
    "visibility",
    "language",
    "in_reply_to_id",
    "scheduled_at",
    "quoted_status_id",
    "quote_approval_policy",
}
MASTODON_VISIBILITIES = {"public", "unlisted", "private", "direct"}
MASTODON_BOOLEANS = {"true", "false", "1", "0", "True", "False"}
_URL = re.compile(r"https?://[^\s<>\"]+")
_ISO_639 = re.compile(r"^[a-z]{2,3}$")


def mastodon_length(text: str, reserved_per_url: int = 23) -> int:
    """Mastodon's count, written apart from the channel's: graphemes, URLs as 23."""
    return int(grapheme.length(_URL.sub("x" * reserved_per_url, text)))


class FakeMastodon(FakeServer):
    """One instance with one account whose token is ``token``."""

    RATE_LIMIT = 300  # requests per 5 minutes, the documented default

    def __init__(self, token: str, max_characters: int = 500) -> None:
        super().__init__()
        self.token = token
        self.max_characters = max_characters
        self.statuses: list[JSON] = []
        self._by_idempotency_key: dict[str, JSON] = {}
        self._ids = itertools.count(113_000_000_000_000_001)

    def route(self, request: RecordedRequest) -> Answer:
        if request.method == "GET" and request.path.rstrip("/") == "/api/v2/instance":
            return self._ok(self._instance())
        if request.method == "POST" and request.path == "/api/v1/statuses":
            return self._create_status(request)
        self.violation(f"{request.method} {request.path} is no endpoint the channel should call")
        return Answer(404, {"error": "Record not found"})

    def rate_limited(self, reset_in: float) -> Answer:
        reset = datetime.fromtimestamp(time.time() + reset_in, UTC)
        return Answer(
            429,
            {"error": "Too many requests"},
            {
                "X-RateLimit-Limit": str(self.RATE_LIMIT),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.isoformat(timespec="microseconds").replace(
                    "+00:00", "Z"
                ),
            },
        )

    def server_error_body(self, status: int) -> JSON:
        return {"error": "We're sorry, but something went wrong on our end."}

    def _ok(self, body: JSON) -> Answer:
        reset = datetime.fromtimestamp((time.time() // 300 + 1) * 300, UTC)
        remaining = self.RATE_LIMIT - len(self.requests) % self.RATE_LIMIT
        return Answer(
            200,
            body,
            {
                "X-RateLimit-Limit": str(self.RATE_LIMIT),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": reset.isoformat(timespec="microseconds").replace(
                    "+00:00", "Z"
                ),
            },
        )

    def _create_status(self, request: RecordedRequest) -> Answer:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Answer(401, {"error": "The access token is invalid"})
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type != "application/x-www-form-urlencoded":
            self.violation(f"POST /api/v1/statuses sent as {content_type!r}, not form data")
            return Answer(422, {"error": "Validation failed: Text can't be blank"})
        try:
            form = request.form()
        except ValueError as error:
            self.violation(f"POST /api/v1/statuses form does not parse: {error}")
            return Answer(422, {"error": "Validation failed: Text can't be blank"})
        if unknown := set(form) - MASTODON_STATUS_PARAMS:
            self.violation(f"POST /api/v1/statuses has undocumented parameters {sorted(unknown)}")
        if repeated := [
            name for name, values in form.items() if len(values) > 1 and name[-2:] != "[]"
        ]:
            self.violation(f"POST /api/v1/statuses repeats {repeated}")
        params = {name: values[0] for name, values in form.items()}
        key = request.headers.get("idempotency-key")
        if not key:
            self.violation("POST /api/v1/statuses without an Idempotency-Key header")
        elif key in self._by_idempotency_key:  # Mastodon keeps keys for an hour
            return self._ok(self._by_idempotency_key[key])
        text = params.get("status", "")
        if not text.strip():
            return Answer(422, {"error": "Validation failed: Text can't be blank"})
        if mastodon_length(text) > self.max_characters:
            return Answer(
                422,
                {
                    "error": "Validation failed: Text character limit of"
                    f" {self.max_characters} exceeded"
                },
            )
        visibility = params.get("visibility", "public")
        if visibility not in MASTODON_VISIBILITIES:
            self.violation(f"visibility {visibility!r} is not documented")
            return Answer(
                422, {"error": "Validation failed: Visibility is not included in the list"}
            )
        if "language" in params and not _ISO_639.match(params["language"]):
            self.violation(f"language {params['language']!r} is no ISO 639 code")
        if "sensitive" in params and params["sensitive"] not in MASTODON_BOOLEANS:
            self.violation(f"sensitive {params['sensitive']!r} is no boolean")
        status = self._status(text, visibility, params.get("language"))
        self.statuses.append(status)
        if key:
            self._by_idempotency_key[key] = status
        return self._ok(status)

    def _status(self, text: str, visibility: str, language: str | None) -> JSON:
        status_id = str(next(self._ids))
        paragraphs = "".join(
            f"<p>{_URL.sub(lambda m: _mastodon_link(m.group()), html.escape(p, quote=False))}</p>"
            for p in text.split("\n\n")
        ).replace("\n", "<br />")
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {
            "id": status_id,
            "uri": f"{self.url}/users/commonground/statuses/{status_id}",
            "url": f"{self.url}/@commonground/{status_id}",
            "created_at": now,
            "account": {
                "id": "109000000000000001",
                "username": "commonground",
                "acct": "commonground",
                "display_name": "Common Ground",
                "url": f"{self.url}/@commonground",
            },
            "content": paragraphs,
            "visibility": visibility,
            "sensitive": False,
            "spoiler_text": "",
            "media_attachments": [],
            "application": {"name": "CommonGround", "website": None},
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "reblog": None,
            "poll": None,
            "card": None,
            "language": language,
            "text": None,
            "edited_at": None,
        }

    def _instance(self) -> JSON:
        return {
            "domain": "127.0.0.1",
            "title": "Local Mastodon",
            "version": "4.3.0",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A stand-in instance for tests.",
            "usage": {"users": {"active_month": 1}},
            "thumbnail": {"url": f"{self.url}/thumbnail.png"},
            "languages": ["en"],
            "configuration": {
                "urls": {"streaming": "ws://127.0.0.1"},
                "accounts": {"max_featured_tags": 10},
                "statuses": {
                    "max_characters": self.max_characters,
                    "max_media_attachments": 4,
                    "characters_reserved_per_url": 23,
                },
                "translation": {"enabled": False},
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": "admin@example.org", "account": None},
            "rules": [],
        }


def _mastodon_link(url: str) -> str:
    return f'<a href="{url}" rel="nofollow noopener" target="_blank">{url}</a>'


# Bluesky ----------------------------------------------------------------------------------

_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
_FEATURES = {
    "app.bsky.richtext.facet#link": "uri",
    "app.bsky.richtext.facet#mention": "did",
    "app.bsky.richtext.facet#tag": "tag",
}
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def _jwt(claims: JSON) -> str:
    def part(value: JSON | bytes) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return ".".join(
        (part({"typ": "at+jwt", "alg": "ES256K"}), part(claims), part(secrets.token_bytes(64)))
    )


def _cid(data: Any) -> str:
    """A CIDv1 (dag-cbor, sha2-256) in base32, as a PDS names a record's version."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).digest()
    raw = bytes([0x01, 0x71, 0x12, 0x20]) + digest
    bits = "".join(f"{byte:08b}" for byte in raw)
    bits += "0" * (-len(bits) % 5)
    return "b" + "".join(_BASE32[int(bits[i : i + 5], 2)] for i in range(0, len(bits), 5))


@dataclass
class _Token:
    did: str
    kind: str  # "access" or "refresh"
    expired: bool = False


class FakePDS(FakeServer):
    """A personal data server holding one account, ``handle`` with ``app_password``."""

    DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
    WRITE_POLICY = (5000, 3600)  # points per hour for repo writes (createRecord costs 3)

    def __init__(self, handle: str, app_password: str, access_ttl: float = 7200) -> None:
        super().__init__()
        self.handle = handle
        self.app_password = app_password
        self.access_ttl = access_ttl
        self.records: dict[str, JSON] = {}  # rkey -> {"uri", "cid", "value"}
        self.sessions: list[JSON] = []  # every createSession / refreshSession answer
        self._tokens: dict[str, _Token] = {}

    def expire_access_tokens(self) -> None:
        for token in self._tokens.values():
            if token.kind == "access":
                token.expired = True

    def expire_refresh_tokens(self) -> None:
        for token in self._tokens.values():
            if token.kind == "refresh":
                token.expired = True

    def route(self, request: RecordedRequest) -> Answer:
        routes = {
            ("POST", "/xrpc/com.atproto.server.createSession"): self._create_session,
            ("POST", "/xrpc/com.atproto.server.refreshSession"): self._refresh_session,
            ("POST", "/xrpc/com.atproto.repo.createRecord"): self._create_record,
            ("GET", "/xrpc/com.atproto.repo.getRecord"): self._get_record,
        }
        handler = routes.get((request.method, request.path))
        if handler is None:
            self.violation(
                f"{request.method} {request.path} is no endpoint the channel should call"
            )
            return Answer(
                501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}
            )
        return handler(request)

    def rate_limited(self, reset_in: float) -> Answer:
        return Answer(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            self._rate_limit_headers(remaining=0, reset=int(time.time() + reset_in)),
        )

    def server_error_body(self, status: int) -> JSON:
        return {"error": "InternalServerError", "message": "Internal Server Error"}

    def _rate_limit_headers(self, remaining: int, reset: int) -> dict[str, str]:
        limit, window = self.WRITE_POLICY
        return {
            "ratelimit-limit": str(limit),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(reset),
            "ratelimit-policy": f"{limit};w={window}",
        }

    def _ok(self, body: JSON) -> Answer:
        reset = int(time.time() // 3600 + 1) * 3600
        return Answer(200, body, self._rate_limit_headers(remaining=4997, reset=reset))

    def _invalid(self, what: str) -> Answer:
        self.violation(what)
        return Answer(400, {"error": "InvalidRequest", "message": what})

    def _json_body(self, request: RecordedRequest) -> JSON | None:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            self.violation(f"{request.path} body is not application/json")
            return None
        try:
            body = request.json()
        except ValueError:
            self.violation(f"{request.path} body is not JSON")
            return None
        if not isinstance(body, dict):
            self.violation(f"{request.path} body is not a JSON object")
            return None
        return body

    def _session(self) -> JSON:
        now = int(time.time())
        access = _jwt(
            {
                "scope": "com.atproto.appPass",
                "sub": self.DID,
                "iat": now,
                "exp": int(now + self.access_ttl),
            }
        )
        refresh = _jwt(
            {"scope": "com.atproto.refresh", "sub": self.DID, "iat": now, "exp": now + 90 * 86400}
        )
        self._tokens[access] = _Token(self.DID, "access")
        self._tokens[refresh] = _Token(self.DID, "refresh")
        session = {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": self.handle,
            "did": self.DID,
            "active": True,
        }
        self.sessions.append(session)
        return session

    def _bearer(self, request: RecordedRequest, kind: str) -> Answer | None:
        """None when the request carries a valid token of ``kind``, else the PDS's answer."""
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return Answer(401, {"error": "AuthMissing", "message": "Authentication Required"})
        token = self._tokens.get(authorization.removeprefix("Bearer "))
        if token is None:
            return Answer(401, {"error": "InvalidToken", "message": "Token could not be verified"})
        if token.kind != kind:
            return Answer(400, {"error": "InvalidToken", "message": "Invalid token type"})
        if token.expired:
            return Answer(400, {"error": "ExpiredToken", "message": "Token has expired"})
        return None

    def _create_session(self, request: RecordedRequest) -> Answer:
        body = self._json_body(request)
        if body is None:
            return Answer(400, {"error": "InvalidRequest", "message": "Invalid body"})
        for name in ("identifier", "password"):
            if not isinstance(body.get(name), str):
                return self._invalid(f"createSession: {name} must be a string")
        if unknown := set(body) - {"identifier", "password", "authFactorToken", "allowTakendown"}:
            self.violation(f"createSession: undocumented fields {sorted(unknown)}")
        if (
            body["identifier"] not in (self.handle, self.DID)
            or body["password"] != self.app_password
        ):
            return Answer(
                401,
                {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            )
        return self._ok(self._session())

    def _refresh_session(self, request: RecordedRequest) -> Answer:
        if request.body:
            self.violation("refreshSession takes no input")
        if (refused := self._bearer(request, "refresh")) is not None:
            return refused
        token = request.headers["authorization"].removeprefix("Bearer ")
        del self._tokens[token]  # a refresh token is good for one refresh
        return self._ok(self._session())

    def _create_record(self, request: RecordedRequest) -> Answer:
        if (refused := self._bearer(request, "access")) is not None:
            return refused
        body = self._json_body(request)
        if body is None:
            return Answer(400, {"error": "InvalidRequest", "message": "Invalid body"})
        if unknown := set(body) - {
            "repo",
            "collection",
            "rkey",
            "validate",
            "record",
            "swapCommit",
        }:
            self.violation(f"createRecord: undocumented fields {sorted(unknown)}")
        if body.get("repo") not in (self.DID, self.handle):
            return self._invalid(f"createRecord: repo {body.get('repo')!r} is not the session's")
        if body.get("collection") != "app.bsky.feed.post":
            return self._invalid(f"createRecord: collection {body.get('collection')!r}")
        if "validate" in body and not isinstance(body["validate"], bool):
            return self._invalid("createRecord: validate must be a boolean")
        rkey = body.get("rkey")
        if rkey is not None and not (isinstance(rkey, str) and _TID.match(rkey)):
            return self._invalid(
                f"createRecord: rkey {rkey!r} is no TID (app.bsky.feed.post keys are)"
            )
        record = body.get("record")
        if not isinstance(record, dict):
            return self._invalid("createRecord: record must be an object")
        if problem := post_record_problem(record):
            return self._invalid(f"Invalid app.bsky.feed.post record: {problem}")
        rkey = rkey or self._next_tid()
        if rkey in self.records:
            # The reference PDS: its MST refuses a second value at the key, an unhandled error.
            return Answer(500, {"error": "InternalServerError", "message": "Internal Server Error"})
        uri = f"at://{self.DID}/app.bsky.feed.post/{rkey}"
        cid = _cid(record)
        self.records[rkey] = {"uri": uri, "cid": cid, "value": record}
        return self._ok(
            {
                "uri": uri,
                "cid": cid,
                "commit": {"cid": _cid([uri, cid]), "rev": self._next_tid()},
                "validationStatus": "valid",
            }
        )

    def _get_record(self, request: RecordedRequest) -> Answer:
        params = {name: values[0] for name, values in request.query.items()}
        if missing := {"repo", "collection", "rkey"} - set(params):
            return self._invalid(f"getRecord: missing parameters {sorted(missing)}")
        if params["repo"] not in (self.DID, self.handle):
            return Answer(
                400, {"error": "RepoNotFound", "message": f"Could not find repo: {params['repo']}"}
            )
        stored = (
            self.records.get(params["rkey"])
            if params["collection"] == "app.bsky.feed.post"
            else None
        )
        if stored is None:
            uri = f"at://{self.DID}/{params['collection']}/{params['rkey']}"
            return Answer(
                400, {"error": "RecordNotFound", "message": f"Could not locate record: {uri}"}
            )
        return self._ok(stored)

    def _next_tid(self) -> str:
        tid = (time.time_ns() // 1000) << 10 | secrets.randbelow(1024)
        return "".join(
            "234567abcdefghijklmnopqrstuvwxyz"[(tid >> s) & 31] for s in range(60, -1, -5)
        )


def post_record_problem(record: JSON) -> str | None:
    """What is wrong with an app.bsky.feed.post record, per its lexicon, or None."""
    if record.get("$type") != "app.bsky.feed.post":
        return f"$type must be app.bsky.feed.post, not {record.get('$type')!r}"
    text = record.get("text")
    if not isinstance(text, str):
        return "text must be a string"
    if grapheme.length(text) > 300 or len(text.encode()) > 3000:
        return "text is longer than 300 graphemes or 3000 bytes"
    created_at = record.get("createdAt")
    if not (isinstance(created_at, str) and _DATETIME.match(created_at)):
        return f"createdAt {created_at!r} is no datetime with a timezone"
    langs = record.get("langs")
    if langs is not None and not (
        isinstance(langs, list)
        and len(langs) <= 3
        and all(isinstance(x, str) and _LANGUAGE.match(x) for x in langs)
    ):
        return f"langs {langs!r} is no list of up to 3 language tags"
    if "facets" in record and (problem := _facets_problem(text, record["facets"])):
        return problem
    if "embed" in record and (problem := _embed_problem(record["embed"])):
        return problem
    return None


def _facets_problem(text: str, facets: Any) -> str | None:
    if not isinstance(facets, list):
        return "facets must be a list"
    encoded = text.encode()
    for facet in facets:
        if (
            not isinstance(facet, dict)
            or facet.get("$type", "app.bsky.richtext.facet") != "app.bsky.richtext.facet"
        ):
            return f"facet {facet!r} is no app.bsky.richtext.facet"
        index = facet.get("index")
        if not isinstance(index, dict) or index.get(
            "$type", "app.bsky.richtext.facet#byteSlice"
        ) != ("app.bsky.richtext.facet#byteSlice"):
            return f"facet index {index!r} is no byteSlice"
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not (type(start) is int and type(end) is int and 0 <= start < end <= len(encoded)):
            return f"facet bytes {start!r}-{end!r} are not inside the text's {len(encoded)}"
        try:
            encoded[start:end].decode()
        except UnicodeDecodeError:
            return f"facet bytes {start}-{end} split a character"
        features = facet.get("features")
        if not isinstance(features, list) or not features:
            return "facet features must be a non-empty list"
        for feature in features:
            kind = feature.get("$type") if isinstance(feature, dict) else None
            if kind not in _FEATURES or not isinstance(feature.get(_FEATURES[kind]), str):
                return f"facet feature {feature!r} is no link, mention or tag"
            if kind == "app.bsky.richtext.facet#link" and not _is_uri(feature["uri"]):
                return f"link {feature['uri']!r} is no URI"
    return None


def _embed_problem(embed: Any) -> str | None:
    if not isinstance(embed, dict) or embed.get("$type") != "app.bsky.embed.external":
        return f"embed {embed!r} is not the app.bsky.embed.external the channel sends"
    external = embed.get("external")
    if not isinstance(external, dict):
        return "embed.external must be an object"
    if (
        external.get("$type", "app.bsky.embed.external#external")
        != "app.bsky.embed.external#external"
    ):
        return f"embed.external $type {external.get('$type')!r}"
    for name in ("uri", "title", "description"):
        if not isinstance(external.get(name), str):
            return f"embed.external.{name} must be a string"
    if not _is_uri(external["uri"]):
        return f"embed.external.uri {external['uri']!r} is no URI"
    return None


def _is_uri(value: str) -> bool:
    parts = urllib.parse.urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)

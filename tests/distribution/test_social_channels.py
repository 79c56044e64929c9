"""The social channels through their real client libraries (Mastodon.py, atproto) against local
servers that check each request against the networks' documentation (``social_servers``)."""

import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from mastodon import Mastodon

from commonground.distribution.channels import Message, Refused, RetryLater, Sent, get_channel
from commonground.distribution.channels.bluesky import BlueskyChannel, record_key
from commonground.distribution.channels.manual import ManualChannel
from commonground.distribution.channels.mastodon import MastodonChannel

from .social_servers import FakeMastodon, FakePDS, post_record_problem

TOKEN = "mastodon-token-" + "s3cr3t" * 4
HANDLE = "commonground.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
URL = "https://commonground.org/blog/spring-launch/?utm_source=social&utm_medium=organic"

STATUSES = "/api/v1/statuses"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "/xrpc/com.atproto.server.refreshSession"
CREATE_RECORD = "/xrpc/com.atproto.repo.createRecord"
GET_RECORD = "/xrpc/com.atproto.repo.getRecord"


def message(
    text: str = "Spring is here: our launch post.", *, key: str = "plan-1:social:", url: str = URL
) -> Message:
    return Message(
        idempotency_key=key,
        title="Spring launch",
        url=url,
        text=text,
        summary="Everything new this spring.",
    )


@pytest.fixture
def mastodon_server() -> Iterator[FakeMastodon]:
    server = FakeMastodon(token=TOKEN)
    server.start()
    yield server
    server.stop()
    assert server.violations == []


@pytest.fixture
def pds() -> Iterator[FakePDS]:
    server = FakePDS(handle=HANDLE, app_password=APP_PASSWORD)
    server.start()
    yield server
    server.stop()
    assert server.violations == []


def mastodon(server: FakeMastodon, **options: object) -> MastodonChannel:
    defaults: dict[str, object] = {
        "api_base_url": server.url,
        "access_token": TOKEN,
        "max_characters": 500,
        "language": "en",
        "timeout": 2,
    }
    return MastodonChannel("mastodon", **(defaults | options))


def bluesky(server: FakePDS, **options: object) -> BlueskyChannel:
    defaults: dict[str, object] = {
        "base_url": server.url,
        "handle": HANDLE,
        "app_password": APP_PASSWORD,
        "langs": ["en"],
        "timeout": 2,
    }
    return BlueskyChannel("bluesky", **(defaults | options))


def paths(server: FakeMastodon | FakePDS) -> list[str]:
    return [request.path for request in server.requests]


# Mastodon ---------------------------------------------------------------------------------


def test_mastodon_posts_the_documented_request(mastodon_server: FakeMastodon) -> None:
    sent = mastodon(mastodon_server).send(message(key="plan-1:mastodon:"))

    (request,) = mastodon_server.requests
    assert (request.method, request.path) == ("POST", STATUSES)
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["idempotency-key"] == "plan-1:mastodon:"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form() == {
        "status": [f"Spring is here: our launch post.\n{URL}"],
        "visibility": ["public"],
        "language": ["en"],
        "sensitive": ["0"],
    }
    (status,) = mastodon_server.statuses
    assert sent == Sent(remote_id=status["id"], remote_url=status["url"])


def test_mastodon_does_not_repeat_a_url_the_copy_carries(mastodon_server: FakeMastodon) -> None:
    mastodon(mastodon_server).send(message(f"Read {URL} today"))

    assert mastodon_server.requests[0].form()["status"] == [f"Read {URL} today"]


def test_mastodon_rate_limit_is_retry_later_without_a_second_request(
    mastodon_server: FakeMastodon,
) -> None:
    mastodon_server.rate_limit_next(reset_in=120)

    with pytest.raises(RetryLater) as raised:
        mastodon(mastodon_server).send(message())

    # X-RateLimit-Reset is ISO 8601; Mastodon.py aligns it with the server's Date (1 s steps).
    assert raised.value.retry_after is not None
    assert 117 <= raised.value.retry_after <= 121
    assert paths(mastodon_server) == [STATUSES]
    assert mastodon_server.statuses == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_mastodon_server_errors_are_retry_later(mastodon_server: FakeMastodon, status: int) -> None:
    mastodon_server.fail_next(status)

    with pytest.raises(RetryLater):
        mastodon(mastodon_server).send(message())
    assert len(mastodon_server.requests) == 1


def test_mastodon_timeout_is_retry_later(mastodon_server: FakeMastodon) -> None:
    mastodon_server.delay_next(1.5)
    started = time.monotonic()

    with pytest.raises(RetryLater):
        mastodon(mastodon_server, timeout=0.3).send(message())
    assert time.monotonic() - started < 1.2


def test_mastodon_unreachable_is_retry_later(mastodon_server: FakeMastodon) -> None:
    channel = mastodon(mastodon_server)
    mastodon_server.stop()

    with pytest.raises(RetryLater):
        channel.send(message())


def test_mastodon_retry_after_a_lost_answer_posts_once(mastodon_server: FakeMastodon) -> None:
    channel = mastodon(mastodon_server)
    mastodon_server.lose_next_answer()

    with pytest.raises(RetryLater):
        channel.send(message(key="plan-7:mastodon:"))
    sent = channel.send(message(key="plan-7:mastodon:"))

    (status,) = mastodon_server.statuses
    assert sent.remote_id == status["id"]
    assert [r.headers["idempotency-key"] for r in mastodon_server.requests] == [
        "plan-7:mastodon:"
    ] * 2


def test_mastodon_refuses_text_over_the_limit_before_any_request(
    mastodon_server: FakeMastodon,
) -> None:
    with pytest.raises(Refused, match="501 characters"):
        mastodon(mastodon_server).send(message("x" * 501, url=""))
    assert mastodon_server.requests == []


def test_mastodon_counts_every_url_as_23(mastodon_server: FakeMastodon) -> None:
    channel = mastodon(mastodon_server)
    long_url = "https://commonground.org/" + "a" * 300

    assert channel.text_length(f"Hello {long_url}") == len("Hello ") + 23
    assert channel.text_length("café 👩‍👩‍👧‍👦") == 6  # grapheme clusters, as Mastodon
    # 476 characters, a space and a 329-character URL: 500 as Mastodon counts, so it goes out.
    channel.send(message("x" * 476 + " " + long_url, url=""))
    assert len(mastodon_server.statuses) == 1


def test_mastodon_reads_the_instance_limit_once(mastodon_server: FakeMastodon) -> None:
    mastodon_server.max_characters = 1000
    channel = mastodon(mastodon_server, max_characters=None)

    channel.send(message("x" * 900, url="", key="a"))
    with pytest.raises(Refused, match="allows 1000"):
        channel.send(message("x" * 1001, url="", key="b"))

    assert channel.max_length == 1000
    assert paths(mastodon_server) == ["/api/v2/instance/", STATUSES]


def test_mastodon_without_instance_limits_counts_to_500(mastodon_server: FakeMastodon) -> None:
    mastodon_server.fail_next(404, {"error": "Record not found"}, path="/api/v2/instance/")
    channel = mastodon(mastodon_server, max_characters=None)

    with pytest.raises(Refused, match="allows 500"):
        channel.send(message("x" * 501, url=""))
    channel.send(message("x" * 500, url=""))
    assert paths(mastodon_server) == ["/api/v2/instance/", STATUSES]


def test_mastodon_rate_limited_instance_read_is_retry_later(mastodon_server: FakeMastodon) -> None:
    mastodon_server.rate_limit_next(reset_in=30)

    with pytest.raises(RetryLater) as raised:
        mastodon(mastodon_server, max_characters=None).send(message())
    assert raised.value.retry_after is not None and raised.value.retry_after <= 31
    assert paths(mastodon_server) == ["/api/v2/instance/"]


def test_social_channels_refuse_an_empty_post(mastodon_server: FakeMastodon, pds: FakePDS) -> None:
    empty = Message(idempotency_key="k", title="", url="")

    for channel in (mastodon(mastodon_server), bluesky(pds)):
        with pytest.raises(Refused, match="Nothing to post"):
            channel.send(empty)
    assert mastodon_server.requests == pds.requests == []


def test_mastodon_refuses_a_bad_token_with_the_servers_message(
    mastodon_server: FakeMastodon,
) -> None:
    with pytest.raises(Refused, match="The access token is invalid"):
        mastodon(mastodon_server, access_token="revoked").send(message())


def test_mastodon_refuses_a_validation_error_with_the_servers_message(
    mastodon_server: FakeMastodon,
) -> None:
    mastodon_server.fail_next(422, {"error": "Validation failed: Language is not supported"})

    with pytest.raises(Refused, match="Language is not supported"):
        mastodon(mastodon_server).send(message())


def test_mastodon_configuration_problems_are_refused_without_a_request(
    mastodon_server: FakeMastodon,
) -> None:
    channel = MastodonChannel("mastodon", visibility="everyone")

    assert len(channel.problems()) == 3
    with pytest.raises(Refused, match="access_token"):
        channel.send(message())
    assert mastodon_server.requests == []


def test_mastodon_never_logs_the_token(
    mastodon_server: FakeMastodon, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = mastodon(mastodon_server)
    mastodon_server.fail_next(503)

    with pytest.raises(RetryLater) as raised:
        channel.send(message())
    channel.send(message())

    assert caplog.records  # urllib3 and the channel did log
    assert TOKEN not in caplog.text
    assert TOKEN not in str(raised.value) + repr(channel)


# Bluesky ----------------------------------------------------------------------------------


def test_bluesky_logs_in_and_creates_the_documented_record(pds: FakePDS) -> None:
    sent = bluesky(pds).send(message(key="plan-1:bluesky:"))

    login, create = pds.requests
    assert (login.method, login.path) == ("POST", CREATE_SESSION)
    assert login.json() == {"identifier": HANDLE, "password": APP_PASSWORD}
    assert (create.method, create.path) == ("POST", CREATE_RECORD)
    assert create.headers["authorization"] == f"Bearer {pds.sessions[0]['accessJwt']}"
    body = create.json()
    rkey = record_key("plan-1:bluesky:")
    assert {k: body[k] for k in ("repo", "collection", "rkey")} == {
        "repo": FakePDS.DID,
        "collection": "app.bsky.feed.post",
        "rkey": rkey,
    }
    record = body["record"]
    text = f"Spring is here: our launch post.\n{URL}"
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == text
    assert record["langs"] == ["en"]
    assert abs(datetime.fromisoformat(record["createdAt"]).timestamp() - time.time()) < 10
    (facet,) = record["facets"]
    start = len("Spring is here: our launch post.\n")
    assert facet["index"]["byteStart"] == start
    assert facet["index"]["byteEnd"] == start + len(URL)
    assert facet["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": URL}]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert {k: record["embed"]["external"][k] for k in ("uri", "title", "description")} == {
        "uri": URL,
        "title": "Spring launch",
        "description": "Everything new this spring.",
    }
    uri = f"at://{FakePDS.DID}/app.bsky.feed.post/{rkey}"
    assert sent == Sent(
        remote_id=uri, remote_url=f"https://bsky.app/profile/{FakePDS.DID}/post/{rkey}"
    )
    assert pds.records[rkey]["value"] == record


def test_bluesky_keeps_its_session(pds: FakePDS) -> None:
    channel = bluesky(pds)

    channel.send(message(key="a"))
    channel.send(message(key="b"))

    assert paths(pds) == [CREATE_SESSION, CREATE_RECORD, CREATE_RECORD]
    assert len(pds.records) == 2


def test_bluesky_facet_offsets_are_utf8_bytes(pds: FakePDS) -> None:
    before = "Café, crème brûlée 🇫🇷 and 👩‍👩‍👧‍👦 — read "
    bluesky(pds).send(message(f"{before}{URL} #spring"))

    record = pds.requests_to(CREATE_RECORD)[0].json()["record"]
    link, tag = record["facets"]
    encoded = record["text"].encode()
    assert link["index"]["byteStart"] == len(before.encode()) != len(before)
    assert encoded[link["index"]["byteStart"] : link["index"]["byteEnd"]] == URL.encode()
    assert tag["features"] == [{"$type": "app.bsky.richtext.facet#tag", "tag": "spring"}]
    assert encoded[tag["index"]["byteStart"] : tag["index"]["byteEnd"]] == b"#spring"


def test_bluesky_counts_graphemes(pds: FakePDS) -> None:
    channel = bluesky(pds)

    assert channel.text_length("👩‍👩‍👧‍👦") == 1  # a family: seven code points
    assert channel.text_length("e\u0301") == 1  # e and a combining acute accent
    assert channel.text_length("🇫🇷🇩🇪") == 2
    channel.send(message("e\u0301" * 300, url=""))  # 600 code points, 300 graphemes
    assert len(pds.records) == 1


def test_bluesky_refuses_text_over_300_graphemes_before_any_request(pds: FakePDS) -> None:
    with pytest.raises(Refused, match="301 characters"):
        bluesky(pds).send(message("e\u0301" * 301, url=""))
    with pytest.raises(Refused, match="3000 bytes"):
        bluesky(pds).send(message("👩‍👩‍👧‍👦" * 200, url=""))  # 200 graphemes, 5000 bytes
    assert pds.requests == []


def test_bluesky_rate_limit_is_retry_later_without_a_second_request(pds: FakePDS) -> None:
    channel = bluesky(pds)
    channel.send(message(key="a"))
    pds.requests.clear()
    pds.rate_limit_next(reset_in=300)

    with pytest.raises(RetryLater) as raised:
        channel.send(message(key="b"))

    assert raised.value.retry_after is not None
    assert 298 <= raised.value.retry_after <= 300  # ratelimit-reset is in whole epoch seconds
    assert paths(pds) == [CREATE_RECORD]


def test_bluesky_rate_limited_login_is_retry_later(pds: FakePDS) -> None:
    pds.rate_limit_next(reset_in=60, path=CREATE_SESSION)

    with pytest.raises(RetryLater) as raised:
        bluesky(pds).send(message())
    assert raised.value.retry_after is not None and 58 <= raised.value.retry_after <= 60
    assert paths(pds) == [CREATE_SESSION]


def test_bluesky_retry_after_a_lost_answer_posts_once(pds: FakePDS) -> None:
    channel = bluesky(pds)
    pds.lose_next_answer(path=CREATE_RECORD)

    with pytest.raises(RetryLater):
        channel.send(message(key="plan-7:bluesky:"))
    sent = channel.send(message(key="plan-7:bluesky:"))

    (stored,) = pds.records.values()
    assert sent.remote_id == stored["uri"]
    # The second create hit the taken key (500 from the PDS); the record was read back.
    assert paths(pds) == [CREATE_SESSION, CREATE_RECORD, CREATE_RECORD, GET_RECORD]
    assert pds.requests[3].query["rkey"] == [record_key("plan-7:bluesky:")]


def test_bluesky_server_error_is_retry_later(pds: FakePDS) -> None:
    pds.fail_next(502, path=CREATE_RECORD)

    with pytest.raises(RetryLater):
        bluesky(pds).send(message())
    assert pds.records == {}


def test_bluesky_timeout_and_unreachable_are_retry_later(pds: FakePDS) -> None:
    pds.delay_next(1.5, path=CREATE_SESSION)
    with pytest.raises(RetryLater):
        bluesky(pds, timeout=0.3).send(message())

    channel = bluesky(pds)
    pds.stop()
    with pytest.raises(RetryLater):
        channel.send(message())


def test_bluesky_refreshes_a_rejected_access_token(pds: FakePDS) -> None:
    channel = bluesky(pds)
    channel.send(message(key="a"))
    pds.expire_access_tokens()

    channel.send(message(key="b"))

    assert paths(pds)[2:] == [CREATE_RECORD, REFRESH_SESSION, CREATE_RECORD]
    first, renewed = pds.sessions
    assert pds.requests[3].headers["authorization"] == f"Bearer {first['refreshJwt']}"
    assert pds.requests[4].headers["authorization"] == f"Bearer {renewed['accessJwt']}"
    assert len(pds.records) == 2


def test_bluesky_logs_in_again_when_the_refresh_token_is_rejected_too(pds: FakePDS) -> None:
    channel = bluesky(pds)
    channel.send(message(key="a"))
    pds.expire_access_tokens()
    pds.expire_refresh_tokens()

    channel.send(message(key="b"))

    assert paths(pds)[2:] == [CREATE_RECORD, REFRESH_SESSION, CREATE_SESSION, CREATE_RECORD]
    assert len(pds.records) == 2


def test_bluesky_refreshes_an_access_token_about_to_expire(pds: FakePDS) -> None:
    pds.access_ttl = 30  # the channel renews tokens with less than a minute left
    channel = bluesky(pds)
    channel.send(message(key="a"))

    channel.send(message(key="b"))

    assert paths(pds) == [CREATE_SESSION, CREATE_RECORD, REFRESH_SESSION, CREATE_RECORD]


def test_bluesky_refuses_bad_credentials(pds: FakePDS) -> None:
    with pytest.raises(Refused, match="Invalid identifier or password"):
        bluesky(pds, app_password="wrong").send(message())
    assert paths(pds) == [CREATE_SESSION]


def test_bluesky_refuses_what_the_pds_calls_invalid(pds: FakePDS) -> None:
    channel = bluesky(pds)
    channel.send(message(key="a"))
    pds.fail_next(
        400,
        {"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record"},
        CREATE_RECORD,
    )

    with pytest.raises(Refused, match=r"Invalid app\.bsky\.feed\.post record"):
        channel.send(message(key="b"))
    # It first made sure the post was not there already.
    assert paths(pds)[2:] == [CREATE_RECORD, GET_RECORD]


def test_bluesky_record_keys_are_stable_tids() -> None:
    key = record_key("plan-1:bluesky:")

    assert key == record_key("plan-1:bluesky:") != record_key("plan-2:bluesky:")
    assert len(key) == 13 and key[0] in "234567abcdefghij"
    assert set(key) <= set("234567abcdefghijklmnopqrstuvwxyz")


def test_bluesky_configuration_problems_are_refused(pds: FakePDS) -> None:
    channel = BlueskyChannel("bluesky", base_url=pds.url)

    with pytest.raises(Refused, match="app_password"):
        channel.send(message())
    assert pds.requests == []


# The fake servers' checks bite --------------------------------------------------------------


def test_the_fake_pds_rejects_a_facet_that_splits_a_character() -> None:
    record = {
        "$type": "app.bsky.feed.post",
        "text": "é https://example.org",
        "createdAt": "2025-03-01T12:00:00.000Z",
        "facets": [
            {
                "index": {"byteStart": 1, "byteEnd": 22},
                "features": [
                    {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org"}
                ],
            }
        ],
    }
    assert post_record_problem(record) == "facet bytes 1-22 split a character"
    record["facets"][0]["index"] = {"byteStart": 3, "byteEnd": 22}  # type: ignore[index]
    assert post_record_problem(record) is None


def test_the_fake_mastodon_flags_a_status_without_idempotency_key(
    mastodon_server: FakeMastodon,
) -> None:
    client = Mastodon(api_base_url=mastodon_server.url, access_token=TOKEN)
    client.status_post("no key")

    assert mastodon_server.violations == ["POST /api/v1/statuses without an Idempotency-Key header"]
    mastodon_server.violations.clear()


# Manual, and all three through DISTRIBUTION_CHANNELS ---------------------------------------------


def test_manual_channel_prepares_the_copy_to_paste() -> None:
    channel = ManualChannel("linkedin", label="LinkedIn", max_length=3000)

    assert channel.send(message()) == Sent(detail=f"Spring is here: our launch post.\n{URL}")
    assert channel.send(message(f"See {URL}")).detail == f"See {URL}"
    assert channel.send(message("")).detail == f"Spring launch\n{URL}"  # the title stands in
    assert channel.label == "LinkedIn"


def test_manual_channel_refuses_copy_over_its_limit() -> None:
    channel = ManualChannel("instagram", label="Instagram", max_length=40)

    with pytest.raises(Refused, match="Instagram allows 40"):
        channel.send(message())


def test_channels_are_built_from_settings(
    settings: Any, mastodon_server: FakeMastodon, pds: FakePDS
) -> None:
    settings.DISTRIBUTION_CHANNELS = {
        "mastodon": {
            "BACKEND": "commonground.distribution.channels.mastodon.MastodonChannel",
            "OPTIONS": {
                "api_base_url": mastodon_server.url,
                "access_token": TOKEN,
                "max_characters": 500,
            },
        },
        "bluesky": {
            "BACKEND": "commonground.distribution.channels.bluesky.BlueskyChannel",
            "OPTIONS": {"base_url": pds.url, "handle": HANDLE, "app_password": APP_PASSWORD},
        },
        "linkedin": {
            "BACKEND": "commonground.distribution.channels.manual.ManualChannel",
            "OPTIONS": {"label": "LinkedIn", "max_length": 3000},
        },
    }
    get_channel.cache_clear()
    try:
        assert (
            get_channel("mastodon").send(message()).remote_id == mastodon_server.statuses[0]["id"]
        )
        assert get_channel("bluesky").send(message()).remote_id.startswith(f"at://{FakePDS.DID}/")
        assert get_channel("linkedin").send(message()).detail.endswith(URL)
        assert [get_channel(n).max_length for n in ("mastodon", "bluesky", "linkedin")] == [
            500,
            300,
            3000,
        ]
    finally:
        get_channel.cache_clear()

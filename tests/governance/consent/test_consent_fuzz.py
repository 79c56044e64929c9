"""No input to POST /-/consent gets a 5xx: generated bodies (nested arrays and objects, odd
bytes, lone surrogates, huge numbers, wrong types, duplicate keys), content types and GPC
headers through Django's test client, where any exception in the view fails the test.

Every answer is a 4xx with a message and writes nothing, or a 200 that wrote exactly one
record matching the answer. ``CONSENT_FUZZ_EXAMPLES`` raises the bounded default (150 per
test) for a long run, e.g. 10,000.
"""

import itertools
import json
import os
import re
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.governance.consent.banner import banner
from commonground.governance.models import ConsentRecord

from ..factories import registered_technology

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("CONSENT_FUZZ_EXAMPLES", "150")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CONSENT_ID = "fuzz0123456789abcdef"
_CLIENT = Client()  # one handler for every request (a new Client rebuilds the middleware)
_ADDRESSES = itertools.count(1)


@pytest.fixture
def offered(home: Any, it_admin: Any) -> str:
    for name, purpose in (("AdPixel", "marketing"), ("Heatmaps", "analytics")):
        registered_technology(
            it_admin,
            name=name,
            hosts={"script-src": [f"{name.lower()}.test"]},
            consent_purpose=purpose,
        )
    return banner().version


def _answer(body: bytes, content_type: str = "application/json", **meta: str) -> Any:
    # A new address per request: the per-address rate limit is not what is under test.
    n = next(_ADDRESSES)
    meta.setdefault("REMOTE_ADDR", f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
    before = ConsentRecord.objects.count()
    response = _CLIENT.generic("POST", "/-/consent", body, content_type=content_type, **meta)
    status = response.status_code
    assert status in {200, 400, 409, 413, 415}, (status, body[:200], response.content[:300])
    written = ConsentRecord.objects.count() - before
    if status == 200:
        answer = response.json()
        assert written == 1
        record = ConsentRecord.objects.latest("pk")
        assert sorted(record.granted) == sorted(k for k, v in answer["purposes"].items() if v)
        assert record.gpc == answer["gpc"]
        if record.gpc:
            assert "marketing" not in record.granted
    else:
        assert response.json()["error"], response.content[:300]
        assert written == 0
    return response


text = st.text(
    alphabet=st.characters(exclude_categories=()),
    max_size=20,  # surrogates included
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    st.sampled_from(["marketing", "analytics", CONSENT_ID, "\ud800", "\x00"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.one_of(text, st.sampled_from(["marketing", "analytics"])), inner, max_size=4
        )
    ),
    max_leaves=20,
)


def _encode(value: Any, how: str) -> bytes:
    if how == "ascii":
        return json.dumps(value).encode()
    # Lone surrogates written as raw (invalid) UTF-8 bytes, as a broken client would.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


@FUZZ
@given(
    purposes=values,
    extra=st.dictionaries(text, values, max_size=2),
    how=st.sampled_from(["ascii", "raw"]),
    gpc=st.sampled_from([None, "1", "0", " 1 ", "\x00"]),
)
def test_generated_choices_never_get_a_server_error(
    offered: str, purposes: Any, extra: dict[str, Any], how: str, gpc: str | None
) -> None:
    body = {"id": CONSENT_ID, "version": offered, "purposes": purposes, **extra}
    meta = {"HTTP_SEC_GPC": gpc} if gpc is not None else {}
    _answer(_encode(body, how), **meta)


@FUZZ
@given(
    choice=st.fixed_dictionaries(
        {"marketing": st.booleans(), "analytics": st.booleans()},
        optional={"gpc": st.booleans()},
    ),
    id_=st.one_of(st.just(CONSENT_ID), text, st.integers()),
    gpc_header=st.booleans(),
)
def test_nearly_valid_choices_are_recorded_or_refused_cleanly(
    offered: str, choice: dict[str, bool], id_: Any, gpc_header: bool
) -> None:
    gpc = choice.pop("gpc", None)
    body: dict[str, Any] = {"id": id_, "version": offered, "purposes": choice}
    if gpc is not None:
        body["gpc"] = gpc
    meta = {"HTTP_SEC_GPC": "1"} if gpc_header else {}
    response = _answer(json.dumps(body).encode(), **meta)
    valid_id = isinstance(id_, str) and re.fullmatch(r"[A-Za-z0-9]{16,64}", id_) is not None
    assert (response.status_code == 200) == valid_id
    if response.status_code == 200 and (gpc or gpc_header):
        assert response.json()["purposes"]["marketing"] is False


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=1500),
        st.integers(min_value=1, max_value=1100).map(lambda n: b"[" * n),
        st.integers(min_value=1, max_value=600).map(lambda n: b'{"purposes":' + b"[" * n),
        st.integers(min_value=1, max_value=300).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
        st.sampled_from([b"1" * 1000, b"1e99999", b"-0", b"NaN", b"\xef\xbb\xbf{}", b""]),
    ),
    content_type=st.sampled_from(
        [
            "application/json",
            "text/plain",
            "application/json; charset=latin-1",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "",
        ]
    ),
)
def test_odd_bytes_never_get_a_server_error(offered: str, body: bytes, content_type: str) -> None:
    _answer(body, content_type)

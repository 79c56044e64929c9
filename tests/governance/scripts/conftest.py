"""The script tests approve vendors with their commits run: forget this process's policies
afterwards, as the page cache is emptied, so a later test in the same second does not get a
policy listing this test's vendor (the database rolled back, the in-process cache did not)."""

from collections.abc import Iterator

import pytest

from commonground.governance.csp import policy


@pytest.fixture(autouse=True)
def _forget_policies() -> Iterator[None]:
    yield
    policy._policies.forget()

"""Shared fixtures: users per role, a site, the live multi-process server, worker and scheduler."""

import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.core.cache import caches
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from wagtail.models import Page, Site

from commonground.content.models import HomePage
from commonground.core import roles
from commonground.core.http.web_server import granian_command
from commonground.governance.access.selectors import authenticator, two_factor_required

from .content.factories import HomePageFactory
from .core.factories import PASSWORD, UserFactory, app_code, authenticator_key, give_authenticator
from .processes import Process, commonground, free_port, subprocess_env, wait_for
from .smtp_inbox import Inbox

if TYPE_CHECKING:  # Playwright is imported inside the browser tests, where it runs
    from playwright.sync_api import Page as BrowserTab

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # Under CI=true nothing this machine can run may be skipped: a skip is a failure there.
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI=true, where nothing may be skipped: {reason}"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 for this test: its inbox and port."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _empty_page_cache() -> None:
    # The page cache lives in files that outlive each test's database rollback.
    caches["default"].clear()


@pytest.fixture
def home(db: None) -> HomePage:
    """A live home page that the default site serves at /."""
    page = HomePageFactory(parent=Page.get_first_root_node())
    Site.objects.filter(is_default_site=True).update(root_page=page)
    Site.clear_site_root_paths_cache()
    return page


def _user_with(role: str) -> AbstractUser:
    return UserFactory(roles=[role])


@pytest.fixture
def editor(db: None) -> AbstractUser:
    return _user_with(roles.MARKETING_EDITOR)


@pytest.fixture
def publisher(db: None) -> AbstractUser:
    return _user_with(roles.MARKETING_PUBLISHER)


@pytest.fixture
def it_admin(db: None) -> AbstractUser:
    """An IT administrator who has set up two-factor sign-in (required for IT)."""
    user = _user_with(roles.IT_ADMINISTRATOR)
    give_authenticator(user)
    return user


@pytest.fixture
def viewer(db: None) -> AbstractUser:
    return _user_with(roles.VIEWER)


def signed_in(client: Client, user: AbstractUser) -> Client:
    """``client`` signed in as ``user``, with both factors where the user has (or, as an IT
    administrator or superuser, must have) two-factor sign-in: the session records the
    device that verified it, as django-otp's ``login`` does after a good code. (Codes are
    not typed here: a code can be used once, and tests sign the same user in many times;
    tests/governance/access/test_access_two_factor.py types them.)"""
    client.force_login(user)
    device = authenticator(user)
    if device is None and two_factor_required(user):
        device = give_authenticator(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def client_for(user: AbstractUser, **client_options: Any) -> Client:
    """A new client signed in as ``user`` (see ``signed_in``)."""
    return signed_in(Client(**client_options), user)


def sign_in_to_admin(tab: "BrowserTab", live_url: str, username: str) -> None:
    """Sign ``username`` in through the admin's login form in a Playwright tab, as a person
    would, typing the app's code when asked for one (users given an authenticator by
    ``give_authenticator``); returns on the admin's home page. (Give it the username: no ORM
    inside Playwright.) A code works once: sign a user with an app in once per 30 seconds."""
    tab.goto(f"{live_url}/admin/login/")
    tab.fill("[name=username]", username)
    tab.fill("[name=password]", PASSWORD)
    tab.locator("form button[type=submit]").first.click()
    tab.wait_for_url(re.compile(rf"^{re.escape(live_url)}/admin/(two-factor/verify/.*)?$"))
    if "/two-factor/verify/" in tab.url:
        tab.fill("[name=code]", app_code(authenticator_key(username)))
        tab.locator("form.login-form button[type=submit]").click()
        tab.wait_for_url(f"{live_url}/admin/")


@pytest.fixture(scope="session")
def _granian(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    server = Process(
        "granian",
        granian_command(host="127.0.0.1", port=port, workers=2),
        env=subprocess_env(),
        log_dir=tmp_path_factory.mktemp("granian"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        from .live_http import Browser

        def answers() -> bool:
            server.assert_running()
            try:
                return Browser().get(f"{url}/robots.txt").status == 200
            except OSError:
                return False

        wait_for(answers, timeout=60, interval=0.25)
        yield url
    finally:
        server.stop()


@pytest.fixture
def live_url(_granian: str, transactional_db: None, django_db_serialized_rollback: None) -> str:
    """Base URL of granian with two worker processes, serving this test's committed data."""
    return _granian


@pytest.fixture
def task_worker(
    transactional_db: None,
    django_db_serialized_rollback: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[Process]]:
    """The task worker and the scheduler, running as real processes on the test database."""
    env = subprocess_env(TASKS_BACKEND="django_tasks_db.DatabaseBackend")
    log_dir = tmp_path_factory.mktemp("worker")
    processes = []
    try:
        processes.append(
            Process(
                "db_worker",
                commonground("db_worker", "--interval", "0.5", "--no-startup-delay"),
                env=env,
                log_dir=log_dir,
            )
        )
        processes.append(
            Process(
                "scheduler", commonground("scheduler", "--interval", "1"), env=env, log_dir=log_dir
            )
        )
        yield processes
    finally:
        for process in processes:
            process.stop()

"""Production settings refuse insecure defaults; a good environment passes the deploy checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

GOOD_KEY = secrets.token_urlsafe(48)  # 64 characters
assert len(GOOD_KEY) == 64

# Variables the production settings read; none may leak in from the developer's shell.
SETTINGS_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CACHE_URL",
    "BASE_URL",
    "ADMIN_BASE_URL",
    "ADMIN_SHARED_ORIGIN_ACCEPTED",
)
# The admin on its own origin, as production wants it (core/http/origins.py).
TWO_ORIGINS = {
    "BASE_URL": "https://example.com",
    "ADMIN_BASE_URL": "https://admin.example.com",
    "ALLOWED_HOSTS": "example.com,admin.example.com",
}
SETTINGS_VARIABLES += ("AUDIT_KEY", "AUDIT_KEYS_OLD")
GOOD_AUDIT_KEY = secrets.token_urlsafe(48)


def run_production(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    clean.update(
        DJANGO_SETTINGS_MODULE="commonground.config.settings.production",
        COMMONGROUND_DATA_DIR=str(tmp_path),
        **env,
    )
    return subprocess.run(
        [sys.executable, *args],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def check(tmp_path: Path, *extra: str, **env: str) -> subprocess.CompletedProcess:
    return run_production(["-m", "commonground.cli", "check", *extra], tmp_path, **env)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param(
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "example.com", "DEBUG": "true"},
            "DEBUG must be off",
            id="debug-on",
        ),
        pytest.param({"ALLOWED_HOSTS": "example.com"}, "SECRET_KEY", id="no-secret"),
        pytest.param(
            {"SECRET_KEY": "short-secret", "ALLOWED_HOSTS": "example.com"},
            "SECRET_KEY",
            id="short-secret",
        ),
        pytest.param(
            {
                "SECRET_KEY": "dev-only-insecure-key-never-use-in-production",
                "ALLOWED_HOSTS": "x.org",
            },
            "SECRET_KEY",
            id="dev-secret",
        ),
        pytest.param({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS", id="no-hosts"),
        pytest.param(
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS", id="any-host"
        ),
        pytest.param(
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "example.com"}, "AUDIT_KEY", id="no-audit-key"
        ),
        pytest.param(
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "example.com", "AUDIT_KEY": "short"},
            "AUDIT_KEY must be set",
            id="short-audit-key",
        ),
    ],
)
def test_production_refuses_insecure_settings(tmp_path: Path, env: dict, message: str) -> None:
    result = check(tmp_path, **env)

    assert result.returncode != 0
    assert "Refusing to start with insecure settings" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr  # a message, not a stack trace


def test_plain_django_setup_refuses_too(tmp_path: Path) -> None:
    # What a WSGI server does on import, without our command's friendly wrapper.
    result = run_production(
        ["-c", "import django; django.setup()"], tmp_path, ALLOWED_HOSTS="example.com"
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param(
            {"BASE_URL": "https://example.com", "ALLOWED_HOSTS": "example.com"},
            "The admin shares the public site's origin",
            id="no-admin-origin",
        ),
        pytest.param(
            {
                "BASE_URL": "https://example.com",
                "ADMIN_BASE_URL": "https://example.com/",
                "ALLOWED_HOSTS": "example.com",
            },
            "ADMIN_SHARED_ORIGIN_ACCEPTED=true",
            id="same-origin-twice",
        ),
        pytest.param(
            {**TWO_ORIGINS, "ALLOWED_HOSTS": "example.com"},
            "ALLOWED_HOSTS must include the admin's host, admin.example.com",
            id="admin-host-not-allowed",
        ),
        pytest.param(
            {**TWO_ORIGINS, "ADMIN_BASE_URL": "admin.example.com"},
            "ADMIN_BASE_URL must be an http(s) URL",
            id="admin-not-a-url",
        ),
    ],
)
def test_production_refuses_an_admin_on_the_public_origin(
    tmp_path: Path, env: dict, message: str
) -> None:
    result = check(tmp_path, SECRET_KEY=GOOD_KEY, **env)

    assert result.returncode != 0
    assert "Refusing to start with insecure settings" in result.stderr
    assert message in result.stderr


def test_production_starts_on_one_origin_when_the_risk_is_accepted(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        SECRET_KEY=GOOD_KEY,
        BASE_URL="https://example.com",
        ALLOWED_HOSTS="example.com",
        ADMIN_SHARED_ORIGIN_ACCEPTED="true",
        AUDIT_KEY=GOOD_AUDIT_KEY,
    )
    assert result.returncode == 0, result.stderr


def test_deploy_check_is_clean_with_a_good_environment(tmp_path: Path) -> None:
    result = check(
        tmp_path, "--deploy", SECRET_KEY=GOOD_KEY, AUDIT_KEY=GOOD_AUDIT_KEY, **TWO_ORIGINS
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_without_audit_key_outside_production_the_check_warns(tmp_path: Path) -> None:
    # Development: the trail runs on a derived default, and says so.
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    clean.update(
        DJANGO_SETTINGS_MODULE="commonground.config.settings.dev",
        COMMONGROUND_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "commonground.cli", "check"],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "commonground.audit.W001" in result.stdout + result.stderr
    assert "AUDIT_KEY is not set" in result.stdout + result.stderr

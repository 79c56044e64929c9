"""The demo's sign-ins: one user per role plus a superuser, passwords kept in the data directory."""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.core.management.base import CommandError

from commonground.core.roles import (
    IT_ADMINISTRATOR,
    IT_LEAD,
    MARKETING_EDITOR,
    MARKETING_LEAD,
    MARKETING_PUBLISHER,
    VIEWER,
)

LOGINS_FILENAME = "demo-logins.txt"
ADMIN_PASSWORD_ENV = "DEMO_ADMIN_PASSWORD"  # noqa: S105  (a variable name, not a secret)
SUPERUSER_ROLE = "Superuser"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: str
    # Roles held besides the main one (the CMO also publishes).
    also: tuple[str, ...] = ()


ACCOUNTS = (
    DemoAccount("admin", "Ada", "Admin", SUPERUSER_ROLE),
    DemoAccount("editor", "Elena", "Marsh", MARKETING_EDITOR),
    DemoAccount("publisher", "Paul", "Brennan", MARKETING_PUBLISHER),
    DemoAccount("itadmin", "Isaac", "Tran", IT_ADMINISTRATOR),
    DemoAccount("viewer", "Vera", "Holm", VIEWER),
    # The two leads of alignment: the CMO's side and the CIO's side.
    DemoAccount("cmo", "Carmen", "Ortiz", MARKETING_LEAD, also=(MARKETING_PUBLISHER,)),
    DemoAccount("cio", "Ian", "Okafor", IT_LEAD),
)


@dataclass(frozen=True)
class Login:
    username: str
    # None when the account existed before the demo and its password was left alone.
    password: str | None
    role: str


@dataclass(frozen=True)
class DemoUsers:
    admin: AbstractUser
    editor: AbstractUser
    publisher: AbstractUser
    cmo: AbstractUser
    cio: AbstractUser
    logins: tuple[Login, ...]
    logins_file: Path


def logins_path() -> Path:
    return Path(settings.DATA_DIR) / LOGINS_FILENAME


def _read_stored_passwords(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    stored: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        username, password, *_ = line.split("\t")
        stored[username] = password
    return stored


def _write_stored_passwords(path: Path, logins: list[Login]) -> None:
    lines = ["# Common Ground demo sign-ins: username<TAB>password<TAB>role. Keep private."]
    lines += [
        f"{login.username}\t{login.password}\t{login.role}" for login in logins if login.password
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start so the passwords are never readable by others, not even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    path.chmod(0o600)


def ensure_demo_users() -> DemoUsers:
    """Create or update the demo accounts; passwords are generated once and then reused."""
    path = logins_path()
    stored = _read_stored_passwords(path)
    user_model = get_user_model()
    users: dict[str, AbstractUser] = {}
    logins: list[Login] = []
    for account in ACCOUNTS:
        user, created = user_model.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": f"{account.username}@larkspur.example",
            },
        )
        password = stored.get(account.username)
        # Hashing is slow by design, so a password is only set when it is new or was asked for;
        # otherwise the file is trusted to match what an earlier run set.
        must_set = created
        if account.role == SUPERUSER_ROLE:
            requested = os.environ.get(ADMIN_PASSWORD_ENV)
            if requested and requested != password:
                password, must_set = requested, True
            user.is_staff = user.is_superuser = True
        else:
            for role in (account.role, *account.also):
                group = Group.objects.filter(name=role).first()
                if group is None:
                    raise CommandError(f'The "{role}" group is missing; run migrate first.')
                user.groups.add(group)
        if password is None and created:
            password = secrets.token_urlsafe(12)
        # An account someone made before the demo keeps its password unless we were told one.
        if must_set and password is not None:
            user.set_password(password)
        user.save()
        users[account.username] = user
        logins.append(Login(account.username, password, account.role))
    _write_stored_passwords(path, logins)
    return DemoUsers(
        admin=users["admin"],
        editor=users["editor"],
        publisher=users["publisher"],
        cmo=users["cmo"],
        cio=users["cio"],
        logins=tuple(logins),
        logins_file=path,
    )

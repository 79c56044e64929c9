"""Changes to who is an IT administrator: audited with the user's groups before and after,
and every IT administrator told by e-mail when someone is made one (who, by whom, when).

The admin's three ways of changing a user's groups (the add and edit forms, and the users
list's "Assign role") call ``record_groups_change`` inside their transaction; the e-mail is
enqueued on commit and sent by a task that loads the audit entry by id, so a rolled-back
change tells nobody and the message says exactly what the trail says.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import LazyObject
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from commonground.core.roles import IT_ADMINISTRATOR

from . import tasks

# Audit actions (registered in governance's wagtail_hooks).
GRANTED = "governance.role.it_administrator_granted"
REVOKED = "governance.role.it_administrator_revoked"


def group_names(user: AbstractBaseUser) -> list[str]:
    """The user's groups as stored now, sorted (read before and after a change)."""
    return sorted(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]


def _row(user: Any) -> Any:
    # request.user may be a lazy wrapper: the log registry reads the instance's class.
    if isinstance(user, LazyObject):
        user.pk  # noqa: B018  (evaluates the wrapper)
        return user._wrapped
    return user


def record_groups_change(
    *, user: AbstractBaseUser, before: Iterable[str], after: Iterable[str], by: Any
) -> ModelLogEntry | None:
    """Audit a change of ``user``'s groups that grants or revokes IT Administrator (with
    the groups before and after), and after commit tell every IT administrator of a grant.
    None when IT Administrator neither came nor went."""
    before, after = sorted(before), sorted(after)
    granted = IT_ADMINISTRATOR in after and IT_ADMINISTRATOR not in before
    revoked = IT_ADMINISTRATOR in before and IT_ADMINISTRATOR not in after
    if not (granted or revoked):
        return None
    entry: ModelLogEntry = log(
        _row(user),
        GRANTED if granted else REVOKED,
        user=_row(by) if getattr(by, "is_authenticated", False) else None,
        data={"groups": {"before": before, "after": after}, "role": IT_ADMINISTRATOR},
    )
    if granted:
        entry_id = entry.pk
        transaction.on_commit(lambda: _enqueue_notice(entry_id))
    return entry


def _enqueue_notice(entry_id: int) -> None:
    tasks.notify_it_administrators_of_grant.enqueue(entry_id)


def it_administrator_addresses() -> list[str]:
    """Every active IT administrator (and superuser) with an e-mail address."""
    users = get_user_model()._default_manager.filter(is_active=True).exclude(email="")
    who = Q(groups__name=IT_ADMINISTRATOR) | Q(is_superuser=True)
    return sorted(set(users.filter(who).values_list("email", flat=True)))


def notify_it_administrators(entry_id: int) -> int:
    """E-mail every IT administrator about the grant audited as ``entry_id``; how many
    messages went out."""
    entry = ModelLogEntry.objects.select_related("user").filter(pk=entry_id, action=GRANTED)
    found = entry.first()
    if found is None:
        return 0
    User = get_user_model()
    granted_to = User._default_manager.filter(pk=found.object_id).first()
    granted_by = found.user
    context = {
        "granted_to": granted_to,
        "granted_to_name": granted_to.get_username() if granted_to else found.label,
        "granted_by_name": granted_by.get_username() if granted_by else "the system",
        "when": found.timestamp,
        "groups": found.data.get("groups", {}),
        "users_url": _users_url(),
    }
    body = render_to_string("governance/access/it_administrator_granted_email.txt", context)
    subject = f"{context['granted_to_name']} was made an IT administrator"
    # One message each: IT administrators do not see one another's addresses.
    return sum(
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        for address in it_administrator_addresses()
    )


def _users_url() -> str:
    base = str(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")
    return f"{base}{reverse('wagtailusers_users:index')}"

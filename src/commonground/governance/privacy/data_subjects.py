"""Data-subject requests: find, export and erase what every module holds about one e-mail
address. Each step is audited with the request's number and counts, never the address (the
trail is append-only and would keep it after the erasure); the request row keeps only the
address's keyed digest."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from commonground.core.mail.email_digest import email_digest, email_digests, normalise_address

from ..permissions import HANDLE_DATA_SUBJECTS, may
from ..registry.services import User, _person
from .models import DataSubjectRequest
from .registry import (
    PersonalDataSource,
    Rows,
    personal_data_sources,
    rows_of,
    users_with_address,
)

# Audit actions.
FIND = "governance.data_subject.find"
EXPORT = "governance.data_subject.export"
ERASE = "governance.data_subject.erase"
ANONYMISE_ACCOUNT = "governance.data_subject.anonymise_account"

EXPORT_FORMAT = "commonground.personal-data-export"
EXPORT_VERSION = 1
# RFC 5321's limit on a forward path: nothing longer is an address anything was sent to.
MAX_ADDRESS_LENGTH = 254


class AddressError(ValueError):
    """Not an e-mail address; the message says why, for the form."""


class RequestMismatchError(ValueError):
    """The request number and the address do not belong together."""


def parse_address(raw: str) -> str:
    """``raw`` trimmed and lower-cased, or AddressError."""
    address = normalise_address(raw or "")
    if not address:
        raise AddressError("Enter the person's e-mail address.")
    if len(address) > MAX_ADDRESS_LENGTH:
        raise AddressError(f"An e-mail address has at most {MAX_ADDRESS_LENGTH} characters.")
    try:
        validate_email(address)
    except ValidationError as error:
        raise AddressError("That is not an e-mail address.") from error
    return address


def _find_accounts(address: str) -> dict[str, Rows]:
    return {
        "accounts": rows_of(
            users_with_address(address),
            *("id", "username", "email", "first_name", "last_name", "is_active"),
            *("date_joined", "last_login"),
        )
    }


# The admin accounts themselves: found and exported like every module, changed only when IT
# ticks the box (an account is someone's way in; it is not removed as a side effect).
ACCOUNTS = PersonalDataSource(
    "accounts",
    "Admin user accounts",
    _find_accounts,
    lambda address: {},
    treatment={"accounts": "kept unless you tick “anonymise”: then deactivated and emptied"},
)


@dataclass(frozen=True)
class Holding:
    source: PersonalDataSource
    records: Mapping[str, Rows]

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(rows) for kind, rows in self.records.items()}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def sections(self) -> list[tuple[str, Rows, str]]:
        """(record type, rows, what erasure does to them) for the page."""
        return [
            (kind, rows, self.source.treatment.get(kind, "")) for kind, rows in self.records.items()
        ]


@dataclass(frozen=True)
class Findings:
    request: DataSubjectRequest
    address: str
    holdings: list[Holding]

    @property
    def total(self) -> int:
        return sum(h.total for h in self.holdings)


def _require(user: User) -> None:
    if not may(user, HANDLE_DATA_SUBJECTS):
        raise PermissionDenied(HANDLE_DATA_SUBJECTS)


def _sources() -> list[PersonalDataSource]:
    return [*personal_data_sources(), ACCOUNTS]


def holdings(address: str) -> list[Holding]:
    return [Holding(source, source.find(address)) for source in _sources()]


def _counts(holdings: list[Holding]) -> dict[str, dict[str, int]]:
    return {h.source.name: h.counts for h in holdings}


def find(*, user: User, address: str) -> Findings:
    """What every module holds about ``address``; opens a request, audited with counts."""
    _require(user)
    with transaction.atomic():
        found = holdings(address)
        request = DataSubjectRequest.objects.create(
            reference=email_digest(address), opened_by=_person(user), found=_counts(found)
        )
        log(request, FIND, user=user, data={"found": request.found})
    return Findings(request, address, found)


def request_for(request_id: int, address: str, *, lock: bool = False) -> DataSubjectRequest:
    """The request, if it is about ``address``; RequestMismatchError otherwise."""
    requests = DataSubjectRequest.objects.filter(pk=request_id)
    request = (requests.select_for_update() if lock else requests).first()
    if request is None or request.reference not in email_digests(address):
        raise RequestMismatchError("This request is about another address; search again.")
    return request


def export(*, user: User, request_id: int, address: str) -> dict[str, Any]:
    """Everything held about ``address`` as one JSON-ready document (docs/operations.md
    describes it), audited with its counts."""
    _require(user)
    with transaction.atomic():
        request = request_for(request_id, address, lock=True)
        found = holdings(address)
        request.exported_at = timezone.now()
        request.save(update_fields=["exported_at"])
        log(request, EXPORT, user=user, data={"exported": _counts(found)})
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "address": address,
        "request": request.pk,
        "exported_at": request.exported_at.isoformat(),
        "modules": {h.source.name: {"label": h.source.label, "records": h.records} for h in found},
    }


def _anonymise_accounts(user: User, address: str, request: DataSubjectRequest) -> int:
    accounts = list(users_with_address(address))
    if any(account.pk == getattr(user, "pk", None) for account in accounts):
        raise ValidationError("You cannot anonymise your own account; ask another administrator.")
    for account in accounts:
        account.username = f"erased-{account.pk}"
        account.email = ""
        account.first_name = account.last_name = ""
        account.is_active = False
        account.set_unusable_password()
        account.save()
        account.groups.clear()
        account.user_permissions.clear()
        log(account, ANONYMISE_ACCOUNT, user=user, data={"request": request.pk})
    return len(accounts)


def erase(
    *, user: User, request_id: int, address: str, anonymise_accounts: bool = False
) -> DataSubjectRequest:
    """Remove (or, where other records depend on it, anonymise) every row tied to
    ``address`` in every module, in one transaction: all of it or, on any error, none."""
    _require(user)
    with transaction.atomic(durable=True):
        request = request_for(request_id, address, lock=True)
        erased: dict[str, dict[str, int]] = {}
        for source in personal_data_sources():
            erased[source.name] = dict(source.erase(address))
        erased["accounts"] = {
            "anonymised": _anonymise_accounts(user, address, request) if anonymise_accounts else 0,
            "kept": 0 if anonymise_accounts else users_with_address(address).count(),
        }
        request.erased = erased
        request.erased_at = timezone.now()
        request.save(update_fields=["erased", "erased_at"])
        log(request, ERASE, user=user, data={"erased": erased})
    return request

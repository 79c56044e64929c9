"""Governance's own personal data and the framework's it answers for: technology requests
and their comments by a user with the address, and finished background tasks' results; and
how long governance keeps what browsers send it (CSP reports, consent records) and its
scans."""

from datetime import datetime

from django.db.models import QuerySet
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ..consent.models import ConsentRecord
from ..csp.models import CspViolation
from ..registry.models import RequestComment, TechnologyRequest
from ..scan.models import SiteScan
from .registry import (
    PersonalDataSource,
    RetentionKind,
    Rows,
    register_personal_data,
    register_retention_kind,
    rows_of,
    users_with_address,
)

FINISHED_TASKS = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)


def _expired_task_results(cutoff: datetime) -> QuerySet[DBTaskResult]:
    return DBTaskResult.objects.filter(status__in=FINISHED_TASKS, finished_at__lt=cutoff)


TASK_RESULTS = RetentionKind(
    "task_results",
    "Background task results",
    30,
    _expired_task_results,
    description="Finished tasks' arguments, return values and errors (queued and running "
    "tasks are never touched).",
)


def _expired_violations(cutoff: datetime) -> QuerySet[CspViolation]:
    return CspViolation.objects.filter(last_seen__lt=cutoff)


CSP_VIOLATIONS = RetentionKind(
    "csp_violations",
    "CSP violation reports",
    90,
    _expired_violations,
    description="Counted violation reports (page path, directive, blocked host) not seen again "
    "since; a host still blocked comes back with the next report.",
)


def _expired_scans(cutoff: datetime) -> QuerySet[SiteScan]:
    # The latest finished scan stays whatever its age: the report and the posture page read it.
    latest = SiteScan.objects.filter(status=SiteScan.Status.FINISHED).order_by("-started_at")
    keep = list(latest.values_list("pk", flat=True)[:1])
    return SiteScan.objects.filter(started_at__lt=cutoff).exclude(pk__in=keep)


SITE_SCANS = RetentionKind(
    "site_scans",
    "Shadow-IT scans",
    365,
    _expired_scans,
    description="Past scans of the site and their findings; the latest finished scan is kept.",
)


def _expired_consent_records(cutoff: datetime) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(chosen_at__lt=cutoff)


# A record proves a consent while the choice holds (CONSENT_MAX_AGE_DAYS, a year by
# default) and for a while after, to answer a complaint about it: three years in all, the
# usual limitation period. IT may shorten it.
CONSENT_RECORDS = RetentionKind(
    "consent_records",
    "Consent records",
    3 * 365,
    _expired_consent_records,
    description="Each visitor's consent choice (the browser's random id, banner version, "
    "purposes granted and refused, time, Global Privacy Control); no address, no user agent.",
)


def _find(address: str) -> dict[str, Rows]:
    people = users_with_address(address)
    return {
        "technology_requests": [
            {
                "id": r.pk,
                "technology": r.technology.name,
                "status": r.status,
                "submitted_at": r.submitted_at,
                "problem": r.problem,
                "expected_value": r.expected_value,
            }
            for r in TechnologyRequest.objects.filter(requester__in=people)
            .select_related("technology")
            .order_by("pk")
        ],
        "request_comments": rows_of(
            RequestComment.objects.filter(author__in=people),
            "id",
            "request_id",
            "body",
            "created_at",
        ),
    }


def _erase(address: str) -> dict[str, int]:
    people = users_with_address(address)
    comments = RequestComment.objects.filter(author__in=people).delete()[0]
    # The request is the record behind a registry entry and IT's decision: it stays, without
    # its requester (the business case it states is the organisation's, not the person's).
    requests = TechnologyRequest.objects.filter(requester__in=people).update(requester=None)
    return {"request_comments": comments, "technology_requests": requests}


GOVERNANCE = PersonalDataSource(
    "governance",
    "Technology requests (by an admin user with this address)",
    _find,
    _erase,
    treatment={
        "technology_requests": "kept without the requester (the registry's decisions need them)",
        "request_comments": "deleted",
    },
)


def register() -> None:
    register_retention_kind(TASK_RESULTS)
    register_retention_kind(CSP_VIOLATIONS)
    register_retention_kind(SITE_SCANS)
    register_retention_kind(CONSENT_RECORDS)
    register_personal_data(GOVERNANCE)

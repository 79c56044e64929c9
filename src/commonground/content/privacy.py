"""Content's personal data for governance's privacy operations: form submissions (landing
pages and any other form page) and Wagtail comments written by an admin user."""

from collections.abc import Iterator
from typing import Any

from wagtail.contrib.forms.models import FormSubmission
from wagtail.models import Comment, CommentReply

from commonground.governance.public import (
    PersonalDataSource,
    RetentionKind,
    Rows,
    register_personal_data,
    register_retention_kind,
    rows_of,
    search_fragment,
    users_with_address,
)

FORM_SUBMISSIONS = RetentionKind(
    "form_submissions",
    "Form submissions",
    365,
    lambda cutoff: FormSubmission.objects.filter(submit_time__lt=cutoff),
    description="What visitors sent through landing-page forms.",
)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _submissions(address: str) -> list[FormSubmission]:
    """Submissions with a field whose value is the address (any case, trimmed): narrowed in
    SQL on both databases, then confirmed value by value (a message that merely mentions the
    address is not a submission by its owner)."""
    candidates = FormSubmission.objects.filter(
        form_data__icontains=search_fragment(address)
    ).order_by("pk")
    return [
        submission
        for submission in candidates
        if any(text.strip().lower() == address for text in _strings(submission.form_data))
    ]


def _find_forms(address: str) -> dict[str, Rows]:
    return {
        "form_submissions": [
            {
                "id": s.pk,
                "page": s.page_id,
                "submit_time": s.submit_time,
                "form_data": s.form_data,
            }
            for s in _submissions(address)
        ]
    }


def _erase_forms(address: str) -> dict[str, int]:
    ids = [s.pk for s in _submissions(address)]
    return {"form_submissions": FormSubmission.objects.filter(pk__in=ids).delete()[0]}


def _find_comments(address: str) -> dict[str, Rows]:
    authors = users_with_address(address)
    return {
        "comments": rows_of(
            Comment.objects.filter(user__in=authors),
            *("id", "page_id", "text", "contentpath", "created_at", "resolved_at"),
        ),
        "comment_replies": rows_of(
            CommentReply.objects.filter(user__in=authors), "id", "comment_id", "text", "created_at"
        ),
    }


def _erase_comments(address: str) -> dict[str, int]:
    authors = users_with_address(address)
    replies = CommentReply.objects.filter(user__in=authors).delete()[0]
    # Deleting a comment takes its thread's replies with it: they answer words now gone.
    deleted = Comment.objects.filter(user__in=authors).delete()[1]
    return {
        "comments": deleted.get("wagtailcore.Comment", 0),
        "comment_replies": replies,
        "replies_in_their_threads": deleted.get("wagtailcore.CommentReply", 0),
    }


FORMS = PersonalDataSource(
    "forms",
    "Form submissions",
    _find_forms,
    _erase_forms,
    treatment={"form_submissions": "deleted"},
)
COMMENTS = PersonalDataSource(
    "comments",
    "Page comments (by an admin user with this address)",
    _find_comments,
    _erase_comments,
    treatment={
        "comments": "deleted, with the replies in their threads",
        "comment_replies": "deleted",
    },
)


def register() -> None:
    register_retention_kind(FORM_SUBMISSIONS)
    register_personal_data(FORMS)
    register_personal_data(COMMENTS)

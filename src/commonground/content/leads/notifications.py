"""Lead notifications (issue 15, point 9): a landing page names the addresses told of each
form submission; after the submission commits, a task e-mails each of them the page, the
time and a link to the page's submissions in the admin.

The message carries no field of the submission: a lead's name, address and message are
personal data, and e-mail is copied, forwarded and kept in places the admin's permissions do
not reach. The link opens the submissions to whoever may see them there, and to no one else.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission

from commonground.core.http.origins import admin_base_url

MAX_ADDRESSES = 20


def parse_addresses(text: str) -> list[str]:
    """The addresses in ``text``, one per line or separated by commas, in order, without
    repeats (compared without case)."""
    seen: dict[str, str] = {}
    for part in text.replace(",", "\n").splitlines():
        address = part.strip()
        if address and address.lower() not in seen:
            seen[address.lower()] = address
    return list(seen.values())


def validate_address_list(text: str) -> None:
    addresses = parse_addresses(text)
    wrong = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            wrong.append(address)
    if wrong:
        shown = ", ".join(f"“{a[:80]}”" for a in wrong[:5])
        raise ValidationError(f"Not an e-mail address: {shown}. Give one address per line.")
    if len(addresses) > MAX_ADDRESSES:
        raise ValidationError(f"At most {MAX_ADDRESSES} addresses; this lists {len(addresses)}.")


def submissions_url(page_id: int) -> str:
    """The page's submissions in the admin, at the admin's origin (ADMIN_BASE_URL)."""
    return f"{admin_base_url()}{reverse('wagtailforms:list_submissions', args=[page_id])}"


def notify_after_commit(submission: FormSubmission, addresses_text: str) -> None:
    """Enqueue the notification once the submission is committed (never for one rolled
    back); nothing when the page names no address."""
    if not parse_addresses(addresses_text):
        return
    submission_id = submission.pk
    transaction.on_commit(lambda: _enqueue(submission_id))


def _enqueue(submission_id: int) -> None:
    from . import tasks

    tasks.notify_of_form_submission.enqueue(submission_id)


def notify_of_submission(submission_id: int) -> int:
    """E-mail the page's chosen addresses about submission ``submission_id``, one message
    each (they do not see one another's addresses); how many went out."""
    submission = FormSubmission.objects.select_related("page").filter(pk=submission_id).first()
    if submission is None:  # deleted before the worker came to it
        return 0
    page = submission.page.specific
    addresses = parse_addresses(getattr(page, "lead_notification_addresses", ""))
    context = {
        "page_title": page.title,
        "page_url": page.full_url or "",
        "submitted_at": timezone.localtime(submission.submit_time),
        "time_zone": timezone.get_current_timezone_name(),
        "submissions_url": submissions_url(page.pk),
    }
    subject = f"New form submission on “{page.title}”"
    body = render_to_string("content/email/lead_notification.txt", context)
    return sum(
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses
    )

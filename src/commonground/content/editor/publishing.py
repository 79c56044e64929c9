"""The page editor's publishing behaviour: one page per create form, the reviewer's primary
action, and the time zone the schedule dialog's times are read in."""

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html, json_script
from wagtail.admin.action_menu import ActionMenuItem, WorkflowMenuItem
from wagtail.models import Page

# The hidden field publishing.js adds to every create form: a random key per form shown.
CREATION_KEY_FIELD = "cg_creation_key"
_SESSION_KEY = "content.created_pages"
# Enough for the forms one person has open at once; the oldest are forgotten first.
_REMEMBERED_CREATIONS = 20
_KEY_LENGTH = 32


def _creation_key(request: HttpRequest) -> str | None:
    key = request.POST.get(CREATION_KEY_FIELD, "")
    if len(key) == _KEY_LENGTH and all(c in "0123456789abcdef" for c in key):
        return key
    return None


def page_created_by_this_form(request: HttpRequest) -> Page | None:
    """The page an earlier POST of the same create form (an autosave, most often) created,
    if the user may still edit it. Autosave turns a create form into an edit form only once
    its answer is back: a Save or Publish sent before then posted to the create view again,
    which refused the form because the autosaved draft already held the slug."""
    if request.method != "POST" or (key := _creation_key(request)) is None:
        return None
    page_id = request.session.get(_SESSION_KEY, {}).get(key)
    if page_id is None:
        return None
    page = Page.objects.filter(pk=page_id).first()
    if page is None or not page.permissions_for_user(request.user).can_edit():
        return None
    return page.specific


def remember_created_page(request: HttpRequest, page: Page) -> None:
    if (key := _creation_key(request)) is None:
        return
    created = dict(request.session.get(_SESSION_KEY, {}))
    created[key] = page.pk
    # dicts keep insertion order: drop the oldest keys beyond the limit.
    request.session[_SESSION_KEY] = dict(list(created.items())[-_REMEMBERED_CREATIONS:])


def continue_in_edit_view(request: HttpRequest, page: Page) -> HttpResponse:
    """Answer a second POST of a create form as the edit view of the page the first made:
    the same fields, the same action (save, publish, submit), on the existing page."""
    from wagtail.admin.views.pages.edit import EditView

    response: HttpResponse = EditView.as_view()(request, page_id=page.pk)
    return response


def approve_first(menu_items: list[ActionMenuItem], request: HttpRequest, context: Any) -> None:
    """A reviewer opening a page that waits for them gets "Approve and publish" as the
    footer's primary button, not "Save draft" with the approval under the ⋯ menu."""
    approve = next(
        (
            item
            for item in menu_items
            if isinstance(item, WorkflowMenuItem)
            and item.name == "approve"
            and not item.launch_modal
        ),
        None,
    )
    if approve is None:
        return
    if str(approve.label).lower() == "approve and publish":
        approve.label = "Approve and publish"
    menu_items.remove(approve)
    menu_items.insert(0, approve)


def _utc_offset(moment: datetime) -> str:
    minutes = int((moment.utcoffset() or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def editor_time_zone() -> dict[str, Any]:
    """The zone the admin reads typed times in (the user's Wagtail time zone, else the
    site's TIME_ZONE: Wagtail activates it for each admin request), for the dialog."""
    now = timezone.localtime()
    offset = now.utcoffset() or timedelta()
    return {
        "name": timezone.get_current_timezone_name(),
        "offset": _utc_offset(now),
        "offsetMinutes": int(offset.total_seconds() // 60),
    }


def editor_script(static_url: str) -> str:
    return json_script(editor_time_zone(), "cg-publishing-time-zone") + format_html(
        '<script defer src="{}"></script>', static_url
    )

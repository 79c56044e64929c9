"""How demo pages enter the tree: created as drafts, then published as a named user."""

from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from wagtail.models import Page, Revision

P = TypeVar("P", bound=Page)


def add_draft(parent: Page, page: P, *, user: AbstractBaseUser) -> P:
    """Add ``page`` under ``parent`` the way the editor's "Save draft" does: not live."""
    page.live = False
    page.owner = user
    parent.add_child(instance=page)
    page.save_revision(user=user, log_action=True)
    return page


def publish(page: Page, *, user: AbstractBaseUser) -> Revision:
    """Save and publish the page's current state; a future ``go_live_at`` schedules it instead."""
    revision: Revision = page.save_revision(user=user, log_action=True)
    revision.publish(user=user)
    page.refresh_from_db()
    return revision


def add_published(parent: Page, page: P, *, user: AbstractBaseUser) -> P:
    page.live = False
    page.owner = user
    parent.add_child(instance=page)
    publish(page, user=user)
    return page

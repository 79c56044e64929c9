"""Which cached pages a content change affects, wired to Wagtail's and Django's signals.

Signals are the one hook every write path goes through (admin, scheduled publishing,
the API, shell scripts), which is why invalidation hangs off them rather than off views.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.models import Page, PageViewRestriction, ReferenceIndex
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import page_cache

NAV_TAG = "nav"
ARTICLE_LISTING_TAG = "listing:articles"


def tags_for_page_change(page: Page, *, parent: Page | None = None) -> set[str]:
    """Tags of every cached response that shows ``page`` or a link to it."""
    tags = {page_cache.page_tag(page.pk), ARTICLE_LISTING_TAG}
    parent = parent or page.get_parent()
    if parent is not None:
        tags.add(f"children:{parent.pk}")
    if parent is None or parent.depth <= 2:
        # Top-level pages make up the site navigation shown on every page.
        tags.add(NAV_TAG)
    for reference in ReferenceIndex.get_references_to(page).group_by_source_object():
        source = reference[0]
        if isinstance(source, Page):
            tags.add(page_cache.page_tag(source.pk))
    return tags


def _on_publish_or_unpublish(sender: Any, instance: Page, **kwargs: Any) -> None:
    page_cache.invalidate_on_commit(tags_for_page_change(instance))


def _after_move(
    sender: Any, instance: Page, parent_page_before: Page, parent_page_after: Page, **kwargs: Any
) -> None:
    # Everything under the page changed address, and both parents' listings changed.
    tags = tags_for_page_change(instance, parent=parent_page_before)
    tags |= tags_for_page_change(instance, parent=parent_page_after)
    tags.update(
        page_cache.page_tag(pk) for pk in instance.get_descendants().values_list("pk", flat=True)
    )
    page_cache.invalidate_on_commit(tags)


def _before_page_delete(sender: Any, instance: Page, **kwargs: Any) -> None:
    if instance.depth <= 1:
        return
    instance._cache_tags_before_delete = tags_for_page_change(instance)


def _after_page_delete(sender: Any, instance: Page, **kwargs: Any) -> None:
    page_cache.invalidate_on_commit(getattr(instance, "_cache_tags_before_delete", set()))


def _on_image_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    page_cache.invalidate_on_commit([f"image:{instance.pk}"])


def _on_rendition_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    # A rendition is saved on first render; only its deletion (focal point or file
    # change) alters what pages show.
    page_cache.invalidate_on_commit([f"image:{instance.image_id}"])


def _on_snippet_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    page_cache.invalidate_on_commit([snippet_tag(instance)])


def _on_site_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    # The site name and root page appear on every page, as does the navigation.
    page_cache.invalidate_on_commit([NAV_TAG])


def _on_view_restriction_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    # A restriction covers the page and everything below it, in listings and feeds too: none
    # of them may go on being served from the cache as they were before.
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is None:  # deleted with its page
        return
    tags: set[str] = set()
    for affected in page.get_descendants(inclusive=True):
        tags |= tags_for_page_change(affected)
    page_cache.invalidate_on_commit(tags)


def snippet_tag(instance: Any) -> str:
    return f"snippet:{instance._meta.label_lower}:{instance.pk}"


def connect() -> None:
    from django.apps import apps

    page_published.connect(_on_publish_or_unpublish, dispatch_uid="cg_cache_published")
    page_unpublished.connect(_on_publish_or_unpublish, dispatch_uid="cg_cache_unpublished")
    post_page_move.connect(_after_move, dispatch_uid="cg_cache_post_move")
    for model in [Page, *(m for m in apps.get_models() if issubclass(m, Page) and m is not Page)]:
        pre_delete.connect(
            _before_page_delete, sender=model, dispatch_uid=f"cg_cache_pre_del_{model._meta.label}"
        )
        post_delete.connect(
            _after_page_delete, sender=model, dispatch_uid=f"cg_cache_del_{model._meta.label}"
        )
    from wagtail.images import get_image_model
    from wagtail.models import Site

    post_save.connect(
        _on_view_restriction_change,
        sender=PageViewRestriction,
        dispatch_uid="cg_cache_view_restriction_save",
    )
    post_delete.connect(
        _on_view_restriction_change,
        sender=PageViewRestriction,
        dispatch_uid="cg_cache_view_restriction_delete",
    )
    post_save.connect(_on_site_change, sender=Site, dispatch_uid="cg_cache_site_save")
    post_delete.connect(_on_site_change, sender=Site, dispatch_uid="cg_cache_site_delete")

    image_model = get_image_model()
    post_save.connect(_on_image_change, sender=image_model, dispatch_uid="cg_cache_image_save")
    post_delete.connect(_on_image_change, sender=image_model, dispatch_uid="cg_cache_image_delete")
    rendition_model = image_model.get_rendition_model()
    post_delete.connect(
        _on_rendition_change, sender=rendition_model, dispatch_uid="cg_cache_rendition_delete"
    )
    for label in ("content.Author",):
        model = apps.get_model(label)
        post_save.connect(
            _on_snippet_change, sender=model, dispatch_uid=f"cg_cache_snippet_save_{label}"
        )
        post_delete.connect(
            _on_snippet_change, sender=model, dispatch_uid=f"cg_cache_snippet_del_{label}"
        )

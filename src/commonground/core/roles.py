"""The four roles IT hands out, and what each may do."""

from dataclasses import dataclass

MARKETING_EDITOR = "Marketing Editor"
MARKETING_PUBLISHER = "Marketing Publisher"
IT_ADMINISTRATOR = "IT Administrator"
VIEWER = "Viewer"
# The two lead roles of alignment (the CMO's and the CIO's side), created by alignment 0002:
# not part of ROLES, which describes what core 0002 grants.
MARKETING_LEAD = "Marketing Lead"
IT_LEAD = "IT Lead"

# The roles that may create Stats API keys (analytics.add_statsapikey, granted by analytics
# 0011): a key reads every tracked site's analytics, so IT decides who else gets one.
STATS_API_KEY_CREATORS = (IT_ADMINISTRATOR,)

APPROVAL_WORKFLOW = "Marketing approval"
APPROVAL_TASK = "Publisher approval"


@dataclass(frozen=True)
class Role:
    name: str
    # Page-tree permissions granted on the root page, as Wagtail codenames.
    page_permissions: tuple[str, ...]
    # Image and document permissions on the root collection.
    collection_permissions: tuple[str, ...]
    # Model permissions as "app_label.codename"; "*" means every permission there is.
    model_permissions: tuple[str, ...]


# Wagtail checks image permissions against wagtailimages.Image even with a custom image model.
_MEDIA_EDIT = (
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
)
_SNIPPETS_EDIT = ("content.add_author", "content.change_author")

ROLES = (
    Role(
        name=MARKETING_EDITOR,
        page_permissions=("add_page", "change_page", "lock_page"),
        collection_permissions=_MEDIA_EDIT,
        model_permissions=("wagtailadmin.access_admin", *_SNIPPETS_EDIT),
    ),
    Role(
        name=MARKETING_PUBLISHER,
        page_permissions=("add_page", "change_page", "publish_page", "lock_page", "unlock_page"),
        collection_permissions=(
            *_MEDIA_EDIT,
            "wagtailimages.delete_image",
            "wagtaildocs.delete_document",
        ),
        model_permissions=(
            "wagtailadmin.access_admin",
            *_SNIPPETS_EDIT,
            "content.delete_author",
            "wagtailredirects.add_redirect",
            "wagtailredirects.change_redirect",
            "wagtailredirects.delete_redirect",
        ),
    ),
    Role(
        name=IT_ADMINISTRATOR,
        page_permissions=(
            "add_page",
            "change_page",
            "publish_page",
            "bulk_delete_page",
            "lock_page",
            "unlock_page",
        ),
        collection_permissions=(
            *_MEDIA_EDIT,
            "wagtailimages.delete_image",
            "wagtaildocs.delete_document",
        ),
        model_permissions=("*",),
    ),
    Role(
        name=VIEWER,
        # Reads the page tree (core/pages/read_only_policy.py), edits nothing; core 0005.
        page_permissions=("view_page",),
        collection_permissions=("wagtailimages.choose_image", "wagtaildocs.choose_document"),
        model_permissions=("wagtailadmin.access_admin",),
    ),
)

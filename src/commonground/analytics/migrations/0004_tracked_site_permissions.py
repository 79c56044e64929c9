"""Grant the tracked-site permissions to the roles: IT manages the list, everyone else reads it.

IT decides what is tracked, so only *IT Administrator* may add, change and delete tracked
sites. *Marketing Publisher*, *Marketing Editor* and *Viewer* get the view permission, so
they can open a site and copy its embed snippet. The roles migration (core 0002) gave IT
"every permission there is" once, which does not cover models created after it ran; hence
these explicit grants. `core/roles.py` stays as it is: it describes what core 0002 grants.
Reversing removes exactly these grants (from IT too, even where core 0002 already gave them).
"""

from django.db import migrations

from commonground.core.role_grants import role_grants
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR, MARKETING_PUBLISHER, VIEWER

MANAGE = ("add_trackedsite", "change_trackedsite", "delete_trackedsite", "view_trackedsite")
VIEW = ("view_trackedsite",)
GRANTS = {
    IT_ADMINISTRATOR: MANAGE,
    MARKETING_PUBLISHER: VIEW,
    MARKETING_EDITOR: VIEW,
    VIEWER: VIEW,
}

grant, revoke = role_grants("trackedsite", GRANTS)


class Migration(migrations.Migration):
    # Explicit names, not "__latest__" (see core 0002): the groups must exist already.
    dependencies = [
        ("analytics", "0003_umami_website_id"),
        ("core", "0002_roles_and_approval_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

"""Distribution's permissions for the four roles (least privilege: IT manages integrations
and the suppression list; marketing runs lists and sends; viewers see what was sent)."""

from django.db import migrations

from commonground.core.role_grants import model_role_grants
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR, MARKETING_PUBLISHER, VIEWER

ALL = ("add", "change", "delete", "view")



GRANTS = {
    "mailinglist": {
        IT_ADMINISTRATOR: ALL,
        MARKETING_PUBLISHER: ALL,
        MARKETING_EDITOR: ("view",),
        VIEWER: ("view",),
    },
    # Personal data: the people who run the lists, not everyone who signs in.
    "subscriber": {
        IT_ADMINISTRATOR: ALL,
        MARKETING_PUBLISHER: ALL,
        MARKETING_EDITOR: ("view",),
    },
    "subscription": {IT_ADMINISTRATOR: ALL, MARKETING_PUBLISHER: ALL},
    # Taking an address off the suppression list risks mailing someone who complained.
    "suppression": {
        IT_ADMINISTRATOR: ALL,
        MARKETING_PUBLISHER: ("add", "view"),
        MARKETING_EDITOR: ("view",),
    },
    "dispatch": {
        IT_ADMINISTRATOR: ("change", "view"),
        MARKETING_PUBLISHER: ("change", "view"),
        MARKETING_EDITOR: ("view",),
        VIEWER: ("view",),
    },
    "delivery": {
        IT_ADMINISTRATOR: ("view",),
        MARKETING_PUBLISHER: ("view",),
        MARKETING_EDITOR: ("view",),
        VIEWER: ("view",),
    },
    # Webhooks carry secrets to other systems: IT's.
    "webhooksubscription": {
        IT_ADMINISTRATOR: ALL,
        MARKETING_PUBLISHER: ("view",),
    },
    "webhookattempt": {IT_ADMINISTRATOR: ("view",), MARKETING_PUBLISHER: ("view",)},
    "subscriberimport": {
        IT_ADMINISTRATOR: ("add", "view"),
        MARKETING_PUBLISHER: ("add", "view"),
    },
}

grant, revoke = model_role_grants("distribution", GRANTS)



class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0003_subscriber_imports"),
        ("core", "0002_roles_and_approval_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

"""The starting questionnaire (CAIQ-Lite in spirit; IT edits it), and governance's
permissions for the four roles: marketing requests, comments and reads the registry; only
IT reviews, decides and edits the registry and the questionnaire."""

from django.db import migrations

from commonground.core.role_grants import model_role_grants
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR, MARKETING_PUBLISHER, VIEWER

QUESTIONS = [
    (
        "Is our data encrypted in transit (TLS 1.2 or newer) and at rest?",
        "Ask for the vendor's security whitepaper or trust-centre page.",
    ),
    (
        "Does it support single sign-on with our identity provider, and multi-factor "
        "authentication for every account?",
        "SAML or OpenID Connect; SCIM provisioning is a plus (leavers lose access at once).",
    ),
    (
        "Is there a current list of sub-processors, with notice before a new one is added?",
        "",
    ),
    (
        "Is the data stored and processed only in the EU/EEA or a country with an "
        "adequacy decision?",
        "If not: which transfer mechanism (standard contractual clauses, Data Privacy Framework)?",
    ),
    (
        "Does the vendor commit to notifying us of a personal-data breach without undue "
        "delay (within 72 hours at most)?",
        "",
    ),
    (
        "Does it hold an independent certification or audit report (ISO 27001, SOC 2 Type II)?",
        "Note the certificate's scope and expiry date.",
    ),
    (
        "Can we set how long data is kept, and is it deleted (with confirmation) on request "
        "and when the contract ends?",
        "",
    ),
    (
        "Has a data-processing agreement (GDPR article 28) been signed, or is one offered?",
        "",
    ),
]

ALL = ("add", "change", "delete", "view")



GRANTS = {
    # Entries are retired, not deleted (requests keep pointing at them): no one deletes.
    "technology": {
        IT_ADMINISTRATOR: ("add", "change", "view"),
        MARKETING_PUBLISHER: ("view",),
        MARKETING_EDITOR: ("view",),
        VIEWER: ("view",),
    },
    "technologyhost": {IT_ADMINISTRATOR: ALL},
    "technologyrequest": {
        IT_ADMINISTRATOR: ("add", "change", "view", "review"),
        MARKETING_PUBLISHER: ("add", "view"),
        MARKETING_EDITOR: ("add", "view"),
        VIEWER: ("view",),
    },
    # Questions are switched off, not deleted (answers keep pointing at them).
    "reviewquestion": {IT_ADMINISTRATOR: ("add", "change", "view")},
    "reviewanswer": {IT_ADMINISTRATOR: ("add", "change", "view")},
    "requestcomment": {
        IT_ADMINISTRATOR: ("add", "view"),
        MARKETING_PUBLISHER: ("add", "view"),
        MARKETING_EDITOR: ("add", "view"),
    },
}

grant, revoke = model_role_grants("governance", GRANTS)


def seed_questions(apps, schema_editor):
    ReviewQuestion = apps.get_model("governance", "ReviewQuestion")
    if ReviewQuestion.objects.exists():
        return
    ReviewQuestion.objects.bulk_create(
        ReviewQuestion(text=text, help_text=help_text, order=10 * (n + 1))
        for n, (text, help_text) in enumerate(QUESTIONS)
    )



class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
        ("core", "0002_roles_and_approval_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(seed_questions, migrations.RunPython.noop),
        migrations.RunPython(grant, revoke),
    ]

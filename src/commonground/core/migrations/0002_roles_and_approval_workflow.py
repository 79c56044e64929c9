"""Create the four roles and the "Marketing approval" workflow on the whole page tree."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from commonground.core.roles import APPROVAL_TASK, APPROVAL_WORKFLOW, IT_ADMINISTRATOR, MARKETING_PUBLISHER, ROLES

WAGTAIL_DEFAULT_GROUPS = ("Moderators", "Editors")


def _ensure_permissions(apps):
    # Permissions are normally created after all migrations; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def _permission(apps, dotted):
    Permission = apps.get_model("auth.Permission")
    app_label, codename = dotted.split(".", 1)
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist:
        raise LookupError(f"permission {dotted} does not exist; cannot create the roles") from None


def create_roles(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    Page = apps.get_model("wagtailcore.Page")
    Collection = apps.get_model("wagtailcore.Collection")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")
    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()

    groups = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.name)
        groups[role.name] = group
        if role.model_permissions == ("*",):
            group.permissions.set(Permission.objects.all())
        else:
            group.permissions.set([_permission(apps, p) for p in role.model_permissions])
        for codename in role.page_permissions:
            GroupPagePermission.objects.get_or_create(
                group=group, page=root_page, permission=_permission(apps, f"wagtailcore.{codename}")
            )
        for dotted in role.collection_permissions:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=_permission(apps, dotted)
            )

    # Wagtail's sample groups and their workflow would grant publishing outside our roles.
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    Task = apps.get_model("wagtailcore.Task")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    ContentType = apps.get_model("contenttypes.ContentType")
    for name in WAGTAIL_DEFAULT_GROUPS:
        Group.objects.filter(name=name, user__isnull=True).delete()
    WorkflowPage.objects.filter(page=root_page).delete()
    Workflow.objects.filter(name="Moderators approval", workflow_pages__isnull=True).delete()
    Task.objects.filter(name="Moderators approval", workflow_tasks__isnull=True).delete()

    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task, _ = GroupApprovalTask.objects.get_or_create(
        name=APPROVAL_TASK, defaults={"content_type": task_type, "active": True}
    )
    task.groups.set([groups[MARKETING_PUBLISHER], groups[IT_ADMINISTRATOR]])
    workflow, _ = Workflow.objects.get_or_create(name=APPROVAL_WORKFLOW, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=root_page, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    # Explicit names, not "__latest__": that can resolve to a squashed migration and run
    # this one before Wagtail's own permission data migrations.
    dependencies = [
        ("core", "0001_initial"),
        ("content", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailredirects", "0008_add_verbose_name_plural"),
        ("wagtailforms", "0005_alter_formsubmission_form_data"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]

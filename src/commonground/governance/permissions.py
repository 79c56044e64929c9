"""Who may do what in governance: the permission names (granted to the roles by migrations
0002 to 0004) and the one check services and selectors share."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin

VIEW_REGISTRY = "governance.view_technology"
CHANGE_REGISTRY = "governance.change_technology"
ADD_REGISTRY = "governance.add_technology"
REQUEST = "governance.add_technologyrequest"
VIEW_REQUESTS = "governance.view_technologyrequest"
REVIEW = "governance.review_technologyrequest"
COMMENT = "governance.add_requestcomment"
VIEW_SCANS = "governance.view_sitescan"
RUN_SCAN = "governance.add_sitescan"


def may(user: AbstractBaseUser | AnonymousUser, permission: str) -> bool:
    return isinstance(user, PermissionsMixin | AnonymousUser) and user.has_perm(permission)


# Privacy operations (migration 0003 grants them to IT administrators only).
VIEW_RETENTION = "governance.view_retentionpolicy"
CHANGE_RETENTION = "governance.change_retentionpolicy"
HANDLE_DATA_SUBJECTS = "governance.handle_datasubjectrequest"

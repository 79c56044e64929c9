"""Reads about sign-in security: whose account has two-factor sign-in, who must have it, and
the coverage among admin users (the posture page's, and alignment's through
``governance.public``)."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, PermissionsMixin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from commonground.core.roles import IT_ADMINISTRATOR

User = AbstractBaseUser | AnonymousUser

_ADMIN_ACCESS = Q(codename="access_admin", content_type__app_label="wagtailadmin")


def is_it_administrator(user: User) -> bool:
    """In the IT Administrator group, or a superuser: the people who may change who may do
    what and the site's security settings."""
    if not isinstance(user, PermissionsMixin) or not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=IT_ADMINISTRATOR).exists()


def two_factor_required(user: User) -> bool:
    """IT administrators may use the admin only after a second factor."""
    return is_it_administrator(user)


def authenticator(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they set one up."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def has_two_factor(user: User) -> bool:
    return (
        user.is_authenticated
        and TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()
    )


def backup_codes_left(user: User) -> int:
    device = StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    return device.token_set.count() if device else 0


def admin_users() -> QuerySet[AbstractBaseUser]:
    """Active users who can open the admin, annotated with ``has_two_factor`` and
    ``must_have_two_factor`` (IT administrators and superusers)."""
    from django.contrib.auth.models import Permission

    admin_access = Permission.objects.filter(_ADMIN_ACCESS)
    users = get_user_model().objects.filter(is_active=True)
    return (
        users.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=admin_access)
            | Q(user_permissions__in=admin_access)
        )
        .distinct()
        .annotate(
            has_two_factor=Exists(
                TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
            ),
            must_have_two_factor=Q(is_superuser=True)
            | Exists(
                get_user_model().groups.through.objects.filter(
                    user_id=OuterRef("pk"), group__name=IT_ADMINISTRATOR
                )
            ),
        )
        .order_by("username")
    )


@dataclass(frozen=True)
class TwoFactorCoverage:
    """Admin users with two-factor sign-in, as the security-posture page counts them."""

    admin_users: int
    admin_users_covered: int
    it_administrators: int  # and superusers: those who must have it
    it_administrators_covered: int


def two_factor_coverage() -> TwoFactorCoverage:
    """Who has two-factor sign-in now, among the active admin users and among the IT
    administrators (the posture page's "Two-factor sign-in" check)."""
    # Read as the posture check reads them: the annotations are not model fields.
    annotated: list[Any] = list(admin_users())
    users = [(bool(u.has_two_factor), bool(u.must_have_two_factor)) for u in annotated]
    return TwoFactorCoverage(
        admin_users=len(users),
        admin_users_covered=sum(1 for has, _ in users if has),
        it_administrators=sum(1 for _, must in users if must),
        it_administrators_covered=sum(1 for has, must in users if must and has),
    )

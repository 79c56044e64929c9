"""``commonground reset_two_factor <username>``: IT's way back in for someone who lost their
phone and their backup codes. Removes every two-factor device of the account (audited as
``governance.two_factor.reset``); an IT administrator then sets it up at the next sign-in."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from commonground.governance.access import two_factor
from commonground.governance.access.selectors import two_factor_required


class Command(BaseCommand):
    help = "Remove a user's two-factor sign-in devices (a lost phone), with an audit entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--reason",
            default="",
            help="Why, for the audit trail (e.g. the ticket number and how the person was "
            "identified).",
        )

    def handle(self, *args: Any, username: str, reason: str, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(f"There is no user {username!r}.") from None
        removed = two_factor.reset(user=user, reason=reason or "reset_two_factor command")
        if not removed:
            self.stdout.write(f"{username} had no two-factor device; an audit entry says so.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed {removed} two-factor device(s) of {username}. They sign in with "
                "their password and set up two-factor sign-in again"
                + (" (required for them)." if two_factor_required(user) else ".")
            )
        )

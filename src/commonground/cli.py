"""The ``commonground`` command: Django's management commands with the project's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonground.config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["commonground", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()

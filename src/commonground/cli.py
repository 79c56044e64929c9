"""The ``commonground`` command: Django's management commands with the project's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonground.config.settings.dev")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["commonground", *(sys.argv[1:] if argv is None else argv)])
    except ImproperlyConfigured as error:
        # A configuration mistake deserves a message, not a traceback.
        sys.stderr.write(f"commonground: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()

"""The ``load_demo`` command: build the demo site and print where and how to sign in."""

from typing import Any

from django.core.management.base import BaseCommand

from commonground.content.demo import load_demo


class Command(BaseCommand):
    help = (
        "Load the demo site (pages, images, blog, campaign, users for every role). "
        "Running it again only prints the sign-ins."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo pages, images, documents and authors and build them again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        load_demo(reset=options["reset"], write=self.stdout.write)

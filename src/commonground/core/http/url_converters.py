"""Path converters shared by the apps' URLs: ``<id:pk>`` for database ids.

Django's ``<int:...>`` takes any number of digits, and a number past 64 bits reaches the
database as an overflow (a 500 on SQLite, an error on PostgreSQL) instead of a 404.
"""

from django.urls import register_converter


class DatabaseIdConverter:
    """A positive id that fits a 64-bit column (up to 18 digits); anything else is a 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def register() -> None:
    register_converter(DatabaseIdConverter, "id")

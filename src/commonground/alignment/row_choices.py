"""Form fields choosing rows by id that refuse an id no database column can hold."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

# The largest id a 64-bit integer column holds: beyond it SQLite raises OverflowError (a 500)
# instead of finding no row.
LARGEST_ID = 2**63 - 1


def _out_of_range(value: Any) -> bool:
    text = str(value).strip()
    return text.lstrip("-").isdigit() and (len(text) > 20 or abs(int(text)) > LARGEST_ID)


class RowChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` whose out-of-range id is an invalid choice, not a server error."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and _out_of_range(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": str(value)[:20]},
            )
        return super().to_python(value)


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` whose out-of-range ids are invalid, not a server error."""

    def _check_values(self, value: Iterable[Any]) -> QuerySet[Any]:
        for pk in value:
            if _out_of_range(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        checked: QuerySet[Any] = super()._check_values(value)  # type: ignore[misc]  # private in the stubs
        return checked

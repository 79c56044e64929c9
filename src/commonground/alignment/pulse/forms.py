"""The pulse's forms: an answer (five statements on the five-point scale) and opening a round."""

from datetime import date
from typing import Any

from django import forms

from .statements import SCALE, STATEMENTS


def _statement_message(text: str) -> str:
    return f'"{text}" needs an answer from 1 (strongly disagree) to 5 (strongly agree).'


class AnswerForm(forms.Form):
    """One field per statement, named by its key; every one required, each 1-5."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for statement in STATEMENTS:
            message = _statement_message(statement.text)
            self.fields[statement.key] = forms.TypedChoiceField(
                label=statement.text,
                choices=[(str(score), f"{score} {label}") for score, label in SCALE],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": message, "invalid_choice": message},
            )

    def scores(self) -> dict[str, int]:
        return {statement.key: self.cleaned_data[statement.key] for statement in STATEMENTS}


class OpenRoundForm(forms.Form):
    closes_on = forms.DateField(
        required=False,
        label="Closes on",
        help_text="The last day to answer; the quarter's last day if left empty.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Closes on: give a date such as 2026-12-31."},
    )

    def closing_day(self) -> date | None:
        value: date | None = self.cleaned_data.get("closes_on")
        return value

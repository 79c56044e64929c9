"""The budget's forms: they parse and bound the input; the services decide what is allowed."""

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from commonground.governance import public as governance

from ..metrics import all_metrics
from ..models.budget import BudgetCategory, BudgetLine, BudgetSide, BusinessCase, Campaign
from ..periods import Quarter
from ..row_choices import RowChoiceField
from . import finance_csv

MONEY_FIELD: dict[str, Any] = {"max_digits": 18, "decimal_places": 4}


def quarter_choices(today: date | None = None) -> list[tuple[str, str]]:
    """The quarter before this one, this one and the next two."""
    current = Quarter.of(today or timezone.localdate())
    quarters = [current.previous, current, current.next, current.next.next]
    return [(q.start.isoformat(), q.name) for q in quarters]


class PlanForm(forms.Form):
    quarter = forms.ChoiceField(choices=quarter_choices)
    side = forms.ChoiceField(choices=BudgetSide.choices)
    category = forms.ChoiceField(choices=BudgetCategory.choices)
    planned = forms.DecimalField(label="Planned amount", min_value=Decimal(0), **MONEY_FIELD)
    note = forms.CharField(max_length=500, required=False)

    def clean_quarter(self) -> date:
        return date.fromisoformat(self.cleaned_data["quarter"])


class ActualForm(forms.Form):
    line = RowChoiceField(
        queryset=BudgetLine.objects.select_related("period").order_by("-period__start", "pk")
    )
    day = forms.DateField(help_text="e.g. 2026-10-14")
    amount = forms.DecimalField(help_text="Negative for a credit note.", **MONEY_FIELD)
    description = forms.CharField(max_length=finance_csv.DESCRIPTION_MAX)
    utm_campaign = forms.CharField(
        label="UTM campaign",
        max_length=finance_csv.UTM_MAX,
        required=False,
        help_text="The campaign's utm_campaign code, for its ROI.",
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Finance CSV",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    file_bytes: bytes

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > finance_csv.MAX_FILE_BYTES:
            raise forms.ValidationError(finance_csv.too_big_message())
        self.file_bytes = upload.read(finance_csv.MAX_FILE_BYTES + 1)
        if len(self.file_bytes) > finance_csv.MAX_FILE_BYTES:
            raise forms.ValidationError(finance_csv.too_big_message())
        return upload


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "utm_campaign", "site", "goal_name", "start", "end"]
        labels = {"utm_campaign": "UTM campaign code"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The campaign must end on or after its start.")
        return cleaned


class ReallocationForm(forms.Form):
    from_line = RowChoiceField(
        label="From line", queryset=BudgetLine.objects.select_related("period")
    )
    to_line = RowChoiceField(label="To line", queryset=BudgetLine.objects.select_related("period"))
    amount = forms.DecimalField(min_value=Decimal("0.01"), **MONEY_FIELD)
    case = forms.CharField(
        label="The case for it", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    note = forms.CharField(max_length=2000, required=False)


def _subject_choices() -> list[tuple[str, str]]:
    requests = [
        (f"request:{r.id}", f"{r.title} ({r.status_label})")
        for r in governance.technology_request_summaries()
    ]
    campaigns = [(f"campaign:{c.pk}", f"Campaign: {c.name}") for c in Campaign.objects.all()]
    return [("", "Choose…"), *requests, *campaigns]


def _metric_choices() -> list[tuple[str, str]]:
    return [(m.key, f"{m.label} ({m.key})") for m in all_metrics()]


class BusinessCaseForm(forms.Form):
    title = forms.CharField(max_length=200)
    subject = forms.ChoiceField(
        label="For", choices=_subject_choices, help_text="A technology request or a campaign."
    )
    metric = forms.ChoiceField(label="Catalogue metric", choices=_metric_choices)
    params = forms.CharField(
        label="Metric settings",
        required=False,
        max_length=2000,
        help_text='JSON, e.g. {"site": "example.com", "goal": "Signup"}.',
    )
    target_value = forms.DecimalField(label="Expected value", **MONEY_FIELD)
    period_start = forms.DateField()
    period_end = forms.DateField()
    effect_summary = forms.CharField(
        label="In a sentence", max_length=300, required=False, help_text="e.g. demo requests +20%"
    )

    def clean_params(self) -> dict[str, str]:
        text = self.cleaned_data["params"].strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"This is not JSON: {error}.") from None
        except RecursionError:  # "[[[[..." deeper than the parser goes: not settings either
            raise forms.ValidationError("These settings are nested too deeply.") from None
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str | int) for k, v in value.items()
        ):
            raise forms.ValidationError('Give an object of settings, e.g. {"site": "a.com"}.')
        settings_given = {k: str(v) for k, v in value.items()}
        for text in (*settings_given, *settings_given.values()):
            if "\x00" in text or len(text) > 500:
                raise forms.ValidationError("A setting is too long or holds a NUL character.")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise forms.ValidationError(
                    "A setting holds a character that is not text."
                ) from None
        return settings_given

    def clean_subject(self) -> tuple[int | None, Campaign | None]:
        kind, _, pk = self.cleaned_data["subject"].partition(":")
        if kind == "campaign":
            return None, Campaign.objects.get(pk=int(pk))
        return int(pk), None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period must end on or after its start.")
        return cleaned


class EstimateForm(forms.Form):
    estimated_cost = forms.DecimalField(label="Cost", min_value=Decimal(0), **MONEY_FIELD)
    effort_days = forms.DecimalField(
        label="Effort (person-days)",
        min_value=Decimal(0),
        max_value=Decimal(99999),
        max_digits=7,
        decimal_places=1,
    )
    risk = forms.ChoiceField(choices=BusinessCase.Risk.choices)
    notes = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

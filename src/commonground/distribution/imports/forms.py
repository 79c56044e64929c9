"""The upload form: the file (read and checked here, so a bad one imports nothing), the list
and how consent was given."""

from typing import Any

from django import forms

from ..newsletter.models import MailingList
from . import csv_files, services
from .models import SubscriberImport


class SubscriberImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "A first row naming the columns: “email” (or “e-mail”, “Email Address”) and, if"
            " you have them, “name” or “first name” and “last name”. Commas, semicolons or"
            f" tabs; UTF-8. At most {csv_files.megabytes(csv_files.MAX_FILE_BYTES)} and"
            f" {csv_files.MAX_ROWS:,} rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
    mailing_list = forms.ModelChoiceField(
        label="List", queryset=MailingList.objects.all(), empty_label=None
    )
    consent_mode = forms.ChoiceField(
        label="Consent",
        choices=SubscriberImport.ConsentMode.choices,
        initial=SubscriberImport.ConsentMode.DOUBLE_OPT_IN,
        widget=forms.RadioSelect,
    )
    consent_record = forms.CharField(
        label="Where consent was recorded",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Only when marking people confirmed. Kept with the import for the audit: the form,"
            " event or system, and when (e.g. “Sign-up sheet at the trade fair, March 2026;"
            " scans in the CRM”)."
        ),
    )
    consent_attested = forms.BooleanField(
        label=(
            "I confirm that everyone in this file agreed to receive this list, and that their"
            " consent was recorded where I say above."
        ),
        required=False,
    )

    subscriber_csv: csv_files.SubscriberCsv

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > csv_files.MAX_FILE_BYTES:
            raise forms.ValidationError(csv_files.too_big_message())
        try:
            self.subscriber_csv = csv_files.read(upload.read(csv_files.MAX_FILE_BYTES + 1))
        except csv_files.CsvFileError as error:
            raise forms.ValidationError(str(error)) from error
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        problems = services.consent_problems(
            consent_mode=cleaned.get("consent_mode", ""),
            consent_attested=bool(cleaned.get("consent_attested")),
            consent_record=cleaned.get("consent_record", ""),
        )
        for field, problem in problems.items():
            self.add_error(field, problem)
        return cleaned

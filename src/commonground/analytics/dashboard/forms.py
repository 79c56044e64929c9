"""Input checks for the dashboard's endpoints."""

from datetime import date, timedelta

from django import forms

from ..models import Annotation, TrackedSite

# Wider than any range the dashboard offers, narrow enough to refuse a typo'd year.
MAX_RANGE_DAYS = 3700


class AnnotationForm(forms.ModelForm):
    site = forms.ModelChoiceField(queryset=TrackedSite.objects.all(), to_field_name="domain")

    class Meta:
        model = Annotation
        fields = ["site", "date", "text"]

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"]).strip()
        if not text:
            raise forms.ValidationError("Write what happened on that day.")
        return text


class SiteRangeForm(forms.Form):
    """A tracked site and a range of days, as the page's script asks for side panels."""

    site = forms.ModelChoiceField(queryset=TrackedSite.objects.all(), to_field_name="domain")
    first = forms.DateField()
    last = forms.DateField()

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first"), cleaned.get("last")
        if isinstance(first, date) and isinstance(last, date):
            if first > last:
                raise forms.ValidationError("The first day is after the last.")
            if last - first > timedelta(days=MAX_RANGE_DAYS):
                raise forms.ValidationError(f"At most {MAX_RANGE_DAYS} days at a time.")
        return cleaned

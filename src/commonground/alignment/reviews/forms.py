"""Review meetings' admin forms: each parses one kind of input for one service."""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from ..models import Decision, MeetingSeries
from ..models.reviews import MINUTES_MAX_LENGTH, TEXT_MAX_LENGTH, time_zone_names
from ..row_choices import RowChoiceField, RowsChoiceField
from .selectors import DecisionSearch
from .services import DecisionDetails, SeriesDetails


def people() -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "username")


def person_label(person: Any) -> str:
    name = person.get_full_name() or person.get_username()
    return f"{name} <{person.email}>" if person.email else name


class PersonChoiceField(RowChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class PeopleChoiceField(RowsChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


def _fresh_people(form: forms.Form, *names: str) -> None:
    """The user choices as they are now (a class attribute's queryset is built once)."""
    for name in names:
        cast(forms.ModelChoiceField, form.fields[name]).queryset = people()


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SeriesForm(forms.Form):
    name = forms.CharField(max_length=160)
    cadence = forms.ChoiceField(choices=MeetingSeries.Cadence.choices)
    first_date = forms.DateField(label="First meeting's date", widget=DATE)
    start_time = forms.TimeField(label="Starts at", widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.ChoiceField(choices=[])
    duration_minutes = forms.IntegerField(label="Length in minutes", min_value=5, max_value=480)
    location = forms.CharField(max_length=300, required=False)
    video_url = forms.URLField(
        label="Video link", max_length=500, required=False, assume_scheme="https"
    )
    organiser = PersonChoiceField(queryset=people(), required=False)
    attendees = PeopleChoiceField(
        queryset=people(),
        widget=forms.CheckboxSelectMultiple,
        help_text="People from both sides; each gets the invitation by e-mail.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = cast(forms.ChoiceField, self.fields["time_zone"])
        zones.choices = [(name, name) for name in sorted(time_zone_names())]
        if settings.TIME_ZONE in dict(zones.choices):
            zones.initial = settings.TIME_ZONE  # not the alphabet's first, Africa/Abidjan
        _fresh_people(self, "organiser", "attendees")

    @classmethod
    def initial_for(cls, series: MeetingSeries) -> dict[str, Any]:
        return {
            "name": series.name,
            "cadence": series.cadence,
            "first_date": series.first_date,
            "start_time": series.start_time,
            "time_zone": series.time_zone,
            "duration_minutes": series.duration_minutes,
            "location": series.location,
            "video_url": series.video_url,
            "organiser": series.organiser_id,
            "attendees": list(series.attendees.values_list("pk", flat=True)),
        }

    def details(self) -> SeriesDetails:
        data = self.cleaned_data
        return SeriesDetails(
            name=data["name"],
            cadence=data["cadence"],
            first_date=data["first_date"],
            start_time=data["start_time"],
            time_zone=data["time_zone"],
            duration_minutes=data["duration_minutes"],
            location=data["location"],
            video_url=data["video_url"],
            organiser=data["organiser"],
            attendees=list(data["attendees"]),
        )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), max_length=MINUTES_MAX_LENGTH, required=False
    )
    held = forms.BooleanField(
        required=False, label="The meeting was held (freezes the agenda as it is now)"
    )


class DecisionForm(forms.Form):
    title = forms.CharField(max_length=200)
    context = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX_LENGTH, required=False
    )
    decision = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX_LENGTH)
    consequences = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX_LENGTH, required=False
    )
    owner = PersonChoiceField(queryset=people(), required=False)
    decided_on = forms.DateField(widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _fresh_people(self, "owner")

    def details(self) -> DecisionDetails:
        data = self.cleaned_data
        return DecisionDetails(
            title=data["title"],
            decision=data["decision"],
            decided_on=data["decided_on"],
            context=data["context"],
            consequences=data["consequences"],
            owner=data["owner"],
        )


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200)
    owner = PersonChoiceField(queryset=people())
    due_date = forms.DateField(widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _fresh_people(self, "owner")


class DecisionSearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=200, required=False)
    first = forms.DateField(label="Decided from", required=False, widget=DATE)
    last = forms.DateField(label="Decided until", required=False, widget=DATE)
    source = forms.ChoiceField(
        choices=[("", "Any source"), *Decision.Source.choices], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            self.add_error("last", "The end of the range is before its start.")
        return data

    def search(self) -> DecisionSearch:
        if not self.is_valid():
            return DecisionSearch()
        data = self.cleaned_data
        return DecisionSearch(
            text=data["q"], first=data["first"], last=data["last"], source=data["source"]
        )

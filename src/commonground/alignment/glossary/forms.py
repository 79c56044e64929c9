"""Forms of the glossary pages: they parse and check, services write."""

from typing import Any

from django import forms

from ..models.glossary import EXAMPLES_MAX_LENGTH, EXPLANATION_MAX_LENGTH, TERM_MAX_LENGTH
from . import selectors
from .services import TermText


class ProposalForm(forms.Form):
    """What a term should read: its name, both explanations, examples, related metrics."""

    term = forms.CharField(max_length=TERM_MAX_LENGTH)
    for_marketing = forms.CharField(
        label="For marketing",
        max_length=EXPLANATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What it means for a campaign, in 2 to 4 plain sentences.",
    )
    for_it = forms.CharField(
        label="For IT",
        max_length=EXPLANATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What it means for security, cost or operations, in 2 to 4 plain sentences.",
    )
    examples = forms.CharField(
        max_length=EXAMPLES_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    related_metrics = forms.MultipleChoiceField(
        label="Related metrics",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The scorecard metrics in which this term shows up as a number.",
    )
    reason = forms.CharField(
        label="Why",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For the other side's lead, who accepts or rejects the proposal.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        related = self.fields["related_metrics"]
        assert isinstance(related, forms.MultipleChoiceField)
        # Read when the form is made: the catalogue may register metrics after import.
        related.choices = [(key, key) for key in selectors.metric_keys()]

    def text(self) -> TermText:
        data = self.cleaned_data
        return TermText(
            term=data["term"],
            for_marketing=data["for_marketing"],
            for_it=data["for_it"],
            examples=data["examples"],
            related_metrics=tuple(data["related_metrics"]),
        )


class NewTermForm(ProposalForm):
    slug = forms.SlugField(
        max_length=60,
        help_text="How screens name the term: lower case, digits and hyphens, e.g. “bounce-rate”.",
    )
    field_order = ["term", "slug"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=200, required=False)

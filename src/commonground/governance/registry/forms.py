"""Forms for the registry and the request workflow: they parse and check, services write."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from wagtail.admin.forms import WagtailAdminModelForm

from commonground.core.glossary import term_html

from .hosts import normalise_host
from .models import (
    COMMENT_MAX_LENGTH,
    DATA_CATEGORY_CHOICES,
    DATA_LOCATION_CHOICES,
    ReviewAnswer,
    ReviewQuestion,
    Technology,
    TechnologyHost,
)

# Form field name -> CSP directive.
HOST_FIELDS = {
    "hosts_script": TechnologyHost.Directive.SCRIPT.value,
    "hosts_style": TechnologyHost.Directive.STYLE.value,
    "hosts_image": TechnologyHost.Directive.IMG.value,
    "hosts_connect": TechnologyHost.Directive.CONNECT.value,
    "hosts_frame": TechnologyHost.Directive.FRAME.value,
    "hosts_form": TechnologyHost.Directive.FORM_ACTION.value,
}
_LABELS = dict(TechnologyHost.Directive.choices)


def parse_hosts(text: str) -> list[str]:
    """One host per line (or comma-separated), each normalised; every bad line named."""
    hosts, errors = [], []
    for line in (text or "").replace(",", "\n").splitlines():
        if not line.strip():
            continue
        try:
            hosts.append(normalise_host(line))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return list(dict.fromkeys(hosts))


HOSTS_HELP = "One per line: cdn.example.com or *.example.com (no https://, path or port)."


def explain_registry_fields(form: forms.BaseForm) -> None:
    """Help texts carrying the glossary's explanations of the registry's words (risk tier,
    DPA, SSO, consent purpose, CSP, third-party host), looked up as the form is drawn."""
    help_texts = {
        "data_category": format_html(
            "{} With where it is kept, the {} and {} answers, this sets the entry's {}.",
            form.fields["data_category"].help_text
            if "data_category" in form.fields and form.fields["data_category"].help_text
            else "What the tool processes about people.",
            term_html("dpa", "DPA"),
            term_html("sso", "SSO"),
            term_html("risk-tier", "risk tier"),
        ),
        "dpa_signed": format_html(
            "Whether the vendor has signed our {}.",
            term_html("dpa", "data-processing agreement (DPA)"),
        ),
        "single_sign_on": format_html(
            "Whether staff sign in with the company account ({}).",
            term_html("sso", "single sign-on"),
        ),
        "consent_purpose": format_html(
            "What visitors must agree to before its scripts load: its {}.",
            term_html("consent-purpose", "consent purpose"),
        ),
        "hosts_script": format_html(
            "{} Each is a {}; approved ones enter the site's {}.",
            HOSTS_HELP,
            term_html("third-party-host", "third-party host"),
            term_html("csp", "Content-Security-Policy"),
        ),
    }
    for name, help_text in help_texts.items():
        if name in form.fields:
            form.fields[name].help_text = help_text


class HostFieldsMixin(forms.Form):
    def add_host_fields(self, initial: dict[str, list[str]] | None = None) -> None:
        for name, directive in HOST_FIELDS.items():
            self.fields[name] = forms.CharField(
                label=f"{_LABELS[directive].capitalize()} hosts ({directive})",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
                help_text=HOSTS_HELP,
                initial="\n".join((initial or {}).get(directive, [])),
            )

    def _clean_host_fields(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for name, directive in HOST_FIELDS.items():
            if name in self.errors:
                continue
            try:
                result[directive] = parse_hosts(self.cleaned_data.get(name, ""))
            except ValidationError as error:
                self.add_error(name, error)
        return result

    @property
    def hosts(self) -> dict[str, list[str]]:
        hosts: dict[str, list[str]] = self.cleaned_data.get("_hosts", {})
        return hosts

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        data["_hosts"] = self._clean_host_fields()
        return data


# A registry entry's fields in the order every view shows them: what the entry answers (the
# risk tier is computed from these), then what IT decides. The tier itself is never edited.
ANSWERED_FIELDS = (
    "name",
    "vendor",
    "category",
    "owner",
    "business_purpose",
    "annual_cost",
    "contract_renewal",
    "data_category",
    "data_location",
    "dpa_signed",
    "single_sign_on",
)
RISK_FIELDS = ("risk_tier", "risk_reason")
DECIDED_FIELDS = ("status", "consent_purpose")


class TechnologyForm(HostFieldsMixin, WagtailAdminModelForm):
    """The registry entry, for IT: status, hosts and the answers the risk tier comes from."""

    class Meta:
        model = Technology
        fields = [*ANSWERED_FIELDS, *DECIDED_FIELDS]
        widgets = {"contract_renewal": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        initial: dict[str, list[str]] = {}
        if self.instance.pk:
            for row in self.instance.hosts.all():
                initial.setdefault(row.directive, []).append(row.host)
        self.add_host_fields(initial)
        explain_registry_fields(self)

    def clean_annual_cost(self) -> Any:
        cost = self.cleaned_data.get("annual_cost")
        if cost is not None and cost < 0:
            raise ValidationError("A cost is not negative.")
        return cost


class RequestForm(HostFieldsMixin):
    """Marketing's request: the tool, what it touches, and the business case."""

    name = forms.CharField(label="Tool", max_length=200)
    vendor = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=Technology.Category.choices)
    business_purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
    data_category = forms.ChoiceField(
        label="Data it processes",
        choices=DATA_CATEGORY_CHOICES,
        help_text="Pseudonymous: ids or cookies, no names. Personal: names, e-mail addresses. "
        "Sensitive: health, religion, politics, finances and the like.",
    )
    data_location = forms.ChoiceField(label="Where the data is kept", choices=DATA_LOCATION_CHOICES)
    consent_purpose = forms.ChoiceField(choices=Technology.ConsentPurpose.choices)
    annual_cost = forms.DecimalField(
        label="Annual cost (EUR)", min_value=0, max_digits=12, decimal_places=2, required=False
    )
    problem = forms.CharField(
        label="Problem it solves", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    expected_value = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    needed_by = forms.DateField(
        label="Needed by", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_host_fields()
        explain_registry_fields(self)


def request_prefill(query: Any) -> dict[str, str]:
    """Initial values for a request opened from a refusal or a scan finding:
    ``?host=cdn.example.com&directive=script-src``. Anything unusable is ignored."""
    directive = str(query.get("directive", ""))[:20]
    field = next((name for name, value in HOST_FIELDS.items() if value == directive), None)
    try:
        host = normalise_host(str(query.get("host", ""))[:300])
    except ValidationError:
        return {}
    if field is None:
        return {}
    return {
        field: host,
        "problem": f"Our pages need {_LABELS[directive]} content from {host}, which the "
        "technology registry has not approved.",
    }


class QuestionnaireForm(forms.Form):
    """An answer and a note per active question; unanswered questions are left open."""

    def __init__(self, *args: Any, questions: list[ReviewQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"answer_{question.pk}"] = forms.ChoiceField(
                label=question.text,
                help_text=question.help_text,
                choices=[("", "—"), *ReviewAnswer.Answer.choices],
                required=False,
            )
            self.fields[f"note_{question.pk}"] = forms.CharField(
                label="Note", max_length=1000, required=False
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"answer_{q.pk}"], self[f"note_{q.pk}"]) for q in self.questions]

    def answers(self) -> dict[int, tuple[str, str]]:
        return {
            q.pk: (self.cleaned_data[f"answer_{q.pk}"], self.cleaned_data[f"note_{q.pk}"].strip())
            for q in self.questions
            if self.cleaned_data.get(f"answer_{q.pk}")
        }


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Plain text.",
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject")], widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="Why: the requester reads this, and it stays in the audit trail.",
    )

"""The goal form: the metric's settings are fields of their own, shown for the metrics that
take them (``static/alignment/goal_form.js``), and checked by the service."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ..metrics.base import Parameter, all_metrics
from ..models import Goal
from ..row_choices import RowsChoiceField
from ..sides import Party, Side
from .services import GoalSpec

PARAM_PREFIX = "param_"


def _metric_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for definition in all_metrics():
        # The manual metrics name their direction already ("Manual check-in (lower is better)").
        direction = f"({definition.direction.label})"
        label = definition.label
        if direction not in label:
            label = f"{label} {direction}"
        groups.setdefault(definition.source.title(), []).append((definition.key, label))
    return list(groups.items())


def _parameters() -> dict[str, tuple[Parameter, list[str]]]:
    """Every parameter name the catalogue uses, with the metrics that take it."""
    found: dict[str, tuple[Parameter, list[str]]] = {}
    for definition in all_metrics():
        for parameter in definition.parameters:
            found.setdefault(parameter.name, (parameter, []))[1].append(definition.key)
    return found


class GoalForm(forms.Form):
    name = forms.CharField(max_length=160)
    side = forms.ChoiceField(choices=Side.choices)
    metric = forms.ChoiceField(help_text="What is measured; the catalogue says how.")
    period_kind = forms.ChoiceField(choices=Goal.PeriodKind.choices, label="Period")
    period_start = forms.DateField(
        label="Period begins",
        help_text="Any day of the month or quarter; a custom period starts on this day.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    period_end = forms.DateField(
        label="Period ends",
        required=False,
        help_text="Custom periods only.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    target_value = forms.DecimalField(
        label="Target", required=False, max_digits=18, decimal_places=4
    )
    target_formula = forms.CharField(
        label="…or a target formula",
        required=False,
        max_length=200,
        help_text='On another period: "last quarter + 10%", "previous period * 0.9", '
        '"analytics.visits@last month + 500".',
    )
    baseline = forms.DecimalField(
        required=False,
        max_digits=18,
        decimal_places=4,
        help_text="Rates and levels only: where the metric starts. Left empty, the period "
        "before is measured.",
    )
    tolerance_percent = forms.DecimalField(
        label="Tolerance (%)",
        initial=Decimal(10),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        help_text="How far behind pace, as a share of the distance to cover, is still 'at "
        "risk' rather than 'off track'.",
    )
    guardrails = RowsChoiceField(
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Goals of the other side that must not suffer for this one (e.g. LCP p75 or "
        "CSP violations next to a conversion goal).",
    )
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For joint goals: why, for the other lead who accepts it.",
    )

    def __init__(self, *args: Any, party: Party | None, goal: Goal | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["metric"]).choices = _metric_choices()
        sides = [(Side.JOINT.value, Side.JOINT.label)]
        if party is not None:
            sides.insert(0, (party.value, party.label))
        if goal is not None and goal.side not in dict(sides):
            sides.append((goal.side, Side(goal.side).label))
        cast(forms.ChoiceField, self.fields["side"]).choices = sides
        self.fields["period_start"].initial = timezone.localdate()
        others = Goal.objects.filter(archived=False).order_by("side", "name")
        if goal is not None:
            others = others.exclude(pk=goal.pk)
        cast(forms.ModelMultipleChoiceField, self.fields["guardrails"]).queryset = others
        self.fields["guardrails"].label_from_instance = (  # type: ignore[attr-defined]
            lambda g: f"{g.name} ({Side(g.side).label}, {g.period_start:%b %Y})"
        )
        for name, (parameter, metrics) in _parameters().items():
            choices = parameter.choices() if parameter.choices else None
            widget_attrs = {"data-metrics": " ".join(metrics)}
            field: forms.Field
            if choices:
                field = forms.ChoiceField(
                    choices=[("", "—"), *choices],
                    widget=forms.Select(attrs=widget_attrs),
                )
            else:
                field = forms.CharField(max_length=300, widget=forms.TextInput(attrs=widget_attrs))
            field.required = False
            field.label = parameter.label
            field.help_text = parameter.help
            self.fields[PARAM_PREFIX + name] = field

    def param_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(PARAM_PREFIX)]

    def plain_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(PARAM_PREFIX)]

    def spec(self) -> GoalSpec:
        data = self.cleaned_data
        key = data["metric"]
        wanted = {name for name, (_, metrics) in _parameters().items() if key in metrics}
        params = {
            name: str(data.get(PARAM_PREFIX + name) or "").strip()
            for name in wanted
            if str(data.get(PARAM_PREFIX + name) or "").strip()
        }
        return GoalSpec(
            name=data["name"],
            side=data["side"],
            metric=key,
            period_kind=data["period_kind"],
            period_start=data["period_start"],
            period_end=data.get("period_end"),
            params=params,
            target_value=data.get("target_value"),
            target_formula=data.get("target_formula") or "",
            baseline=data.get("baseline"),
            tolerance_percent=data.get("tolerance_percent") or Decimal(10),
            description=data.get("description") or "",
            guardrail_ids=tuple(g.pk for g in data.get("guardrails") or ()),
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's field errors on this form's fields (metric settings included)."""
        for name, messages in error.message_dict.items():
            field = PARAM_PREFIX + name.split(".", 1)[1] if name.startswith("params.") else name
            if field not in self.fields:
                field = None  # type: ignore[assignment]
            for message in messages:
                self.add_error(field, message)

    @staticmethod
    def initial_for(goal: Goal) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": goal.name,
            "side": goal.side,
            "metric": goal.metric,
            "period_kind": goal.period_kind,
            "period_start": goal.period_start,
            "period_end": goal.period_end,
            "target_value": goal.target_value,
            "target_formula": goal.target_formula,
            "baseline": goal.baseline,
            "tolerance_percent": goal.tolerance_percent,
            "description": goal.description,
            "guardrails": list(goal.guardrails.all()),
        }
        initial.update({PARAM_PREFIX + k: v for k, v in (goal.params or {}).items()})
        return initial


class CheckInForm(forms.Form):
    series = forms.SlugField(max_length=80, help_text="e.g. brand-awareness")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    value = forms.DecimalField(max_digits=18, decimal_places=4)
    note = forms.CharField(required=False, max_length=500)


class DecisionForm(forms.Form):
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

"""Forms of the incident pages. Choices come from the scoped selectors of the member."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import OPEN_STATUSES, ActionItemStatus, PostMortemStatus, Status
from tenants import selectors
from tenants.forms import PageForm
from tenants.models import Brand, Membership, Severity, Team


def _member_label(member: Membership) -> str:
    return f"{member.user.get_username()} ({member.get_role_display()})"


class IncidentCreateForm(PageForm):
    brand = forms.ModelChoiceField(label=_("Brand"), queryset=Brand.objects.none())
    title = forms.CharField(label=_("Title"), max_length=300)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial="sev2")
    summary = forms.CharField(
        label=_("What is happening"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the brand's default teams."),
    )
    is_drill = forms.BooleanField(
        label=_("Drill (practice: never counted in the metrics)"), required=False
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # brand_list applies the member's brand limitation: no other brand can be chosen.
        self.fields["brand"].queryset = selectors.brand_list(membership=membership)
        self.fields["teams"].queryset = selectors.team_list(membership=membership)


class BoardFilterForm(forms.Form):
    """The board's filters. Parameter names are the API's (incidents.api.filters), whose
    FilterSet does the filtering, so the board and the API agree on what a filter means."""

    brand = forms.ModelChoiceField(
        label=_("Brand"), queryset=Brand.objects.none(), required=False, empty_label=_("All brands")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams")
    )
    severity = forms.MultipleChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in OPEN_STATUSES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Submits "true", the value the API's BooleanFilter understands ("on" would be ignored).
    assigned_to_me = forms.BooleanField(
        label=_("Assigned to me"),
        required=False,
        widget=forms.CheckboxInput(attrs={"value": "true"}),
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = selectors.brand_list(membership=membership)
        self.fields["team"].queryset = selectors.team_list(membership=membership)


class TransitionForm(PageForm):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)


class SeverityForm(PageForm):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)


class AssignForm(PageForm):
    commander = forms.ModelChoiceField(
        label=_("Commander"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("(unchanged)"),
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        commander = self.fields["commander"]
        commander.queryset = selectors.member_list(membership=membership)
        commander.label_from_instance = _member_label
        self.fields["teams"].queryset = selectors.team_list(membership=membership)


class NoteForm(PageForm):
    text = forms.CharField(
        label=_("Note"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Internal: never part of a client export."),
    )


class MonitoringRuleForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        help_text=_("Comma-separated words or phrases; a mention containing one is flagged."),
    )
    window_minutes = forms.IntegerField(
        label=_("Window (minutes)"), min_value=1, max_value=24 * 60, initial=15
    )
    min_negative = forms.IntegerField(
        label=_("Minimum negative mentions in the window"),
        min_value=1,
        required=False,
        help_text=_("Empty: keywords only, no volume trigger."),
    )
    multiplier = forms.FloatField(
        label=_("Multiplier over the brand's baseline"), min_value=1.0, initial=3.0
    )
    severity = forms.ChoiceField(
        label=_("Severity of the incident it opens"), choices=Severity.choices, initial="sev2"
    )

    def clean_keywords(self) -> list[str]:
        return [k.strip() for k in self.cleaned_data["keywords"].split(",") if k.strip()]


# --- Post-mortem pages (parse and validate only; the services write) ---


class PostMortemForm(PageForm):
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea)
    impact = forms.CharField(label=_("Impact"), required=False, widget=forms.Textarea)
    root_cause = forms.CharField(label=_("Root cause"), required=False, widget=forms.Textarea)
    went_well = forms.CharField(label=_("What went well"), required=False, widget=forms.Textarea)
    went_wrong = forms.CharField(label=_("What went wrong"), required=False, widget=forms.Textarea)
    lessons = forms.CharField(label=_("Lessons"), required=False, widget=forms.Textarea)


class RequestChangesForm(PageForm):
    comments = forms.CharField(
        label=_("What should change"), max_length=5000, widget=forms.Textarea
    )


class ActionItemForm(PageForm):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=Membership.objects.none(), required=False
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ActionItemStatus.choices, required=False)

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = selectors.member_list(membership=membership).order_by("user__username")
        owner.label_from_instance = lambda m: m.user.get_username()


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *PostMortemStatus.choices],
        required=False,
    )
    mine = forms.BooleanField(label=_("Waiting for my review"), required=False)
    q = forms.CharField(label=_("Search lessons and root causes"), max_length=200, required=False)

"""Forms of the incident pages. Choices come from the scoped selectors of the member."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import Status
from tenants import selectors
from tenants.forms import PageForm, set_queryset
from tenants.models import Brand, Membership, Severity, Team


def _member_label(member: Membership) -> str:
    return f"{member.user.get_username()} ({member.get_role_display()})"


class _MemberChoiceField(forms.ModelChoiceField):
    """A member, labelled with their username and role."""

    def label_from_instance(self, obj: Membership) -> str:
        return _member_label(obj)


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
        set_queryset(self, "brand", selectors.brand_list(membership=membership))
        set_queryset(self, "teams", selectors.team_list(membership=membership))


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
    # Every status: choosing resolved or closed takes the person to the archive (the board
    # itself is the live list of open incidents).
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=Status.choices,
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
        set_queryset(self, "brand", selectors.brand_list(membership=membership))
        set_queryset(self, "team", selectors.team_list(membership=membership))


DRILL_CHOICES = [
    ("", _("Drills and real incidents")),
    ("false", _("Real incidents only")),
    ("true", _("Drills only")),
]


class ArchiveFilterForm(BoardFilterForm):
    """The archive's filters: the board's, plus the period, drills and words. The names are
    the API's parameters again (detected_from, detected_to, is_drill, q)."""

    detected_from = forms.DateField(
        label=_("Detected from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    detected_to = forms.DateField(
        label=_("Detected to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    is_drill = forms.ChoiceField(label=_("Drills"), choices=DRILL_CHOICES, required=False)
    q = forms.CharField(
        label=_("Words in the title or summary"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class TransitionForm(PageForm):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)


class SeverityForm(PageForm):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)


# Alike the templates and tenants forms on purpose: Django declares each form's own fields and
# fills each one's querysets from its own selectors.
class AssignForm(PageForm):
    commander = _MemberChoiceField(
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
        set_queryset(self, "commander", selectors.staff_list(membership=membership))
        set_queryset(self, "teams", selectors.team_list(membership=membership))


class NoteForm(PageForm):
    text = forms.CharField(
        label=_("Note"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Internal unless marked for the client: client staff never read it."),
    )
    for_client = forms.BooleanField(
        label=_("Visible to the client"),
        required=False,
        help_text=_("The client's own staff read this note on the timeline."),
    )

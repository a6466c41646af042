"""Forms of the post-mortem pages (parse and validate only; the services write)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.postmortems.models import ActionItemStatus, PostMortemStatus
from tenants import selectors
from tenants.forms import PageForm, set_queryset
from tenants.models import Membership


class _UsernameChoiceField(forms.ModelChoiceField):
    """A member, labelled with their username."""

    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.get_username()


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
    owner = _UsernameChoiceField(
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
        owner = selectors.staff_list(membership=membership).order_by("user__username")
        set_queryset(self, "owner", owner)


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *PostMortemStatus.choices],
        required=False,
    )
    mine = forms.BooleanField(label=_("Waiting for my review"), required=False)
    q = forms.CharField(label=_("Search lessons and root causes"), max_length=200, required=False)

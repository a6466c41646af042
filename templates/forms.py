"""Forms of the template library pages (parse and validate only; the services write)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from templates.models import Channel, Language, Tone
from tenants import selectors as tenant_selectors
from tenants.forms import PageForm, set_queryset
from tenants.models import Brand, Membership


class TemplateForm(PageForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Channel.choices)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)
    tone = forms.ChoiceField(label=gettext_lazy("Tone"), choices=Tone.choices)
    brand = forms.ModelChoiceField(
        label=gettext_lazy("Brand"),
        queryset=Brand.objects.none(),
        required=False,
        empty_label=gettext_lazy("Every brand"),
    )
    body = forms.CharField(
        label=gettext_lazy("Text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Placeholders: {{ name }}. Built in: {{ brand }}, {{ incident_title }}, {{ today }}."
        ),
    )
    variables = forms.CharField(
        label=gettext_lazy("Variables"),
        required=False,
        help_text=gettext_lazy("Comma-separated names of the other placeholders (a-z, 0-9, _)."),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "brand", tenant_selectors.brand_list(membership=membership))

    def clean_variables(self) -> list[str]:
        return [v.strip() for v in self.cleaned_data["variables"].split(",") if v.strip()]

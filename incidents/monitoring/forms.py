"""Forms of the monitoring pages (parse and validate only; the services write)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.forms import PageForm
from tenants.models import Severity


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

"""Forms of the monitoring pages (parse and validate only; the services write)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.monitoring.models import Platform, RuleMeasure, SentimentLabel, SentimentSource
from tenants.forms import PageForm
from tenants.models import Brand, Membership, Severity
from tenants.selectors import brand_list


# Alike tenants/forms.py:BrandForm on purpose: Django form fields with their own labels, bounds
# and help; only the keyword layout of forms.IntegerField/SlugField matches.
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
    measure = forms.ChoiceField(
        label=_("What the volume trigger counts"),
        choices=RuleMeasure.choices,
        initial=RuleMeasure.MENTIONS,
        required=False,
        help_text=_(
            "Negative reach sums the reach of the negative mentions: a few posts by large "
            "accounts weigh more than many by small ones."
        ),
    )
    min_negative = forms.IntegerField(
        label=_("Minimum negative volume in the window"),
        min_value=1,
        max_value=10**15,
        required=False,
        help_text=_("Mentions or reach, as chosen above. Empty: keywords only, no volume trigger."),
    )
    multiplier = forms.FloatField(
        label=_("Multiplier over the brand's baseline"), min_value=1.0, initial=3.0
    )
    min_reach = forms.IntegerField(
        label=_("Reach of a single negative mention that opens an incident"),
        min_value=1,
        required=False,
        help_text=_("Empty: no reach trigger. E.g. 100000 for a post by a large account."),
    )
    severity = forms.ChoiceField(
        label=_("Severity of the incident it opens"), choices=Severity.choices, initial="sev2"
    )

    def clean_measure(self) -> str:
        return self.cleaned_data["measure"] or RuleMeasure.MENTIONS

    def clean_keywords(self) -> list[str]:
        return [k.strip() for k in self.cleaned_data["keywords"].split(",") if k.strip()]


class MentionBrowserForm(forms.Form):
    """The mention browser's filters. Parameter names are the API's (monitoring.filters), whose
    FilterSet does the filtering; this form only draws and checks them."""

    q = forms.CharField(
        label=_("Words in the text"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    brand = forms.ModelChoiceField(
        label=_("Brand"), queryset=Brand.objects.none(), required=False, empty_label=_("All brands")
    )
    platform = forms.ChoiceField(label=_("Platform"), required=False)
    sentiment = forms.ChoiceField(label=_("Sentiment"), required=False)
    source = forms.ChoiceField(label=_("Scored by"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    posted_from = forms.DateField(
        label=_("Posted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    posted_to = forms.DateField(
        label=_("Posted to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    min_reach = forms.IntegerField(label=_("Reach at least"), required=False, min_value=0)

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        brand_field = self.fields["brand"]
        assert isinstance(brand_field, forms.ModelChoiceField)
        brand_field.queryset = brand_list(membership=membership)
        for name, choices in (
            ("platform", Platform.choices),
            ("sentiment", SentimentLabel.choices),
            ("source", SentimentSource.choices),
            ("language", [("ru", _("Russian")), ("en", _("English"))]),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = any_ + list(choices)


class MentionBulkForm(forms.Form):
    """What to do with the chosen mentions: correct their sentiment or link them."""

    mention = forms.TypedMultipleChoiceField(coerce=int, required=True)
    action = forms.ChoiceField(choices=[("label", "label"), ("link", "link")])
    sentiment = forms.ChoiceField(choices=SentimentLabel.choices, required=False)
    incident = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any ids: scoping happens in the services (another organisation's id does nothing).
        field = self.fields["mention"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.valid_value = lambda value: str(value).isdigit()  # type: ignore[method-assign]

"""The mention filters: one FilterSet for the API's list and the web's mention browser, so
both agree on what a filter means (the page's form uses the same parameter names)."""

import django_filters

from incidents.monitoring.models import Mention, Platform, SentimentLabel, SentimentSource


class MentionFilter(django_filters.FilterSet):
    brand = django_filters.NumberFilter(field_name="brand_id")
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    sentiment = django_filters.ChoiceFilter(
        field_name="sentiment_label", choices=SentimentLabel.choices
    )
    source = django_filters.ChoiceFilter(
        field_name="sentiment_source", choices=SentimentSource.choices
    )
    language = django_filters.CharFilter(
        field_name="language", lookup_expr="istartswith", max_length=16
    )
    min_reach = django_filters.NumberFilter(field_name="reach", lookup_expr="gte", min_value=0)
    incident = django_filters.NumberFilter(field_name="incident_id")
    unlinked = django_filters.BooleanFilter(field_name="incident", lookup_expr="isnull")
    q = django_filters.CharFilter(field_name="text", lookup_expr="icontains", max_length=200)
    posted_after = django_filters.IsoDateTimeFilter(field_name="posted_at", lookup_expr="gte")
    posted_before = django_filters.IsoDateTimeFilter(field_name="posted_at", lookup_expr="lt")
    posted_from = django_filters.DateFilter(field_name="posted_at", lookup_expr="date__gte")
    posted_to = django_filters.DateFilter(field_name="posted_at", lookup_expr="date__lte")

    class Meta:
        model = Mention
        fields = [
            "brand",
            "platform",
            "sentiment",
            "source",
            "language",
            "min_reach",
            "incident",
            "unlinked",
            "q",
            "posted_after",
            "posted_before",
            "posted_from",
            "posted_to",
        ]

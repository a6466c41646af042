import django_filters
from django.db.models import Q, QuerySet

from templates.models import Channel, Language, ResponseTemplate, Tone


class TemplateFilter(django_filters.FilterSet):
    brand = django_filters.NumberFilter(
        method="filter_brand",
        label="Templates usable for this brand: its own and those shared by every brand",
    )
    shared = django_filters.BooleanFilter(
        field_name="brand", lookup_expr="isnull", label="Only templates shared by every brand"
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    language = django_filters.ChoiceFilter(choices=Language.choices)
    tone = django_filters.ChoiceFilter(choices=Tone.choices)
    active = django_filters.BooleanFilter()

    class Meta:
        model = ResponseTemplate
        fields = ["brand", "shared", "channel", "language", "tone", "active"]

    def filter_brand(
        self, qs: QuerySet[ResponseTemplate], name: str, value: int | None
    ) -> QuerySet[ResponseTemplate]:
        if value is None:
            return qs
        return qs.filter(Q(brand_id=value) | Q(brand__isnull=True))

"""Serializer fields whose choices are narrowed to the request's organisation."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers


class OrgPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key of an object of the request's organisation only.

    Another organisation's id is "does not exist" (the same message as a missing id),
    so that ids of other tenants cannot be probed through validation errors.
    """

    def __init__(self, model: type, **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        # A JSON number with a fraction is no id: the lookup would cut 1.5 to 1.
        if isinstance(data, float) and not data.is_integer():
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        organisation = getattr(request, "organisation", None)
        if organisation is None:
            return self.model.objects.none()
        return self.model.objects.filter(organisation_id=organisation.id)

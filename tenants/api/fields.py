"""Serializer fields whose choices are narrowed to the request's organisation."""

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers

from tenants.scoping import objects_of


class OrgPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key of an object of the request's organisation only.

    Another organisation's id is "does not exist" (the same message as a missing id),
    so that ids of other tenants cannot be probed through validation errors.
    """

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("queryset", objects_of(model).none())
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
            return objects_of(self.model).none()
        return objects_of(self.model).filter(organisation_id=organisation.id)

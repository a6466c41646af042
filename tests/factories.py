"""factory-boy factories for every model the tests need."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents.models import Incident, IncidentEvent, Status
from tenants.models import Brand, Membership, Organisation, Role, Team

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.RESPONDER


class IncidentFactory(factory.django.DjangoModelFactory):
    """A bare incident row (no timeline). Use incidents.services to get events."""

    class Meta:
        model = Incident
        skip_postgeneration_save = True

    organisation = factory.SelfAttribute("brand.organisation")
    brand = factory.SubFactory(BrandFactory)
    title = factory.Sequence(lambda n: f"Incident {n}")
    severity = "sev2"
    status = Status.DETECTED
    detected_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def teams(self, create: bool, extracted: list[Team] | None, **kwargs: object) -> None:
        if create and extracted:
            self.teams.set(extracted)


class IncidentEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentEvent

    incident = factory.SubFactory(IncidentFactory)
    organisation = factory.SelfAttribute("incident.organisation")
    kind = "note"
    payload = factory.LazyFunction(lambda: {"text": "hello"})

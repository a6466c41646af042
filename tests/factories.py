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


# --- Monitoring ---


class MonitoringRuleFactory(factory.django.DjangoModelFactory):
    """A volume rule by default (no keywords); pass keywords=[…] for a keyword rule."""

    class Meta:
        model = "incidents.MonitoringRule"

    brand = factory.SubFactory(BrandFactory)
    organisation = factory.SelfAttribute("brand.organisation")
    name = factory.Sequence(lambda n: f"Rule {n}")
    keywords = factory.LazyFunction(list)
    window_minutes = 15
    min_negative = 10
    multiplier = 3.0
    severity = "sev2"


class MentionFactory(factory.django.DjangoModelFactory):
    """A stored mention row (no counters, no detection). Use mention_ingest for those."""

    class Meta:
        model = "incidents.Mention"

    brand = factory.SubFactory(BrandFactory)
    organisation = factory.SelfAttribute("brand.organisation")
    platform = "vk"
    external_id = factory.Sequence(lambda n: f"post-{n}")
    author = "someone"
    text = "Обычный пост о бренде"
    posted_at = factory.LazyFunction(timezone.now)
    sentiment_score = 0.0
    sentiment_label = "neutral"


class ResponseTemplateFactory(factory.django.DjangoModelFactory):
    """A template with its version 1: pass body="…" and variables=[…] for its wording."""

    class Meta:
        model = "response_templates.ResponseTemplate"

    organisation = factory.SubFactory(OrganisationFactory)
    brand = None
    name = factory.Sequence(lambda n: f"Template {n}")
    channel = "x"
    language = "en"
    tone = "empathetic"

    @classmethod
    def _create(
        cls,
        model_class: type,
        *args: object,
        body: str = "We are looking into {{ topic }} and will update you.",
        variables: tuple[str, ...] | list[str] = ("topic",),
        **kwargs: object,
    ) -> object:
        from templates.models import TemplateVersion

        template = super()._create(model_class, *args, **kwargs)
        template.current_version = TemplateVersion.objects.create(
            organisation=template.organisation,
            template=template,
            number=1,
            body=body,
            variables=list(variables),
        )
        template.save(update_fields=["current_version"])
        return template


class PlaybookFactory(factory.django.DjangoModelFactory):
    """A playbook with `steps` steps (default 3), due 10, 20, 30… minutes after applying."""

    class Meta:
        model = "playbooks.Playbook"

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Playbook {n}")
    crisis_type = "general"
    language = "en"
    suggested_severity = "sev2"
    keywords = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class: type, *args: object, steps: int = 3, **kwargs: object) -> object:
        from playbooks.models import PlaybookStep

        playbook = super()._create(model_class, *args, **kwargs)
        PlaybookStep.objects.bulk_create(
            [
                PlaybookStep(
                    organisation=playbook.organisation,
                    playbook=playbook,
                    position=n,
                    title=f"Step {n}",
                    guidance=f"Do thing {n}.",
                    owner_role="responder",
                    due_offset_minutes=10 * n,
                )
                for n in range(1, steps + 1)
            ]
        )
        return playbook

"""Demo: one incident worked through a playbook, up to an approved, published response."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User

from incidents.models import Incident, Status
from playbooks import selectors, services
from playbooks.models import AppliedPlaybook, Playbook
from templates import services as template_services
from templates.models import ResponseTemplate
from tenants.models import Brand, Membership, Organisation

# Sample values for the starter templates' variables: short enough for any channel's limit.
DEMO_VALUES = {
    "ru": {
        "next_update_time": "18:00",
        "current_status": "проверяем списания вместе с биллингом",
        "contact_email": "care@example.com",
        "customer_name": "Анна",
        "agent_name": "Мария",
        "compensation": "возврат списания",
        "valid_until": "31 декабря",
    },
    "en": {
        "next_update_time": "6 pm",
        "current_status": "we are checking the charges with billing",
        "contact_email": "care@example.com",
        "customer_name": "Anna",
        "agent_name": "Maria",
        "compensation": "a refund of the charge",
        "valid_until": "31 December",
    },
}


DEMO_URLS = {
    "x": "https://x.com/{brand}/status/{n}",
    "vk": "https://vk.com/{brand}?w=wall-1_{n}",
    "telegram": "https://t.me/{brand}/{n}",
}


def _demo_incident(organisation: Organisation) -> Incident | None:
    return (
        Incident.objects.filter(
            organisation=organisation, status__in=[Status.RESPONDING, Status.ACKNOWLEDGED]
        )
        .select_related("brand")
        .order_by("-status", "id")  # "responding" sorts after "acknowledged": prefer it
        .first()
    )


def _playbook_for(incident: Incident) -> Playbook | None:
    ranked = selectors.playbook_suggestions(incident=incident, limit=1)
    if ranked and ranked[0].matched_keywords:
        return ranked[0].playbook
    language = (incident.brand.languages or ["en"])[0]
    return Playbook.objects.filter(
        organisation_id=incident.organisation_id, crisis_type="general", language=language
    ).first()


def _template_for(playbook: Playbook) -> ResponseTemplate | None:
    """The first template one of the playbook's steps names, for a short channel."""
    for step in playbook.steps.select_related("template__current_version").order_by("position"):
        template = step.template
        if template is not None and template.channel in ("x", "vk", "telegram"):
            return template
    return None


# A client's own wording, kept for that brand only (the starter library serves every brand).
BRAND_TEMPLATE: dict[str, Any] = {
    "brand_slug": "aurora-bank",
    "name": "Aurora Bank: app outage holding statement (X)",
    "channel": "x",
    "language": "en",
    "tone": "empathetic",
    "body": "{{ brand }} here. Our app is down for some of you and we are fixing it now. "
    "Your money is safe. Next update at {{ next_update_time }}.",
    "variables": ["next_update_time"],
}


def _brand_template(organisation: Organisation, by: Membership) -> None:
    spec = dict(BRAND_TEMPLATE)
    brand = Brand.objects.filter(organisation=organisation, slug=spec.pop("brand_slug")).first()
    if (
        brand is None
        or ResponseTemplate.objects.filter(
            organisation=organisation, brand=brand, name=spec["name"]
        ).exists()
    ):
        return
    template_services.template_create(organisation=organisation, by=by, brand=brand, **spec)


def seed(*, organisation: Organisation, users: dict[str, User], now: datetime) -> None:
    """Add a brand's own template; apply a matching playbook to a demo incident, complete two
    tasks, and take a response from a starter template through submission, approval and
    publication. Runs once: an organisation with a playbook applied is left alone."""
    _brand_template(
        organisation, Membership.objects.get(organisation=organisation, user=users["demo-manager"])
    )
    if AppliedPlaybook.objects.filter(organisation=organisation).exists():
        return
    incident = _demo_incident(organisation)
    if incident is None:
        return
    playbook = _playbook_for(incident)
    if playbook is None:
        return
    responder_user, manager_user = users["demo-responder"], users["demo-manager"]
    responder = Membership.objects.get(organisation=organisation, user=responder_user)
    manager = Membership.objects.get(organisation=organisation, user=manager_user)
    tasks = services.playbook_apply(incident=incident, playbook=playbook, by=responder)
    for task in tasks[:2]:
        services.task_complete(task=task, by=responder)
    template = _template_for(playbook)
    if template is None:
        return
    values = DEMO_VALUES.get(template.language, DEMO_VALUES["en"])
    version = template.current_version
    assert version is not None  # set by template_create
    response = template_services.response_create(
        incident=incident,
        by=responder,
        template=template,
        variables={name: values.get(name, name.replace("_", " ")) for name in version.variables},
    )
    template_services.response_submit(response=response, by=responder)
    template_services.response_approve(response=response, by=manager)
    template_services.response_publish(
        response=response,
        by=responder,
        url=DEMO_URLS.get(template.channel, DEMO_URLS["vk"]).format(
            brand=incident.brand.slug, n=response.id
        ),
    )

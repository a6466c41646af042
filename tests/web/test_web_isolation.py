"""Tenant isolation of the web pages, by construction: every route of the `web` namespace
under /o/<org_slug>/ is found by walking crisisdesk.web_urls (pages added later are covered by
themselves). For each route, GET and POST:

- every organisation route goes through the one door, tenants.tenancy.org_page;
- anonymous → redirected to the sign-in page, with ?next=;
- an owner of another agency, with our slug → the not-found page (404);
- the same outsider, with their own slug and our object ids → 404;
- a member of ours limited to one brand, asking for another brand's object → 404.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from crisisdesk import web_urls
from incidents import services
from incidents.monitoring import services as monitoring_services
from incidents.monitoring.services.imports import mention_import_upload
from incidents.monitoring.services.sources import source_create
from incidents.notifications import escalation
from incidents.postmortems.models import BrandReport
from playbooks import services as playbook_services
from templates import services as template_services
from tenants import services as tenant_services
from tenants.models import Brand, Role
from tests.factories import MembershipFactory, MentionFactory
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db

# A URL kwarg <model>_pk names its model.
MODELS = {
    "incident_pk": "incidents.Incident",
    "brand_pk": "tenants.Brand",
    "team_pk": "tenants.Team",
    "membership_pk": "tenants.Membership",
    "task_pk": "playbooks.IncidentTask",
    "playbook_pk": "playbooks.Playbook",
    "template_pk": "response_templates.ResponseTemplate",
    "response_pk": "response_templates.Response",
    "rule_pk": "incidents.MonitoringRule",
    "source_pk": "incidents.Source",
    "import_pk": "incidents.MentionImport",
    "mention_pk": "incidents.Mention",
    "postmortem_pk": "incidents.PostMortem",
    "invitation_pk": "tenants.Invitation",
    "report_pk": "incidents.BrandReport",
    "rota_pk": "incidents.DutyRota",
    "override_pk": "incidents.RotaOverride",
}


@dataclass(frozen=True)
class Route:
    name: str
    kwargs: tuple[str, ...]
    callback: object

    def __str__(self) -> str:
        return self.name


def _walk(patterns: list, kwargs: tuple[str, ...] = ()) -> Iterator[tuple[URLPattern, tuple]]:
    for entry in patterns:
        names = kwargs + tuple(entry.pattern.converters)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, names)
        else:
            yield entry, names


ROUTES = sorted(
    (
        Route(p.name, tuple(k for k in names if k != "org_slug"), p.callback)
        for p, names in _walk(web_urls.urlpatterns)
        if "org_slug" in names
    ),
    key=lambda r: r.name,
)


def test_the_walk_finds_the_pages() -> None:
    names = {r.name for r in ROUTES}
    assert {"dashboard", "board", "incident", "incident-row", "brands", "brand", "members"} <= names
    assert len(ROUTES) >= 20


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_organisation_page_goes_through_the_one_door(route: Route) -> None:
    assert getattr(route.callback, "org_page", False), route.name
    for kwarg in route.kwargs:
        assert kwarg in MODELS, f"{route.name}: name the kwarg <model>_pk ({kwarg})"


@pytest.fixture
def world(agency, outsider) -> dict:
    """One object of ours per model, on our first brand where it belongs to a brand."""
    first = services.incident_create(
        brand=agency.brand, title="Ours", severity="sev2", by=None, teams=[agency.team]
    )
    second = services.incident_create(
        brand=agency.other_brand, title="Ours too", severity="sev3", by=None
    )
    owner = agency.member("owner")
    playbook = playbook_services.playbook_create(
        organisation=agency.org,
        by=agency.member("owner"),
        name="Plan",
        crisis_type="general",
        language="en",
        steps=[{"title": "Listen first", "due_offset_minutes": 10}],
    )
    template = template_services.template_create(
        organisation=agency.org,
        by=owner,
        name="Holding",
        channel="x",
        language="en",
        tone="informative",
        body="We hear you. {{ brand }}",
        variables=[],
    )
    template_services.template_create(
        organisation=agency.org,
        by=owner,
        name="Second brand only",
        channel="sms",
        language="en",
        tone="firm",
        body="{{ brand }} says no.",
        variables=[],
        brand=agency.other_brand,
    )
    for brand in (agency.brand, agency.other_brand):
        monitoring_services.monitoring_rule_create(
            brand=brand, by=owner, name="Boycott", keywords=["boycott"]
        )
        MentionFactory(brand=brand)
        source_create(brand=brand, kind="rss", config={"url": "https://news.example/feed"})
        mention_import_upload(
            brand=brand,
            by=None,
            file_name="Ours.csv",
            content=b"platform,external_id,text,posted_at\n",
        )
    for incident in (first, second):
        playbook_services.playbook_apply(incident=incident, playbook=playbook, by=owner)
        template_services.response_create(
            incident=incident, by=owner, template=template, variables={}
        )
    # A resolved incident per brand: each has its post-mortem (and one action item).
    for brand in (agency.brand, agency.other_brand):
        resolved = services.incident_create(
            brand=brand, title="Resolved", severity="sev3", by=None, teams=[agency.team]
        )
        services.incident_acknowledge(incident=resolved, by=owner)
        services.incident_transition(incident=resolved, status="resolved", by=owner)
    tenant_services.invitation_create(
        organisation=agency.org, by=owner, email="invited@example.com", role=Role.VIEWER
    )
    # A monthly report per brand (queued: the walk needs the rows, not the documents).
    for brand in (agency.brand, agency.other_brand):
        BrandReport.objects.create(
            organisation=agency.org,
            brand=brand,
            month=date(2026, 11, 1),
            requested_by=agency.member("manager"),
        )
    rota = escalation.rota_save(
        team=agency.team,
        by=owner,
        member_ids=[agency.member("responder").id],
        starts_at=timezone.now(),
        time_zone="UTC",
        rotation="weekly",
        shift_hours=168,
    )
    escalation.rota_override_add(
        rota=rota,
        membership=agency.member("viewer"),
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    limited = MembershipFactory(
        organisation=agency.org, role=Role.MANAGER, user__username="client-staff"
    )
    limited.brands.set([agency.brand])
    return {
        "agency": agency,
        "outsider": outsider,
        "limited": limited,
        "incidents": (first, second),
    }


def _object(model_label: str, world: dict, *, other_brand: bool = False) -> Model | None:
    agency = world["agency"]
    model = apps.get_model(model_label)
    qs = model.objects.filter(organisation=agency.org).order_by("id")
    field_names = {f.name for f in model._meta.get_fields()}
    if other_brand:
        if model is Brand:
            return agency.other_brand
        if "brand" in field_names:
            return qs.filter(brand=agency.other_brand).first()
        if "incident" in field_names:
            return qs.filter(incident__brand=agency.other_brand).first()
        return None
    return qs.first()


def _url(route: Route, slug: str, objects: dict[str, Model]) -> str:
    return reverse(
        f"web:{route.name}", kwargs={"org_slug": slug, **{k: v.pk for k, v in objects.items()}}
    )


def _objects(route: Route, world: dict, **kw: bool) -> dict[str, Model] | None:
    objects = {}
    for kwarg in route.kwargs:
        obj = _object(MODELS[kwarg], world, **kw)
        if obj is None:
            return None
        objects[kwarg] = obj
    return objects


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_visitors_are_sent_to_sign_in(world, route: Route) -> None:
    objects = _objects(route, world)
    if objects is None:
        pytest.fail(f"no object for {route.name}: add one to world")
    url = _url(route, "alpha", objects)
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302, (method, url)
        # the agency's pages (/o/) and the client portal (/c/)
        assert response["Location"].startswith(("/login/?next=/o/alpha/", "/login/?next=/c/alpha/"))


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_another_agency_gets_the_not_found_page(world, route: Route) -> None:
    objects = _objects(route, world)
    if objects is None:
        pytest.fail(f"no object for {route.name}: add one to world")
    client = signed_in(world["outsider"].member("owner").user)
    titles_before = sorted(world["agency"].org.incidents.values_list("status", "severity"))
    for url in (_url(route, "alpha", objects), _url(route, "omega", objects)):
        if not route.kwargs and url.startswith(("/o/omega/", "/c/omega/")):
            continue  # their own page without our ids: theirs to see
        codes = {}
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"text": "x", "status": "resolved"})
            codes[method] = response.status_code
            body = response.content.decode()
            assert "Ours" not in body and "alpha brand" not in body, (method, url)
            if response.status_code == 404:
                assert 'data-error-page="404"' in body
        # 405 (a method the page never takes) says nothing about our objects; the method the
        # page takes must answer 404.
        assert set(codes.values()) <= {404, 405} and 404 in codes.values(), (url, codes)
    assert sorted(world["agency"].org.incidents.values_list("status", "severity")) == titles_before


@pytest.mark.parametrize("route", [r for r in ROUTES if r.kwargs], ids=str)
def test_a_brand_limited_member_gets_404_for_other_brands(world, route: Route) -> None:
    model = apps.get_model(MODELS[route.kwargs[0]])
    fields = {f.name for f in model._meta.get_fields()}
    if model is not Brand and not fields & {"brand", "incident"}:
        return  # shared by every brand (teams, members, playbooks, templates)
    objects = _objects(route, world, other_brand=True)
    if objects is None:
        pytest.fail(f"no object of another brand for {route.name}: add one to world")
    client = signed_in(world["limited"].user)
    response = client.get(_url(route, "alpha", objects))
    assert response.status_code in (404, 405), route.name
    if response.status_code == 405:  # POST-only action: the POST must not leak either
        response = client.post(_url(route, "alpha", objects))
        assert response.status_code == 404, route.name

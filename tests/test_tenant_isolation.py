"""Tenant isolation, by construction: every route under /api/v1/orgs/<org_slug>/ is found
from the URL resolver (not a hand-kept list), so endpoints added later are covered by
themselves. For each route and each of its HTTP methods:

- anonymous → 401;
- an owner of another agency, with our slug → 404;
- the same outsider, with their own slug and our object ids → 404 (or, for routes without
  an object, a response that contains none of our data);
- a member of ours limited to one brand, reading an object of another brand → 404.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.monitoring.models import ImportPreset, MentionImport
from incidents.notifications.models import (
    DutyRota,
    EscalationPolicy,
    RotaOverride,
    TelegramAccount,
    TelegramChat,
)
from tenants.demo import seed_demo
from tenants.models import Brand, Membership, Organisation, Role, Team
from tests.factories import MembershipFactory, OrganisationFactory

# A nested route's parent kwarg `<name>_pk` names the parent's model.
PARENT_MODELS = {
    "incident": "incidents.Incident",
    "brand": "tenants.Brand",
    "team": "tenants.Team",
    "playbook": "playbooks.Playbook",
    "template": "response_templates.ResponseTemplate",
    "response": "response_templates.Response",
    "task": "playbooks.IncidentTask",
    "postmortem": "incidents.PostMortem",
    "rule": "incidents.MonitoringRule",
    "membership": "tenants.Membership",
    "chat": "incidents.TelegramChat",
    "account": "incidents.TelegramAccount",
}
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Route:
    name: str
    path_format: str
    kwargs: tuple[str, ...]
    view_class: type
    methods: tuple[str, ...]

    def model_for(self, kwarg: str) -> type[Model]:
        if kwarg == "pk":
            return self.view_class.scoped_model
        stem = kwarg.removesuffix("_pk").removesuffix("_id")
        return apps.get_model(PARENT_MODELS[stem])


def _walk(resolver: URLResolver) -> Iterator[URLPattern]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry)
        else:
            yield entry


def _methods(callback: object) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(m for m in METHODS if m in actions)
    cls = callback.view_class
    return tuple(m for m in METHODS if hasattr(cls, m) and m in cls.http_method_names)


def org_routes() -> list[Route]:
    """Every API route under /api/v1/orgs/<org_slug>/, keyed by its view callback (each
    DRF route has its own), with the resolver's own path format to build its URLs."""
    routes = {}
    resolver = get_resolver()
    for pattern in _walk(resolver):
        view_class = getattr(pattern.callback, "cls", None) or getattr(
            pattern.callback, "view_class", None
        )
        if view_class is None:
            continue
        for possibilities, *_ in resolver.reverse_dict.getlist(pattern.callback):
            path_format, params = possibilities[0]
            if "org_slug" in params and path_format.startswith("api/v1/orgs/"):
                name = pattern.name or path_format
                routes[path_format] = Route(
                    name=name,
                    path_format=path_format,
                    kwargs=tuple(p for p in params if p != "org_slug"),
                    view_class=view_class,
                    methods=_methods(pattern.callback),
                )
    return sorted(routes.values(), key=lambda r: r.path_format)


ROUTES = org_routes()


def test_the_walk_finds_the_routes() -> None:
    names = {r.name for r in ROUTES}
    assert {
        "org-detail",
        "brand-list",
        "brand-detail",
        "incident-list",
        "incident-detail",
        "incident-events",
    } <= names
    assert len(ROUTES) >= 15


@dataclass
class World:
    victim_slug: str
    outsider_slug: str
    outsider: object
    limited: Membership
    allowed_brand: Brand
    markers: list[str]


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: object) -> Iterator[World]:
    """A full demo agency (every app's demo data) built once for the module, inside a
    transaction rolled back at the end; each test runs in a savepoint within it. Every
    request of these tests is refused, so the data is the same for all of them."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            organisation = seed_demo()
            brands = list(Brand.objects.filter(organisation=organisation).order_by("id"))
            _objects_the_demo_lacks(organisation, brands)
            limited = MembershipFactory(
                organisation=organisation, role=Role.VIEWER, user__username="client-staff"
            )
            limited.brands.set([brands[0]])
            outsider_org = OrganisationFactory(name="Outsider", slug="outsider")
            outsider = MembershipFactory(organisation=outsider_org, role=Role.OWNER).user
            markers = [b.slug for b in brands] + [organisation.name]
            yield World(organisation.slug, outsider_org.slug, outsider, limited, brands[0], markers)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _objects_the_demo_lacks(organisation: Organisation, brands: list[Brand]) -> None:
    """Rows that the demo does not create (a Telegram chat needs a bot), so that their routes
    are walked too: a linked chat and account, a rota with an override, and an escalation
    policy for each of two brands (a brand-limited member must not read the other's)."""
    team = Team.objects.filter(organisation=organisation).order_by("id").first()
    member = Membership.objects.filter(organisation=organisation).order_by("id").first()
    now = timezone.now()
    TelegramChat.objects.create(
        organisation=organisation, chat_id=-1001, chat_type="group", title="Desk", team=team
    )
    TelegramAccount.objects.create(
        organisation=organisation, membership=member, telegram_user_id=1001
    )
    rota = DutyRota.objects.create(
        organisation=organisation, team=team, starts_at=now, member_ids=[member.id]
    )
    RotaOverride.objects.create(
        organisation=organisation,
        rota=rota,
        membership=member,
        starts_at=now,
        ends_at=now + timedelta(hours=1),
    )
    for brand in brands[:2]:
        EscalationPolicy.objects.create(organisation=organisation, name=brand.name, brand=brand)
        MentionImport.objects.create(
            organisation=organisation, brand=brand, file_name=f"{brand.slug}.csv", file_format="csv"
        )
    ImportPreset.objects.create(organisation=organisation, name="Export", mapping={"text": "t"})


# Paths from a model to its brand, for "an object of another brand".
BRAND_PATHS = ("brand", "incident__brand", "postmortem__incident__brand")


def _has_path(model: type[Model], path: str) -> bool:
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:
            return False
        model = field.related_model
    return True


def _object_of(
    model: type[Model], organisation_slug: str, *, exclude_brand: Brand | None = None
) -> Model | None:
    qs = model.objects.filter(organisation__slug=organisation_slug).order_by("id")
    if exclude_brand is not None:
        if model is Brand:
            qs = qs.exclude(pk=exclude_brand.pk)
        else:
            path = next((p for p in BRAND_PATHS if _has_path(model, p)), None)
            if path is None:
                return qs.first()  # not brand-owned: any of ours will do
            # A row with no brand is shared by every brand (e.g. a template): not "another brand".
            qs = qs.exclude(**{path: exclude_brand}).exclude(**{f"{path}__isnull": True})
    return qs.first()


def _url(route: Route, slug: str, objects: dict[str, Model]) -> str:
    kwargs = {"org_slug": slug, **{k: objects[k].pk for k in route.kwargs}}
    return "/" + route.path_format % kwargs


def _victim_objects(route: Route, world: World, **kw: object) -> dict[str, Model] | None:
    objects = {}
    for kwarg in route.kwargs:
        obj = _object_of(route.model_for(kwarg), world.victim_slug, **kw)
        if obj is None:
            return None
        objects[kwarg] = obj
    return objects


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_anonymous_gets_401(db: None, world: World, route: Route) -> None:
    objects = _victim_objects(route, world) or {}
    if len(objects) != len(route.kwargs):
        pytest.fail(f"no object of the victim for {route.name}: seed_demo must create one")
    url = _url(route, world.victim_slug, objects)
    for method in route.methods:
        response = getattr(APIClient(), method)(url, {}, format="json")
        assert response.status_code == 401, (method, url, response.status_code)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_another_agency_gets_404_for_our_slug_and_our_objects(
    db: None, world: World, route: Route
) -> None:
    objects = _victim_objects(route, world)
    assert objects is not None, (
        f"no object of the victim for {route.name}: seed_demo must create one"
    )
    client = APIClient()
    client.force_authenticate(world.outsider)
    our_url = _url(route, world.victim_slug, objects)
    their_url_our_ids = _url(route, world.outsider_slug, objects)
    for method in route.methods:
        response = getattr(client, method)(our_url, {}, format="json")
        assert response.status_code == 404, (method, our_url, response.status_code)
        response = getattr(client, method)(their_url_our_ids, {}, format="json")
        if route.kwargs:
            assert response.status_code == 404, (method, their_url_our_ids, response.status_code)
        else:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode()
            assert response.status_code < 500, (method, their_url_our_ids, text[:300])
            leaked = [m for m in world.markers if m in text]
            assert not leaked, (method, their_url_our_ids, leaked)


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.kwargs and "get" in r.methods], ids=lambda r: r.name
)
def test_a_brand_limited_member_gets_404_for_other_brands(
    db: None, world: World, route: Route
) -> None:
    model = route.model_for(route.kwargs[0])
    branded = model is Brand or any(_has_path(model, p) for p in BRAND_PATHS)
    if not branded:
        return  # not brand-owned (teams, members, playbooks, templates shared by all brands)
    objects = _victim_objects(route, world, exclude_brand=world.allowed_brand)
    assert objects is not None, f"no object of another brand for {route.name}"
    client = APIClient()
    client.force_authenticate(world.limited.user)
    url = _url(route, world.victim_slug, objects)
    response = client.get(url)
    assert response.status_code == 404, (url, response.status_code)

"""Issue 13: what client staff can reach, by construction. Every API route under
/api/v1/orgs/<org_slug>/ and every page and htmx partial under /o/<org_slug>/ is found from the
URL resolver (routes added later are walked by themselves) and called, with every method, by
a client member of the demo agency — a manager, the widest a client member can be — with
path parameters filled from their own brand's objects and from another brand's.

No answer may carry an internal event (a note's text, an event marked internal), a member's
email, or the internal post-mortem export. Another brand's objects answer 403 or 404. The
same over the socket (test_client_walk_socket.py: the push and the replay of the whole demo
timeline; apart, because this module's world holds a transaction open the whole time).
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.analytics.reports import brand_report_generate
from incidents.models import Incident, IncidentEvent, Visibility
from incidents.postmortems.models import BrandReport
from tenants.demo import seed_demo
from tenants.models import Brand, MemberKind, Membership, Role
from tests.factories import IncidentEventFactory, MembershipFactory
from tests.test_tenant_isolation import ROUTES as API_ROUTES
from tests.test_tenant_isolation import Route as ApiRoute
from tests.web.test_web_isolation import MODELS as PAGE_MODELS
from tests.web.test_web_isolation import ROUTES as PAGE_ROUTES
from tests.web.test_web_isolation import Route as PageRoute

SECRET = "INTERNAL-ONLY: the agency's own remark"
# Asked of every GET: an export route must answer the client version whatever this says.
QUERY = {"format": "md", "audience": "internal", "since": "0"}
INTERNAL_EXPORT_MARKERS = ("Internal notes", "Review comments")


@dataclass
class World:
    slug: str
    client_member: Membership
    own_brand: Brand
    other_brand: Brand
    markers: list[str]


def _markers(organisation, client_member: Membership) -> list[str]:
    """What client staff must never read: every internal note's text and every member's
    email (but their own)."""
    notes = IncidentEvent.objects.filter(
        organisation=organisation, kind="note", visibility=Visibility.INTERNAL
    ).values_list("payload__text", flat=True)
    emails = (
        get_user_model()
        .objects.filter(memberships__organisation=organisation)
        .exclude(pk=client_member.user_id)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted({*filter(None, notes), *emails, SECRET})


def _build() -> World:
    organisation = seed_demo()
    brands = list(Brand.objects.filter(organisation=organisation).order_by("id"))
    own, other = brands[0], brands[1]
    client_member = MembershipFactory(
        organisation=organisation,
        role=Role.MANAGER,
        kind=MemberKind.CLIENT,
        user__username="client-manager",
        user__email="me@client.example",
    )
    client_member.brands.set([own])
    for incident in Incident.objects.filter(organisation=organisation):
        IncidentEventFactory(incident=incident, kind="note", payload={"text": SECRET})
    # The demo's report of the client's brand made (the walk reads its HTML and PDF).
    for report in BrandReport.objects.filter(organisation=organisation, brand=own):
        brand_report_generate(organisation_id=organisation.pk, report_id=report.pk)
    return World(
        organisation.slug, client_member, own, other, _markers(organisation, client_member)
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: object) -> Iterator[World]:
    """The demo agency and a client member, built once inside a transaction rolled back at
    the end; each test runs in a savepoint within it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _brand_of(obj: Model) -> int | None:
    for path in ("brand_id", "incident.brand_id", "postmortem.incident.brand_id"):
        value: object = obj
        for part in path.split("."):
            value = getattr(value, part, None)
        if isinstance(value, int):
            return value
    return obj.pk if isinstance(obj, Brand) else None


def _objects(model: type[Model], world: World, *, own: bool) -> Model | None:
    """An object of this model in the world: of the client's brand (own) or of another."""
    rows = model.objects.filter(organisation__slug=world.slug).order_by("id")
    wanted = world.own_brand.pk if own else world.other_brand.pk
    for obj in rows[:200]:
        brand = _brand_of(obj)
        if brand == wanted or (brand is None and own):
            return obj
    return None


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def _assert_clean(text: str, world: World, where: str) -> None:
    leaked = [m for m in world.markers if m in text]
    assert not leaked, (where, leaked[:3])
    for marker in INTERNAL_EXPORT_MARKERS:
        assert marker not in text, (where, marker)
    assert '"visibility":"internal"' not in text.replace(" ", ""), where


def _model_for(route: ApiRoute, kwarg: str) -> type[Model]:
    """The model a path parameter names; a `<stem>_pk` the isolation walk does not list yet
    is found by the model's name (chat_pk → TelegramChat)."""
    try:
        return route.model_for(kwarg)
    except KeyError:
        stem = kwarg.removesuffix("_pk").removesuffix("_id").replace("_", "")
        found = [
            m
            for m in apps.get_models()
            if m.__name__.lower().endswith(stem) and hasattr(m, "organisation")
        ]
        assert len(found) == 1, (route.name, kwarg, found)
        return found[0]


def _api_url(route: ApiRoute, world: World, own: bool) -> str | None:
    kwargs: dict[str, object] = {"org_slug": world.slug}
    for kwarg in route.kwargs:
        obj = _objects(_model_for(route, kwarg), world, own=own)
        if obj is None:
            return None
        kwargs[kwarg] = obj.pk
    return "/" + route.path_format % kwargs


@pytest.mark.django_db
@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.name)
def test_client_staff_reach_nothing_internal_through_the_api(world: World, route) -> None:
    client = APIClient()
    client.force_authenticate(world.client_member.user)
    for own in (True, False):
        url = _api_url(route, world, own)
        if url is None:
            continue  # no object of that brand of this model in the demo
        other_brands_object = not own and any(
            _brand_of(_objects(_model_for(route, k), world, own=False)) == world.other_brand.pk
            for k in route.kwargs
        )
        for method in route.methods:
            data = QUERY if method == "get" else {}
            response = getattr(client, method)(
                url, data, format=None if method == "get" else "json"
            )
            where = f"{method.upper()} {url} → {response.status_code}"
            assert response.status_code < 500, where
            _assert_clean(_body(response), world, where)
            if other_brands_object:
                assert response.status_code in (403, 404), where


def _page_url(route: PageRoute, world: World, own: bool) -> str | None:
    kwargs: dict[str, object] = {"org_slug": world.slug}
    for kwarg in route.kwargs:
        obj = _objects(apps.get_model(PAGE_MODELS[kwarg]), world, own=own)
        if obj is None:
            return None
        kwargs[kwarg] = obj.pk
    return reverse(f"web:{route.name}", kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("route", PAGE_ROUTES, ids=str)
def test_client_staff_reach_nothing_internal_through_the_pages(world: World, route) -> None:
    client = Client()
    client.force_login(
        world.client_member.user, backend="django.contrib.auth.backends.ModelBackend"
    )
    for own in (True, False):
        url = _page_url(route, world, own)
        if url is None:
            continue
        for method, data in (("get", QUERY), ("post", {"text": "x", "for_client": "on"})):
            response = getattr(client, method)(url, data)
            where = f"{method.upper()} {url} → {response.status_code}"
            assert response.status_code < 500, where
            _assert_clean(_body(response), world, where)
            if not own and route.kwargs:
                assert response.status_code in (302, 403, 404, 405), where


def test_the_walks_cover_the_client_routes() -> None:
    api = {r.name for r in API_ROUTES}
    pages = {r.name for r in PAGE_ROUTES}
    assert {"incident-events", "postmortem-export", "member-list", "team-list"} <= api
    assert {"incident", "incident-timeline", "incident-header", "postmortem-export"} <= pages
    assert {"brand-report-list", "brand-report-detail", "brand-report-pdf"} <= api
    assert {"portal", "portal-report-pdf", "portal-report-html", "portal-report-request"} <= pages
    assert "portal-postmortem-pdf" in pages


# --- the anonymous visitor of a public statement page (issue 20) ---


def _statement_routes() -> list[tuple[str, tuple[str, ...]]]:
    """Every route under /s/<token>/, from the URL resolver (added ones are walked too)."""
    from crisisdesk import web_urls

    return [
        (p.name, tuple(k for k in p.pattern.converters if k != "token"))
        for p in web_urls.statement_urls
    ]


@pytest.mark.django_db
def test_an_anonymous_visitor_reaches_nothing_internal_on_the_public_page(world: World) -> None:
    from templates.services import statements

    incident = Incident.objects.filter(brand=world.own_brand).order_by("id").first()
    manager = Membership.objects.get(organisation__slug=world.slug, user__username="demo-manager")
    page = statements.statement_page_publish(incident=incident, by=manager)
    routes = _statement_routes()
    assert {"statement-page", "statement-feed", "statement-live"} <= {name for name, _ in routes}
    visitor = Client(REMOTE_ADDR="10.20.30.40")
    for name, extra in routes:
        url = reverse(f"web:{name}", kwargs={"token": page.token, **{k: "x" for k in extra}})
        for method in ("get", "post"):
            response = getattr(visitor, method)(url, {"email": "reader@example.com"})
            where = f"{method.upper()} {url} → {response.status_code}"
            assert response.status_code < 500, where
            text = _body(response)
            _assert_clean(text, world, where)
            assert incident.title not in text, where  # the incident's internal title
            assert "demo-manager" not in text and "demo-responder" not in text, where
    statements.statement_page_withdraw(incident=incident, by=manager)
    for name, extra in routes:
        url = reverse(f"web:{name}", kwargs={"token": page.token, **{k: "x" for k in extra}})
        codes = {visitor.get(url).status_code, visitor.post(url).status_code}
        assert codes <= {404, 405} and 404 in codes, (url, codes)  # 405: a method it never takes

"""The one door (tenants.tenancy) and the scope that fails closed (tenants.scoping)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from incidents.models import Incident, IncidentEvent
from incidents.monitoring.models import Mention
from templates.models import ResponseTemplate
from tenants.models import Brand, Membership, Team
from tenants.scoping import TenantScopeError, tenant_guard, tenant_guard_active
from tenants.tenancy import (
    SAFE_METHODS,
    OrgRequest,
    OrgScopedAPIView,
    org_page,
    resolve,
    scoped_get,
    socket_scope,
)
from tests.factories import (
    IncidentEventFactory,
    IncidentFactory,
    MentionFactory,
    ResponseTemplateFactory,
)

# --- resolve ---


def test_resolve_answers_the_membership_with_its_brand_limits_in_two_queries(
    agency, django_assert_num_queries
) -> None:
    responder = agency.member("responder")
    responder.brands.add(agency.brand)
    with django_assert_num_queries(2):  # the membership (with organisation, user), its brands
        membership = resolve(user=responder.user, org_slug=agency.org.slug)
        assert membership is not None
        assert membership.organisation.slug == agency.org.slug
        assert membership.brand_limits() == [agency.brand.id]
        assert membership.sees_brand(agency.brand.id)
        assert not membership.sees_brand(agency.other_brand.id)


def test_resolve_refuses_outsiders_anonymous_and_deleted_organisations(agency, outsider) -> None:
    assert resolve(user=outsider.member("owner").user, org_slug=agency.org.slug) is None
    assert resolve(user=AnonymousUser(), org_slug=agency.org.slug) is None
    assert resolve(user=agency.member("owner").user, org_slug="no-such-agency") is None
    agency.org.deleted_at = timezone.now()
    agency.org.save(update_fields=["deleted_at"])
    assert resolve(user=agency.member("owner").user, org_slug=agency.org.slug) is None


def test_a_member_without_brand_limits_sees_every_brand(agency) -> None:
    membership = resolve(user=agency.member("viewer").user, org_slug=agency.org.slug)
    assert membership.brand_limits() is None
    assert not membership.is_brand_limited
    assert membership.sees_brand(agency.other_brand.id)


# --- scoped_get ---


def test_scoped_get_answers_404_for_non_digits_misses_and_other_organisations(
    agency, outsider
) -> None:
    ours = IncidentFactory(brand=agency.brand)
    theirs = IncidentFactory(brand=outsider.brand)
    scoped = Incident.objects.visible_to(agency.member("owner"))
    assert scoped_get(scoped, ours.pk) == ours
    assert scoped_get(scoped, str(ours.pk)) == ours
    for pk in (theirs.pk, 10**9, "1 OR 1=1", "-1", "", None, "1.0"):
        with pytest.raises(Http404):
            scoped_get(scoped, pk)


def test_safe_methods_are_the_reads() -> None:
    assert SAFE_METHODS == ("GET", "HEAD", "OPTIONS")


# --- visible_to ---


def test_visible_to_without_a_membership_raises(db) -> None:
    for model in (Incident, IncidentEvent, Mention, Brand, Team, Membership, ResponseTemplate):
        with pytest.raises(TenantScopeError):
            model.objects.visible_to(None)


def test_visible_to_keeps_to_the_organisation_and_the_brand_limits(agency, outsider) -> None:
    ours = IncidentFactory(brand=agency.brand)
    other_brand = IncidentFactory(brand=agency.other_brand)
    IncidentFactory(brand=outsider.brand)
    event = IncidentEventFactory(incident=ours)
    IncidentEventFactory(incident=other_brand)
    mention = MentionFactory(brand=agency.brand)
    MentionFactory(brand=agency.other_brand)
    MentionFactory(brand=outsider.brand)

    manager = agency.member("manager")
    assert set(Incident.objects.visible_to(manager)) == {ours, other_brand}

    limited = agency.member("responder")
    limited.brands.add(agency.brand)
    limited = resolve(user=limited.user, org_slug=agency.org.slug)
    assert list(Incident.objects.visible_to(limited)) == [ours]
    assert list(IncidentEvent.objects.visible_to(limited)) == [event]
    assert list(Mention.objects.visible_to(limited)) == [mention]
    assert list(Brand.objects.visible_to(limited)) == [agency.brand]
    # Teams and members are the agency's own: a brand limit does not narrow them.
    assert list(Team.objects.visible_to(limited)) == [agency.team]
    assert Membership.objects.visible_to(limited).count() == 4


def test_templates_for_every_brand_stay_visible_to_a_limited_member(agency) -> None:
    shared = ResponseTemplateFactory(organisation=agency.org, brand=None, name="shared")
    own = ResponseTemplateFactory(organisation=agency.org, brand=agency.brand, name="own")
    ResponseTemplateFactory(organisation=agency.org, brand=agency.other_brand, name="hidden")
    limited = agency.member("viewer")
    limited.brands.add(agency.brand)
    assert set(ResponseTemplate.objects.visible_to(limited)) == {shared, own}


def test_pushed_to_follows_teams_for_responders_and_everything_for_managers(agency) -> None:
    assigned = IncidentFactory(brand=agency.brand, teams=[agency.team])
    unassigned = IncidentFactory(brand=agency.brand)
    responder, manager = agency.member("responder"), agency.member("manager")
    assert list(Incident.objects.pushed_to(responder)) == [assigned]
    assert set(Incident.objects.pushed_to(manager)) == {assigned, unassigned}
    event = IncidentEventFactory(incident=assigned)
    IncidentEventFactory(incident=unassigned)
    assert list(IncidentEvent.objects.pushed_to(responder)) == [event]
    with pytest.raises(TenantScopeError):
        IncidentEvent.objects.pushed_to(None)


# --- the guard: a forgotten scope raises while it is on ---


def test_an_unscoped_read_raises_inside_the_guard_however_it_is_evaluated(agency) -> None:
    incident = IncidentFactory(brand=agency.brand)
    reads = [
        lambda: list(Incident.objects.all()),
        lambda: Incident.objects.get(pk=incident.pk),
        lambda: Incident.objects.filter(pk=incident.pk).first(),
        lambda: Incident.objects.count(),
        lambda: Incident.objects.exists(),
        lambda: list(Incident.objects.iterator()),
        lambda: Incident.objects.aggregate(n=Count("id")),
        lambda: Incident.objects.filter(pk=incident.pk).update(title="x"),
        lambda: Incident.objects.filter(pk=incident.pk).delete(),
        lambda: list(Incident.objects.values_list("id", flat=True)),
        # Scoped on one side of an OR only, or excluded: not a scope.
        lambda: list(Incident.objects.filter(Q(organisation_id=agency.org.id) | Q(title="x"))),
        lambda: list(Incident.objects.exclude(organisation_id=agency.org.id)),
        lambda: list(
            Incident.objects.visible_to(agency.member("owner")) | Incident.objects.filter(title="x")
        ),
    ]
    with tenant_guard():
        for read in reads:
            with pytest.raises(TenantScopeError):
                read()
    incident.refresh_from_db()
    assert incident.title != "x"


def test_scoped_reads_pass_inside_the_guard(agency) -> None:
    owner = agency.member("owner")
    incident = IncidentFactory(brand=agency.brand, teams=[agency.team])
    IncidentEventFactory(incident=incident)
    with tenant_guard():
        assert list(Incident.objects.visible_to(owner)) == [incident]
        assert Incident.objects.filter(organisation_id=agency.org.id, pk=incident.pk).exists()
        assert Incident.objects.filter(organisation=agency.org).count() == 1
        assert Incident.objects.filter(brand__organisation_id=agency.org.id).count() == 1
        assert Incident.objects.all_tenants().count() == 1
        assert Incident.objects.none().count() == 0
        # Reached from a row already held: related managers and prefetches.
        assert incident.events.count() == 1
        assert list(incident.teams.all()) == [agency.team]
        fetched = Incident.objects.visible_to(owner).prefetch_related("teams", "events").get()
        assert [t.id for t in fetched.teams.all()] == [agency.team.id]
        assert (
            Incident.objects.visible_to(owner) | Incident.objects.visible_to(owner)
        ).count() == 1


def test_outside_the_guard_queries_run_as_written(agency, outsider) -> None:
    IncidentFactory(brand=agency.brand)
    IncidentFactory(brand=outsider.brand)
    assert not tenant_guard_active()
    assert Incident.objects.count() == 2  # tasks, commands and the admin read every tenant


def test_the_guard_is_off_again_after_its_block_even_on_an_error(db) -> None:
    with pytest.raises(TenantScopeError), tenant_guard():
        Incident.objects.count()
    assert not tenant_guard_active()


# --- the door turns the guard on: API views, pages, sockets ---


class _ForgetfulAPIView(OrgScopedAPIView):
    def get(self, request: Request, org_slug: str) -> Response:
        return Response({"count": Incident.objects.count()})


class _CarefulAPIView(OrgScopedAPIView):
    def get(self, request: Request, org_slug: str) -> Response:
        assert tenant_guard_active()
        return Response({"count": Incident.objects.visible_to(request.membership).count()})


def _api_get(view: type, user: object, org_slug: str) -> Response:
    request = APIRequestFactory().get(f"/api/v1/orgs/{org_slug}/test/")
    force_authenticate(request, user=user)
    return view.as_view()(request, org_slug=org_slug)


def test_an_api_view_that_forgets_its_scope_fails_instead_of_answering(agency, outsider) -> None:
    IncidentFactory(brand=outsider.brand)
    with pytest.raises(TenantScopeError):
        _api_get(_ForgetfulAPIView, agency.member("viewer").user, agency.org.slug)
    assert not tenant_guard_active()
    response = _api_get(_CarefulAPIView, agency.member("viewer").user, agency.org.slug)
    assert response.status_code == 200
    assert response.data == {"count": 0}
    assert _api_get(
        _CarefulAPIView, outsider.member("owner").user, agency.org.slug
    ).status_code == (404)


@org_page()
def _forgetful_page(request: OrgRequest) -> HttpResponse:
    return HttpResponse(str(Mention.objects.count()))


@org_page()
def _careful_page(request: OrgRequest) -> HttpResponse:
    return HttpResponse(str(Mention.objects.visible_to(request.membership).count()))


def _page_get(view: object, user: object, org_slug: str) -> HttpResponse:
    request = RequestFactory().get(f"/o/{org_slug}/test/")
    request.user = user
    request.session = SessionStore()
    return view(request, org_slug=org_slug)


def test_a_page_that_forgets_its_scope_fails_instead_of_answering(agency, outsider) -> None:
    MentionFactory(brand=outsider.brand)
    MentionFactory(brand=agency.brand)
    with pytest.raises(TenantScopeError):
        _page_get(_forgetful_page, agency.member("viewer").user, agency.org.slug)
    assert not tenant_guard_active()
    response = _page_get(_careful_page, agency.member("viewer").user, agency.org.slug)
    assert response.content == b"1"
    outsider_page = _page_get(_careful_page, outsider.member("owner").user, agency.org.slug)
    assert outsider_page.status_code == 404


def test_socket_scope_gives_teams_and_brand_limits_of_members_only(agency, outsider) -> None:
    responder = agency.member("responder")
    responder.brands.add(agency.brand)
    scope = socket_scope(user=responder.user, org_slug=agency.org.slug)
    assert scope is not None
    assert scope.membership.pk == responder.pk
    assert scope.team_ids == [agency.team.id]
    assert scope.brand_ids == [agency.brand.id]
    assert socket_scope(user=outsider.member("owner").user, org_slug=agency.org.slug) is None
    assert socket_scope(user=AnonymousUser(), org_slug=agency.org.slug) is None
    assert not tenant_guard_active()

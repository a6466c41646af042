from datetime import timedelta

import pytest
from django.utils import timezone

from tenants.models import Invitation, Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def invite(as_role, email: str = "new@example.com", role: str = "responder") -> str:
    response = as_role("owner").post(
        "/api/v1/orgs/alpha/invitations/", {"email": email, "role": role}, format="json"
    )
    assert response.status_code == 201
    return response.json()["token"]


def test_invitee_accepts_and_becomes_a_member(as_role, api, agency) -> None:
    token = invite(as_role)
    user = UserFactory(username="newbie", email="New@Example.com")
    response = api(user).post(f"/api/v1/invitations/{token}/accept/")
    assert response.status_code == 200
    assert Membership.objects.get(user=user, organisation=agency.org).role == "responder"
    assert Invitation.objects.get().token_hash != token  # only a hash is stored


def test_an_invitation_is_single_use(as_role, api) -> None:
    token = invite(as_role)
    api(UserFactory(email="new@example.com")).post(f"/api/v1/invitations/{token}/accept/")
    second = UserFactory(username="second", email="new@example.com")
    response = api(second).post(f"/api/v1/invitations/{token}/accept/")
    assert response.status_code == 409
    assert not Membership.objects.filter(user=second).exists()


def test_an_expired_invitation_is_refused(as_role, api) -> None:
    token = invite(as_role)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    user = UserFactory(email="new@example.com")
    assert api(user).post(f"/api/v1/invitations/{token}/accept/").status_code == 409
    assert not Membership.objects.filter(user=user).exists()


def test_only_the_invited_email_can_accept(as_role, api) -> None:
    token = invite(as_role)
    stranger = UserFactory(email="stranger@example.com")
    assert api(stranger).post(f"/api/v1/invitations/{token}/accept/").status_code == 403
    assert not Membership.objects.filter(user=stranger).exists()


def test_an_unknown_token_is_404_and_anonymous_is_401(api) -> None:
    assert api(UserFactory()).post("/api/v1/invitations/nope/accept/").status_code == 404
    assert api(None).post("/api/v1/invitations/nope/accept/").status_code == 401


@pytest.mark.parametrize("role", ["manager", "responder", "viewer"])
def test_only_owners_invite(as_role, role) -> None:
    response = as_role(role).post(
        "/api/v1/orgs/alpha/invitations/", {"email": "x@example.com"}, format="json"
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_invalid_invitation_input_names_the_field(as_role) -> None:
    response = as_role("owner").post(
        "/api/v1/orgs/alpha/invitations/", {"email": "not-an-email", "role": "king"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "role"}

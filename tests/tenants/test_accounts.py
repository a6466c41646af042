"""Issue 13, hole 6 (accounts): no password reset, registration emails never verified,
invitations never emailed. Now: password reset by email (pages and API), email verification
required before an agency is created when mandatory, invitations mailed with their link
(resendable), every email in its recipient's language.

Every test here fails on the previous code (no such pages, endpoints or emails)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tenants.models import ApiToken, Invitation
from tenants.profiles import user_profile_update
from tenants.tokens import api_token_issue
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Nov-Parol-2026-x"


def _link(message: mail.EmailMessage) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


# --- password reset ---


def test_password_reset_by_the_pages(client, django_capture_on_commit_callbacks) -> None:
    user = UserFactory(username="boris", email="boris@example.com")
    _, token = api_token_issue(user=user)

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/password-reset/", {"email": "boris@example.com"})

    assert sent.status_code == 302 and sent["Location"] == "/password-reset/sent/"
    [message] = mail.outbox
    assert message.to == ["boris@example.com"]
    assert "reset your password" in message.subject
    form_page = client.get(_link(message), follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not ApiToken.objects.filter(user=user).exists()  # every API token revoked
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/").status_code == 401


def test_password_reset_mail_is_in_the_users_language(
    client, django_capture_on_commit_callbacks
) -> None:
    user = UserFactory(username="boris", email="boris@example.com")
    user_profile_update(user=user, language="ru")

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/password-reset/", {"email": "boris@example.com"})

    [message] = mail.outbox
    assert message.subject == "CrisisDesk: сброс пароля"


def test_password_reset_tells_nothing_about_unknown_addresses(client) -> None:
    sent = client.post("/password-reset/", {"email": "nobody@example.com"})
    assert sent.status_code == 302 and sent["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_password_reset_by_the_api(django_capture_on_commit_callbacks) -> None:
    user = UserFactory(username="boris", email="boris@example.com")
    api = APIClient()

    with django_capture_on_commit_callbacks(execute=True):
        unknown = api.post(
            "/api/v1/auth/password-reset/", {"email": "x@example.com"}, format="json"
        )
        known = api.post("/api/v1/auth/password-reset/", {"email": user.email}, format="json")

    assert unknown.status_code == known.status_code == 202
    [message] = mail.outbox
    uid, token = re.search(r"/reset/([^/]+)/([^/]+)/", message.body).groups()
    bad = api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": "wrong-token", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert bad.status_code == 400 and "token" in bad.json()["errors"]
    weak = api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": "123"},
        format="json",
    )
    assert weak.status_code == 400 and "new_password" in weak.json()["errors"]
    good = api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert good.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    again = api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": "Another-Pass-2026"},
        format="json",
    )
    assert again.status_code == 400  # a reset link works once


# --- email verification ---


def _register(api: APIClient, username: str = "anna") -> None:
    response = api.post(
        "/api/v1/auth/register/",
        {"username": username, "email": f"{username}@example.com", "password": PASSWORD + "x1"},
        format="json",
    )
    assert response.status_code == 201


def test_registration_mails_a_verification_link(client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _register(APIClient())

    [message] = mail.outbox
    assert message.to == ["anna@example.com"]
    page = client.get(_link(message))
    assert page.status_code == 200
    assert "anna@example.com" in page.content.decode()
    api = APIClient()
    api.force_authenticate(user=UserFactory._meta.model.objects.get(username="anna"))
    assert api.get("/api/v1/me/").json()["email_verified"] is True


def test_a_tampered_or_expired_link_is_refused(
    client, settings, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _register(APIClient())
    link = _link(mail.outbox[0])

    assert client.get(link[:-3] + "xyz/").status_code == 400
    settings.EMAIL_VERIFICATION_TTL = timedelta(seconds=-1)
    expired = APIClient().post(
        "/api/v1/auth/verify-email/", {"token": link.rstrip("/").split("/")[-1]}, format="json"
    )
    assert expired.status_code == 409


def test_mandatory_verification_blocks_creating_an_agency(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_VERIFICATION = "mandatory"
    with django_capture_on_commit_callbacks(execute=True):
        _register(APIClient())
    api = APIClient()
    user = UserFactory._meta.model.objects.get(username="anna")
    api.force_authenticate(user=user)

    refused = api.post("/api/v1/orgs/", {"name": "Anna PR"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "email_unverified"

    token = _link(mail.outbox[0]).rstrip("/").split("/")[-1]
    assert (
        APIClient().post("/api/v1/auth/verify-email/", {"token": token}, format="json").status_code
        == 200
    )
    assert api.post("/api/v1/orgs/", {"name": "Anna PR"}, format="json").status_code == 201


def test_mandatory_verification_on_the_page(client, settings) -> None:
    settings.EMAIL_VERIFICATION = "mandatory"
    client.force_login(UserFactory(username="anna", email="anna@example.com"))

    page = client.post("/orgs/", {"name": "Anna PR"})

    assert page.status_code == 400
    assert "Confirm your email address before creating an agency." in page.content.decode()
    assert "data-verify-email" in page.content.decode()


def test_an_accepted_invitation_proves_the_address(settings, as_role, agency, api) -> None:
    settings.EMAIL_VERIFICATION = "mandatory"
    invited = UserFactory(username="vera", email="vera@example.com")
    token = (
        as_role("owner")
        .post("/api/v1/orgs/alpha/invitations/", {"email": "vera@example.com"}, format="json")
        .json()["token"]
    )

    assert api(invited).post(f"/api/v1/invitations/{token}/accept/").status_code == 200
    assert api(invited).post("/api/v1/orgs/", {"name": "Vera PR"}, format="json").status_code == 201


def test_the_default_run_does_not_require_verification(api) -> None:
    user = UserFactory(username="anna", email="anna@example.com")
    assert api(user).post("/api/v1/orgs/", {"name": "Anna PR"}, format="json").status_code == 201


# --- invitations by email ---


def test_an_invitation_is_mailed_in_the_inviters_language(
    as_role, agency, django_capture_on_commit_callbacks
) -> None:
    user_profile_update(user=agency.member("owner").user, language="ru")

    with django_capture_on_commit_callbacks(execute=True):
        created = as_role("owner").post(
            "/api/v1/orgs/alpha/invitations/",
            {"email": "Vera@Example.com", "role": "responder"},
            format="json",
        )

    assert created.status_code == 201
    body = created.json()
    assert body["expires_at"]
    [message] = mail.outbox
    assert message.to == ["vera@example.com"]
    assert message.subject == "CrisisDesk: приглашение в Alpha"
    assert f"/invitations/{body['token']}/" in message.body
    assert "Исполнитель" in message.body


def test_resending_an_invitation_kills_the_old_link(
    as_role, agency, api, django_capture_on_commit_callbacks
) -> None:
    owner = as_role("owner")
    first = owner.post(
        "/api/v1/orgs/alpha/invitations/", {"email": "vera@example.com"}, format="json"
    ).json()
    Invitation.objects.update(expires_at=Invitation.objects.get().expires_at - timedelta(days=6))

    with django_capture_on_commit_callbacks(execute=True):
        again = owner.post(f"/api/v1/orgs/alpha/invitations/{first['id']}/resend/")

    assert again.status_code == 200
    second = again.json()
    assert second["token"] != first["token"]
    assert second["expires_at"] > first["expires_at"]
    assert f"/invitations/{second['token']}/" in mail.outbox[-1].body
    vera = UserFactory(username="vera", email="vera@example.com")
    assert api(vera).post(f"/api/v1/invitations/{first['token']}/accept/").status_code == 404
    assert api(vera).post(f"/api/v1/invitations/{second['token']}/accept/").status_code == 200
    assert owner.post(f"/api/v1/orgs/alpha/invitations/{first['id']}/resend/").status_code == 409


def test_only_owners_resend_and_outsiders_get_404(as_role, agency, api, outsider) -> None:
    invitation = (
        as_role("owner")
        .post("/api/v1/orgs/alpha/invitations/", {"email": "vera@example.com"}, format="json")
        .json()
    )
    url = f"/api/v1/orgs/alpha/invitations/{invitation['id']}/resend/"
    assert as_role("manager").post(url).status_code == 403
    assert api(outsider.member("owner").user).post(url).status_code == 404
    assert (
        api(outsider.member("owner").user)
        .post(f"/api/v1/orgs/omega/invitations/{invitation['id']}/resend/")
        .status_code
        == 404
    )


def test_the_members_page_shows_the_expiry_and_resends(
    client, agency, django_capture_on_commit_callbacks
) -> None:
    client.force_login(agency.member("owner").user)
    client.post("/o/alpha/members/", {"email": "vera@example.com", "role": "responder"})
    invitation = Invitation.objects.get()

    page = client.get("/o/alpha/members/").content.decode()
    assert "vera@example.com" in page
    assert f"/o/alpha/invitations/{invitation.pk}/resend/" in page

    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(f"/o/alpha/invitations/{invitation.pk}/resend/")
    assert resent.status_code == 200
    assert resent["Cache-Control"] == "no-store"
    assert mail.outbox[-1].to == ["vera@example.com"]

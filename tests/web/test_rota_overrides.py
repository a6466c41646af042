"""The rota page's overrides (issue 18): a manager adds one (in the rota's local time) and
removes one after a confirmation; a viewer may not; another agency's rota or override is the
not-found page and stays as it was."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.notifications import escalation
from incidents.notifications.models import RotaOverride

pytestmark = pytest.mark.django_db


def _rota(agency):
    return escalation.rota_save(
        team=agency.team,
        by=agency.member("manager"),
        member_ids=[agency.member("responder").id],
        starts_at=timezone.now() - timedelta(days=1),
        time_zone="Europe/Moscow",
        rotation="weekly",
        shift_hours=168,
    )


def test_a_manager_adds_an_override_in_the_rotas_local_time(browser_as, agency) -> None:
    rota = _rota(agency)
    prefix = f"override-{rota.id}"
    response = browser_as("manager").post(
        f"/o/alpha/rotas/{rota.id}/overrides/",
        {
            f"{prefix}-membership": agency.member("viewer").id,
            f"{prefix}-starts_at": "2030-01-05T09:00",
            f"{prefix}-ends_at": "2030-01-06T09:00",
        },
    )
    assert response.status_code == 302
    override = RotaOverride.objects.get()
    assert override.membership_id == agency.member("viewer").id
    assert override.starts_at.isoformat() == "2030-01-05T06:00:00+00:00"  # 09:00 in Moscow


def test_an_override_of_someone_outside_the_team_is_refused(browser_as, agency) -> None:
    rota = _rota(agency)
    prefix = f"override-{rota.id}"
    response = browser_as("manager").post(
        f"/o/alpha/rotas/{rota.id}/overrides/",
        {
            f"{prefix}-membership": agency.member("owner").id,  # not in the team
            f"{prefix}-starts_at": "2030-01-05T09:00",
            f"{prefix}-ends_at": "2030-01-06T09:00",
        },
    )
    assert response.status_code == 400
    assert not RotaOverride.objects.exists()


def test_removing_asks_first_then_removes(browser_as, agency) -> None:
    rota = _rota(agency)
    override = escalation.rota_override_add(
        rota=rota,
        membership=agency.member("viewer"),
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=4),
    )
    client = browser_as("manager")
    url = f"/o/alpha/rotas/overrides/{override.id}/remove/"
    asked = client.post(url)
    assert asked.status_code == 200
    assert "alpha-viewer" in asked.content.decode()
    assert RotaOverride.objects.filter(pk=override.pk).exists()
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    assert not RotaOverride.objects.filter(pk=override.pk).exists()


def test_a_viewer_may_not_change_overrides(browser_as, agency) -> None:
    rota = _rota(agency)
    override = escalation.rota_override_add(
        rota=rota,
        membership=agency.member("viewer"),
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=4),
    )
    viewer = browser_as("viewer")
    assert (
        viewer.post(
            f"/o/alpha/rotas/overrides/{override.id}/remove/", {"confirmed": "yes"}
        ).status_code
        == 403
    )
    assert viewer.post(f"/o/alpha/rotas/{rota.id}/overrides/", {}).status_code == 403
    assert RotaOverride.objects.filter(pk=override.pk).exists()


def test_another_agencys_rota_and_override_are_not_found(browser_as, agency, outsider) -> None:
    rota = _rota(outsider)
    override = escalation.rota_override_add(
        rota=rota,
        membership=outsider.member("viewer"),
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=4),
    )
    manager = browser_as("manager")
    assert (
        manager.post(
            f"/o/alpha/rotas/overrides/{override.id}/remove/", {"confirmed": "yes"}
        ).status_code
        == 404
    )
    assert manager.post(f"/o/alpha/rotas/{rota.id}/overrides/", {}).status_code == 404
    assert RotaOverride.objects.filter(pk=override.pk).exists()

"""The sources section of the brand page: add per kind, refusals, actions, tenant boundary."""

import pytest

from incidents.monitoring.models import Source
from incidents.monitoring.services.sources import source_create
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db


def brand_url(agency) -> str:
    return f"/o/alpha/brands/{agency.brand.pk}/"


def test_the_section_lists_sources_and_offers_a_form_per_kind(agency) -> None:
    source_create(brand=agency.brand, kind="rss", config={"url": "https://n.example/f"})
    page = signed_in(agency.member("manager").user).get(brand_url(agency)).content.decode()
    assert 'id="section-sources"' in page and "https://n.example/f" in page
    for kind in ("rss", "vk", "telegram", "youtube", "mastodon", "bluesky"):
        assert f'data-add-source="{kind}"' in page
    assert 'name="credentials.access_token" type="password"' in page
    viewer = signed_in(agency.member("viewer").user).get(brand_url(agency)).content.decode()
    assert "https://n.example/f" in viewer and "data-add-source" not in viewer
    ru = signed_in(agency.member("viewer").user).get(brand_url(agency), HTTP_ACCEPT_LANGUAGE="ru")
    assert "Источники" in ru.content.decode()


def test_adding_validates_with_the_kind_and_keeps_no_secret_in_the_page(agency) -> None:
    client = signed_in(agency.member("manager").user)
    url = f"{brand_url(agency)}sources/new/"
    bad = client.post(url, {"kind": "vk", "config.query": "бренд", "credentials.access_token": ""})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    secret = "vk1.a.SECRET-token-1234567890"
    bad = client.post(url, {"kind": "vk", "credentials.access_token": secret})
    assert bad.status_code == 400 and secret not in bad.content.decode()
    assert not Source.objects.all_tenants().exists()
    ok = client.post(
        url,
        {
            "kind": "vk",
            "config.query": "бренд",
            "config.owner_ids": "-1, -2",
            "credentials.access_token": secret,
            "interval_seconds": "600",
            "name": "VK",
        },
    )
    assert ok.status_code == 302
    source = Source.objects.get()
    assert source.config == {"query": "бренд", "owner_ids": ["-1", "-2"]}
    assert source.interval_seconds == 600 and secret not in source.credentials_encrypted
    assert secret not in client.get(brand_url(agency)).content.decode()


def test_viewers_may_not_act_and_deleting_needs_the_confirmation(agency) -> None:
    source = source_create(brand=agency.brand, kind="rss", config={"url": "https://n.example/f"})
    base = f"{brand_url(agency)}sources/{source.pk}/"
    viewer = signed_in(agency.member("viewer").user)
    assert viewer.post(f"{brand_url(agency)}sources/new/", {"kind": "rss"}).status_code == 403
    for action in ("poll", "pause", "resume", "delete"):
        assert viewer.post(f"{base}{action}/", {"confirm": "yes"}).status_code == 403
    manager = signed_in(agency.member("manager").user)
    assert manager.post(f"{base}pause/").status_code == 302
    source.refresh_from_db()
    assert source.state == "paused"
    assert manager.post(f"{base}resume/").status_code == 302
    source.refresh_from_db()
    assert source.state == "new"
    manager.post(f"{base}delete/")
    assert Source.objects.filter(pk=source.pk).exists()  # not confirmed
    manager.post(f"{base}delete/", {"confirm": "yes"})
    assert not Source.objects.filter(pk=source.pk).exists()


def test_another_organisations_source_is_not_found(agency, outsider) -> None:
    theirs = source_create(brand=outsider.brand, kind="rss", config={"url": "https://o.example/"})
    owner = signed_in(agency.member("owner").user)
    # Our brand with their source, and their brand under our slug: both not found.
    for url in (
        f"{brand_url(agency)}sources/{theirs.pk}/pause/",
        f"/o/alpha/brands/{outsider.brand.pk}/sources/{theirs.pk}/pause/",
        f"/o/alpha/brands/{outsider.brand.pk}/sources/new/",
    ):
        assert owner.post(url, {"kind": "rss"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "new"

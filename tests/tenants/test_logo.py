"""The agency's logo (issue 20): an owner uploads it on the settings page; only a real PNG,
JPEG or WebP within 1 MB and 16-4000 pixels a side is taken, and what is stored is a fresh
PNG (no SVG, no scripts, no metadata); members and client staff read it, another agency
gets 404; it brands the client portal, the monthly report and the client post-mortem."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tenants import branding
from tenants.models import AuditEntry, MemberKind, OrganisationLogo, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 60), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return client.post(
        "/o/alpha/settings/logo/",
        {"logo": SimpleUploadedFile(name, data, content_type=content_type)},
        follow=True,
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_an_owner_uploads_a_logo_stored_as_a_fresh_png(agency, fmt) -> None:
    data = image_bytes(
        fmt, (1200, 600), **({"exif": b"Exif\x00\x00secret"} if fmt == "JPEG" else {})
    )
    owner = browser(agency.member("owner").user)

    page = upload(owner, data, name=f"logo.{fmt.lower()}")

    assert "Logo saved." in page.content.decode()
    logo = OrganisationLogo.objects.get(organisation=agency.org)
    stored = Image.open(io.BytesIO(bytes(logo.image)))
    assert stored.format == "PNG" and stored.size == (512, 256) == (logo.width, logo.height)
    assert b"secret" not in bytes(logo.image)
    assert AuditEntry.objects.filter(action="organisation.logo_set").count() == 1
    served = owner.get("/o/alpha/logo.png")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert owner.get("/o/alpha/logo.png", HTTP_IF_NONE_MATCH=served["ETag"]).status_code == 304
    assert 'src="/o/alpha/logo.png"' in owner.get("/o/alpha/settings/").content.decode()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (SVG, "logo.svg", "Upload a PNG, JPEG or WebP image."),
        (
            b"<html><script>alert(1)</script></html>",
            "logo.png",
            "Upload a PNG, JPEG or WebP image.",
        ),
        (image_bytes("GIF"), "logo.gif", "Upload a PNG, JPEG or WebP image."),
        (image_bytes("PNG")[:60], "logo.png", "Upload a PNG, JPEG or WebP image."),
        (image_bytes("PNG", (8, 8)), "logo.png", "The image must be between 16 and 4000 pixels"),
        (
            image_bytes("PNG", (4100, 20)),
            "logo.png",
            "The image must be between 16 and 4000 pixels",
        ),
        (b"\x89PNG" + b"0" * (1024 * 1024 + 10), "logo.png", "The image is larger than 1 MB."),
    ],
    ids=["svg-script", "html-as-png", "gif", "truncated", "too-small", "too-wide", "too-big"],
)
def test_refused_uploads_keep_the_previous_logo(agency, data, name, message) -> None:
    owner = agency.member("owner")
    branding.organisation_logo_set(organisation=agency.org, by=owner, data=image_bytes())
    before = bytes(OrganisationLogo.objects.get(organisation=agency.org).image)

    page = upload(browser(owner.user), data, name=name, content_type="image/png")

    assert message in page.content.decode()
    assert bytes(OrganisationLogo.objects.get(organisation=agency.org).image) == before


def test_a_decompression_bomb_is_refused_before_decoding(agency) -> None:
    # A PNG header claiming 100000 x 100000 pixels: refused on its declared size.
    header = image_bytes("PNG", (20, 20))
    bomb = header[:16] + (100000).to_bytes(4, "big") * 2 + header[24:]
    with pytest.raises(branding.DomainError):
        branding.logo_png(bomb)


def test_only_owners_change_it_and_members_and_client_staff_read_it(agency, outsider) -> None:
    branding.organisation_logo_set(
        organisation=agency.org, by=agency.member("owner"), data=image_bytes()
    )
    client_staff = MembershipFactory(
        organisation=agency.org, role=Role.MANAGER, kind=MemberKind.CLIENT, user__username="cl"
    )
    client_staff.brands.set([agency.brand])

    for member in (agency.member("manager"), agency.member("viewer"), client_staff):
        reader = browser(member.user)
        assert reader.get("/o/alpha/logo.png").status_code == 200
        assert upload(reader, image_bytes("PNG", (300, 300))).status_code == 403
        assert reader.post("/o/alpha/settings/logo/remove/").status_code == 403
    assert OrganisationLogo.objects.get(organisation=agency.org).width == 120
    stranger = browser(outsider.member("owner").user)
    assert stranger.get("/o/alpha/logo.png").status_code == 404
    assert stranger.get("/o/omega/logo.png").status_code == 404  # they have none
    assert Client().get("/o/alpha/logo.png").status_code == 302  # to the sign-in page
    assert 'src="/o/alpha/logo.png"' in browser(client_staff.user).get("/c/alpha/").content.decode()


def test_the_owner_removes_it(agency) -> None:
    owner = agency.member("owner")
    branding.organisation_logo_set(organisation=agency.org, by=owner, data=image_bytes())

    page = browser(owner.user).post("/o/alpha/settings/logo/remove/", follow=True)

    assert "Logo removed." in page.content.decode()
    assert not OrganisationLogo.objects.exists()
    assert browser(owner.user).get("/o/alpha/logo.png").status_code == 404


def test_reports_and_client_pdfs_embed_it_as_data(agency) -> None:
    from datetime import date

    from incidents.analytics import reports
    from incidents.postmortems.models import BrandReport

    branding.organisation_logo_set(
        organisation=agency.org, by=agency.member("owner"), data=image_bytes()
    )
    report = BrandReport.objects.create(
        organisation=agency.org,
        brand=agency.brand,
        month=date(2026, 11, 1),
        requested_by=agency.member("manager"),
    )

    done = reports.brand_report_generate(organisation_id=agency.org.pk, report_id=report.pk)

    uri = branding.organisation_logo_data_uri(organisation_id=agency.org.pk)
    assert uri.startswith("data:image/png;base64,")
    assert f'<img src="{uri}"' in done.html
    assert done.pdf and bytes(done.pdf).startswith(b"%PDF")

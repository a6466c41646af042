"""The agency's logo: uploaded by an owner on the settings page, shown to its members, on the
client portal, and in the reports and PDFs it hands on.

What is stored is never what was uploaded: the upload must decode as a PNG, JPEG or WebP image
(Pillow reads the bytes, never the file name or the browser's content type; SVG, with its
scripts, is not an image format here), within a byte size and pixel dimensions checked before
the pixels are decoded (no decompression bomb), and is re-encoded as a fresh PNG of at most
LOGO_STORED_SIDE pixels a side: no metadata, no polyglot, nothing but pixels. It is served
with its own type, nosniff and a sandboxing Content-Security-Policy, and embedded in reports
as a data: URI (the PDF renderer fetches nothing).
"""

import base64
import io
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import DomainError, Forbidden
from tenants.models import Membership, Organisation, OrganisationLogo
from tenants.policies import may_own

if TYPE_CHECKING:
    from PIL import Image

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MIN_SIDE = 16
LOGO_MAX_SIDE = 4000
LOGO_STORED_SIDE = 512
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}


def _decoded(data: bytes) -> "Image.Image":
    from PIL import Image, UnidentifiedImageError

    try:
        probe = Image.open(io.BytesIO(data), formats=sorted(LOGO_FORMATS))
    except (UnidentifiedImageError, OSError, ValueError):
        raise DomainError(gettext_lazy("Upload a PNG, JPEG or WebP image."), field="logo") from None
    width, height = probe.size
    if min(width, height) < LOGO_MIN_SIDE or max(width, height) > LOGO_MAX_SIDE:
        raise DomainError(
            gettext_lazy("The image must be between 16 and 4000 pixels a side."), field="logo"
        )
    try:
        probe.verify()
        image = Image.open(io.BytesIO(data), formats=sorted(LOGO_FORMATS))
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        raise DomainError(gettext_lazy("Upload a PNG, JPEG or WebP image."), field="logo") from None
    return image


def logo_png(data: bytes) -> tuple[bytes, int, int]:
    """Validate an upload and re-encode it: (PNG bytes, width, height). Refuses (DomainError)
    an empty or too large upload, anything that is not a PNG, JPEG or WebP image, and pixel
    dimensions out of bounds."""
    if not data:
        raise DomainError(gettext_lazy("Choose an image file."), field="logo")
    if len(data) > LOGO_MAX_BYTES:
        raise DomainError(gettext_lazy("The image is larger than 1 MB."), field="logo")
    image = _decoded(data)
    image = image.convert("RGBA")
    image.thumbnail((LOGO_STORED_SIDE, LOGO_STORED_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), image.width, image.height


def organisation_logo_set(
    *, organisation: Organisation, by: Membership, data: bytes
) -> OrganisationLogo:
    """Replace the agency's logo (owners). Refuses other roles (Forbidden) and invalid images
    (DomainError, see logo_png); the previous logo stays when refused."""
    from tenants.services import audit_record

    if not may_own(by):
        raise Forbidden(gettext_lazy("Only an owner can change the organisation's logo."))
    png, width, height = logo_png(data)
    with transaction.atomic():
        logo, _created = OrganisationLogo.objects.update_or_create(
            organisation=organisation,
            defaults={
                "image": png,
                "width": width,
                "height": height,
                "updated_at": timezone.now(),
            },
        )
        audit_record(
            organisation=organisation,
            actor=by.user,
            action="organisation.logo_set",
            target=str(organisation.pk),
            payload={"width": width, "height": height, "bytes": len(png)},
        )
    return logo


def organisation_logo_remove(*, organisation: Organisation, by: Membership) -> None:
    """Take the logo down (owners)."""
    from tenants.services import audit_record

    if not may_own(by):
        raise Forbidden(gettext_lazy("Only an owner can change the organisation's logo."))
    with transaction.atomic():
        deleted, _ = OrganisationLogo.objects.filter(organisation=organisation).delete()
        if deleted:
            audit_record(
                organisation=organisation,
                actor=by.user,
                action="organisation.logo_removed",
                target=str(organisation.pk),
                payload={},
            )


def organisation_logo(*, organisation_id: int) -> OrganisationLogo | None:
    return OrganisationLogo.objects.filter(organisation_id=organisation_id).first()


def organisation_logo_data_uri(*, organisation_id: int) -> str:
    """The logo as a data: URI for reports and PDFs, or '' without one."""
    logo = organisation_logo(organisation_id=organisation_id)
    if logo is None:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(logo.image)).decode()

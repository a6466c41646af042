"""Writes of the response-templates app."""

from tenants.models import Organisation


def starter_templates_install(*, organisation: Organisation) -> None:
    """Create the starter response templates (ru + en) for a new organisation. Idempotent."""

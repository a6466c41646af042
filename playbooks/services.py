"""Writes of the playbooks app."""

from tenants.models import Organisation


def starter_library_install(*, organisation: Organisation) -> None:
    """Create the starter playbooks (ru + en) for a new organisation. Idempotent."""

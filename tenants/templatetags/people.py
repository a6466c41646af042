"""How a page names a person to the member reading it: agency staff read usernames, client
staff a display name only (tenants.models.display_name)."""

from typing import Any

from django import template

from tenants.models import display_name

register = template.Library()


@register.filter
def person(user: Any, reader: Any) -> str:
    """{{ some_membership.user|person:request.membership }}"""
    if user is None:
        return "—"
    if reader is not None and getattr(reader, "is_client", False):
        return display_name(user)
    return user.get_username()

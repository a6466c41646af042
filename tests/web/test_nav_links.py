"""Every link of the top bar opens its page for the person it is shown to.

Found walking the product as the demo client: the bar of client staff showed "Mentions",
whose page answers them 403 ("Your role does not allow this").
"""

import re

import pytest

from tenants.models import MemberKind, Role
from tests.factories import MembershipFactory

from .conftest import signed_in

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav class="mainnav".*?</nav>', re.S)
HREF = re.compile(r'href="(/o/[^"#?]+)"')


def _nav_links(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    nav = NAV.search(response.content.decode())
    assert nav, path
    return sorted(set(HREF.findall(nav.group(0))))


@pytest.mark.parametrize("role", ["owner", "manager", "responder", "viewer", "client"])
def test_each_top_bar_link_opens(agency, incident, role) -> None:
    if role == "client":
        member = MembershipFactory(
            organisation=agency.org, role=Role.VIEWER, kind=MemberKind.CLIENT
        )
        member.brands.set([agency.brand])
    else:
        member = agency.member(role)
    client = signed_in(member.user)
    links = _nav_links(client, f"/o/alpha/incidents/{incident.pk}/")
    assert "/o/alpha/incidents/" in links
    refused = {link: client.get(link).status_code for link in links}
    assert {link: code for link, code in refused.items() if code != 200} == {}
    if role == "client":
        assert "/o/alpha/mentions/" not in links

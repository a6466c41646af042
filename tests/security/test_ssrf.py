"""Issue 13, hole 2: the outgoing webhook could be pointed at the server itself or the private
network. Every address class is refused when the URL is saved and again when a delivery is
sent (the host may resolve elsewhere by then); a listed host is reached.

Fails on the code before the outbound policy: the API stored every one of these URLs and the
worker POSTed to it."""

import pytest

from incidents.notifications.delivery import delivery_attempt
from incidents.notifications.models import Channel, WebhookDelivery
from incidents.notifications.services import notify
from tenants.models import Organisation
from tests.core.test_outbound import REFUSED_ADDRESSES
from tests.local_http import local_server

pytestmark = pytest.mark.django_db

ISSUE_URLS = [
    "http://127.0.0.1:8000/",
    "http://localhost/",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.0.1/",
    "http://0.0.0.0/",
]
TABLE = ISSUE_URLS + [
    f"http://[{address}]/hook" if ":" in address else f"http://{address}/hook"
    for address, _reason in REFUSED_ADDRESSES
]


@pytest.mark.parametrize("url", TABLE)
def test_a_refused_webhook_url_is_not_saved(as_role, agency, url: str) -> None:
    response = as_role("owner").patch("/api/v1/orgs/alpha/", {"webhook_url": url})

    assert response.status_code == 400, url
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["webhook_url"]
    agency.org.refresh_from_db()
    assert agency.org.webhook_url == ""


def test_a_name_resolving_to_loopback_is_not_saved(as_role, agency, resolver) -> None:
    resolver["hooks.evil.test"] = ["93.184.216.34", "127.0.0.1"]

    response = as_role("owner").patch(
        "/api/v1/orgs/alpha/", {"webhook_url": "https://hooks.evil.test/"}
    )

    assert response.status_code == 400
    assert "loopback" in response.json()["errors"]["webhook_url"][0]


def test_the_refusal_is_in_the_readers_language(as_role, agency) -> None:
    response = as_role("owner").patch(
        "/api/v1/orgs/alpha/",
        {"webhook_url": "http://10.0.0.1/"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["webhook_url"] == [
        "Имя хоста указывает на адрес частной сети."
    ]


def test_a_public_webhook_url_is_saved(as_role, agency, resolver) -> None:
    resolver["hooks.example.com"] = ["93.184.216.34"]

    response = as_role("owner").patch(
        "/api/v1/orgs/alpha/", {"webhook_url": "https://hooks.example.com/crisisdesk"}
    )

    assert response.status_code == 200
    assert response.json()["webhook_url"] == "https://hooks.example.com/crisisdesk"


def test_a_listed_private_host_is_saved(as_role, agency, settings) -> None:
    settings.OUTBOUND_ALLOW_HOSTS = ["127.0.0.1:9999"]

    response = as_role("owner").patch(
        "/api/v1/orgs/alpha/", {"webhook_url": "http://127.0.0.1:9999/hook"}
    )

    assert response.status_code == 200


def _deliver(org_id: int) -> None:
    organisation = Organisation.objects.get(pk=org_id)
    delivery = notify(organisation=organisation, channel=Channel.WEBHOOK, kind="t", data={})
    assert delivery is not None
    delivery_attempt(delivery.pk)


@pytest.mark.parametrize("url", TABLE)
def test_a_refused_address_is_not_delivered_to_and_not_retried(agency, url: str) -> None:
    # Stored before the policy existed, or through a path that skipped it.
    agency.org.webhook_url = url
    agency.org.save(update_fields=["webhook_url"])

    _deliver(agency.org.id)

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.status_code is None
    assert delivery.error.startswith("refused: "), delivery.error


def test_a_name_that_now_resolves_to_loopback_is_refused_at_delivery(agency, resolver) -> None:
    """Saved while public, rebound to 127.0.0.1 since: refused at connection time."""
    with local_server() as server:
        resolver["hooks.example.com"] = ["93.184.216.34"]
        agency.org.webhook_url = f"http://hooks.example.com:{server.port}/hook"
        agency.org.full_clean()
        agency.org.save()
        resolver["hooks.example.com"] = ["127.0.0.1"]

        _deliver(agency.org.id)

        assert server.seen == []
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.error == "refused: loopback 127.0.0.1"


def test_a_listed_host_is_delivered_to(agency, settings) -> None:
    with local_server() as server:
        settings.OUTBOUND_ALLOW_HOSTS = [f"127.0.0.1:{server.port}"]
        agency.org.webhook_url = server.url("/hook")
        agency.org.save()

        _deliver(agency.org.id)

        [seen] = server.seen
        assert seen.path == "/hook"
    assert WebhookDelivery.objects.get().status_code == 200

"""The mention browser page: filters (the API's), paging in constant queries, bulk
correction and linking to an incident, refusals and the tenant boundary."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from incidents.models import IncidentEvent
from incidents.monitoring.models import Mention, MentionLabel
from tests.factories import IncidentFactory, MembershipFactory, MentionFactory

pytestmark = pytest.mark.django_db

PAGE = "/o/alpha/mentions/"
BULK = "/o/alpha/mentions/bulk/"


@pytest.fixture
def browser_as(agency):
    def make(role: str, membership=None) -> Client:
        client = Client()
        user = membership.user if membership else agency.member(role).user
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


def ids_on(response) -> list[int]:
    return [m.id for m in response.context["mentions"]]


def test_every_filter_narrows_the_list(browser_as, agency, outsider) -> None:
    day = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    base = {"brand": agency.brand, "posted_at": day, "language": "ru", "sentiment_label": "neutral"}
    plain = MentionFactory(**base, text="обычный пост")
    loud = MentionFactory(**{**base, "reach": 50_000}, text="громкий пост")
    negative = MentionFactory(**base | {"sentiment_label": "negative"}, text="плохо")
    english = MentionFactory(**base | {"language": "en"}, text="plain post")
    telegram = MentionFactory(**base, platform="telegram", text="телеграм")
    human = MentionFactory(**base, sentiment_source="human", text="исправлено")
    later = MentionFactory(**base | {"posted_at": datetime(2026, 3, 5, tzinfo=UTC)}, text="позже")
    second = MentionFactory(**base | {"brand": agency.other_brand}, text="второй бренд")
    MentionFactory(brand=outsider.brand, text="чужой пост")
    client = browser_as("viewer")

    assert len(ids_on(client.get(PAGE))) == 8
    assert ids_on(client.get(PAGE, {"q": "громкий"})) == [loud.id]
    assert ids_on(client.get(PAGE, {"min_reach": "1000"})) == [loud.id]
    assert ids_on(client.get(PAGE, {"sentiment": "negative"})) == [negative.id]
    assert ids_on(client.get(PAGE, {"language": "en"})) == [english.id]
    assert ids_on(client.get(PAGE, {"platform": "telegram"})) == [telegram.id]
    assert ids_on(client.get(PAGE, {"source": "human"})) == [human.id]
    assert ids_on(client.get(PAGE, {"posted_from": "2026-03-02"})) == [later.id]
    assert later.id not in ids_on(client.get(PAGE, {"posted_to": "2026-03-01"}))
    assert ids_on(client.get(PAGE, {"brand": agency.other_brand.id})) == [second.id]
    assert plain.id in ids_on(client.get(PAGE))
    # Another agency's brand id is not a choice: the filter is ignored, nothing of theirs shows.
    response = client.get(PAGE, {"brand": outsider.brand.id})
    assert "чужой" not in response.content.decode()


def test_the_page_costs_the_same_queries_for_5_and_50_mentions(
    browser_as, agency, django_assert_max_num_queries
) -> None:
    IncidentFactory(brand=agency.brand)
    client = browser_as("responder")
    MentionFactory.create_batch(5, brand=agency.brand)
    client.get(PAGE)  # warm the session
    with django_assert_max_num_queries(16) as few:
        client.get(PAGE)
    MentionFactory.create_batch(45, brand=agency.other_brand)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(PAGE)
    assert len(response.context["mentions"]) == 50


def test_bulk_correction_and_linking(browser_as, agency, outsider) -> None:
    incident = IncidentFactory(brand=agency.brand, title="Курьеры")
    ours = MentionFactory.create_batch(3, brand=agency.brand, sentiment_label="neutral")
    other_brand = MentionFactory(brand=agency.other_brand)
    theirs = MentionFactory(brand=outsider.brand, sentiment_label="neutral")
    client = browser_as("responder")
    chosen = [m.id for m in ours] + [theirs.id]

    labelled = client.post(BULK, {"mention": chosen, "action": "label", "sentiment": "negative"})
    linked = client.post(
        BULK,
        {"mention": [*chosen, other_brand.id], "action": "link", "incident": incident.id},
        follow=True,
    )

    assert labelled.status_code == 302
    assert set(Mention.objects.filter(sentiment_source="human").values_list("id", flat=True)) == {
        m.id for m in ours
    }
    assert MentionLabel.objects.count() == 3
    assert "3 mentions linked to the incident." in linked.content.decode()
    assert set(incident.mentions.values_list("id", flat=True)) == {m.id for m in ours}
    event = IncidentEvent.objects.get(incident=incident, kind="mention_linked")
    assert event.payload["count"] == 3
    assert event.actor == agency.member("responder").user
    theirs.refresh_from_db()
    assert (theirs.sentiment_label, theirs.incident_id) == ("neutral", None)


def test_bulk_refusals(browser_as, agency, outsider) -> None:
    mention = MentionFactory(brand=agency.brand)
    their_incident = IncidentFactory(brand=outsider.brand)

    viewer = browser_as("viewer")
    assert (
        viewer.post(
            BULK, {"mention": [mention.id], "action": "label", "sentiment": "negative"}
        ).status_code
        == 403
    )
    responder = browser_as("responder")
    foreign = responder.post(
        BULK, {"mention": [mention.id], "action": "link", "incident": their_incident.id}
    )
    assert foreign.status_code == 404
    empty = responder.post(BULK, {"action": "label", "sentiment": "negative"}, follow=True)
    assert "Choose mentions and what to do with them." in empty.content.decode()
    stranger = Client()
    stranger.force_login(
        outsider.member("owner").user, backend="django.contrib.auth.backends.ModelBackend"
    )
    assert stranger.get(PAGE).status_code == 404
    assert not MentionLabel.objects.exists()
    mention.refresh_from_db()
    assert mention.incident_id is None


def test_viewers_read_without_actions_and_limited_members_see_their_brands(
    browser_as, agency
) -> None:
    MentionFactory(brand=agency.brand, text="первый бренд")
    MentionFactory(brand=agency.other_brand, text="второй бренд")
    page = browser_as("viewer").get(PAGE).content.decode()
    assert "первый бренд" in page and 'id="mention-bulk"' not in page and "/label/" not in page
    limited = MembershipFactory(organisation=agency.org, role="responder")
    limited.brands.add(agency.brand)
    page = browser_as("", limited).get(PAGE).content.decode()
    assert "первый бренд" in page and "второй бренд" not in page


def test_the_page_is_in_russian(browser_as, agency) -> None:
    MentionFactory(brand=agency.brand)
    client = browser_as("responder")
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Исправить тональность" in page and "Кто оценил" in page

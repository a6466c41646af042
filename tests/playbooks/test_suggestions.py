"""Suggested playbooks: the incident's text and its mentions rank the matching playbook first."""

import pytest

from playbooks.services import starter_library_install
from templates.services import starter_templates_install
from tests.factories import IncidentFactory, MentionFactory, PlaybookFactory

pytestmark = pytest.mark.django_db

# (language, crisis type, title, summary): how staff log these crises, in their own words.
INCIDENTS = [
    (
        "ru",
        "ad_backlash",
        "Бойкот после высказывания амбассадора",
        "Звезда нашей рекламной кампании оскорбила зрителей в эфире, требуют снять ролик.",
    ),
    (
        "ru",
        "product_quality",
        "Брак в новой партии чайников",
        "Покупатели пишут, что корпус даёт трещину и перегревается; дефект массовый.",
    ),
    (
        "ru",
        "service_complaints",
        "Волна жалоб на поддержку",
        "Оператор грубит, курьер опоздал на двое суток, клиенты требуют компенсацию.",
    ),
    (
        "en",
        "ad_backlash",
        "Boycott calls after our ambassador's offensive remarks",
        "The celebrity in our new ad campaign insulted viewers; people ask us to pull the ad.",
    ),
    (
        "en",
        "product_quality",
        "Faulty kettles from the March batch",
        "Buyers say the lid cracked and the base overheats; looks like a quality defect.",
    ),
    (
        "en",
        "service_complaints",
        "Customer service complaints pile up",
        "People on hold for an hour, rude agents, the courier never came; they want a refund.",
    ),
]


@pytest.fixture
def library(agency):
    starter_templates_install(organisation=agency.org)
    starter_library_install(organisation=agency.org)
    return agency


def suggest(client, incident, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/orgs/alpha/incidents/{incident.id}/suggested-playbooks/{query}")
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.mark.parametrize(("language", "crisis_type", "title", "summary"), INCIDENTS)
def test_the_matching_playbook_is_suggested_first(
    as_role, library, language, crisis_type, title, summary
) -> None:
    incident = IncidentFactory(brand=library.brand, title=title, summary=summary)

    ranked = suggest(as_role("viewer"), incident)

    top = ranked[0]
    assert (top["playbook"]["crisis_type"], top["playbook"]["language"]) == (crisis_type, language)
    assert top["score"] > ranked[1]["score"]
    assert len(top["matched_keywords"]) >= 2
    assert top["language_match"] is True
    assert top["applied"] is False


@pytest.mark.parametrize(("language", "crisis_type", "title", "summary"), INCIDENTS)
def test_linked_mentions_alone_suggest_the_matching_playbook(
    as_role, library, language, crisis_type, title, summary
) -> None:
    incident = IncidentFactory(brand=library.brand, title="Negative spike", summary="")
    MentionFactory(brand=library.brand, incident=incident, text=title)
    MentionFactory(brand=library.brand, incident=incident, text=summary)
    MentionFactory(brand=library.brand, text="Unlinked: data leak, hacked, password, outage")

    top = suggest(as_role("viewer"), incident)[0]

    assert (top["playbook"]["crisis_type"], top["playbook"]["language"]) == (crisis_type, language)


def test_the_brands_languages_break_ties(as_role, library) -> None:
    library.brand.languages = ["ru"]
    library.brand.save()
    incident = IncidentFactory(brand=library.brand, title="Нечто", summary="")

    ranked = suggest(as_role("viewer"), incident, "?limit=50")

    assert {s["playbook"]["language"] for s in ranked[:7]} == {"ru"}
    assert all(s["score"] == 0.5 and s["language_match"] for s in ranked[:7])
    assert all(s["score"] == 0 and not s["language_match"] for s in ranked[7:])
    assert ranked[6]["playbook"]["crisis_type"] == "general"  # the general one last in a tie


def test_inactive_playbooks_are_not_suggested_and_applied_ones_are_marked(as_role, agency) -> None:
    active = PlaybookFactory(organisation=agency.org, keywords=["refund"])
    PlaybookFactory(organisation=agency.org, keywords=["refund"], active=False)
    incident = IncidentFactory(brand=agency.brand, title="Refund chaos")
    as_role("responder").post(
        f"/api/v1/orgs/alpha/incidents/{incident.id}/apply-playbook/",
        {"playbook": active.id},
        format="json",
    )

    ranked = suggest(as_role("viewer"), incident)

    assert [(s["playbook"]["id"], s["applied"]) for s in ranked] == [(active.id, True)]


def test_the_limit_is_bounded(as_role, library) -> None:
    incident = IncidentFactory(brand=library.brand)

    assert len(suggest(as_role("viewer"), incident, "?limit=3")) == 3
    response = as_role("viewer").get(
        f"/api/v1/orgs/alpha/incidents/{incident.id}/suggested-playbooks/?limit=500"
    )
    assert response.status_code == 400

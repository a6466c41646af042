"""What the crisis is about: the phrases an incident's negative mentions share (Russian
lemmatised with pymorphy3), with counts and example posts, on the incident page and in the
post-mortem's figures."""

import pytest
from django.test import Client

from incidents.monitoring.selectors import incident_phrases
from incidents.monitoring.sentiment.topics import content_words, crisis_phrases
from tests.factories import IncidentFactory, MentionFactory

COMPLAINTS = [
    "Курьер опять опоздал на два часа, ужас",
    "Курьеры опаздывают каждый день!!!",
    "опоздание курьера, верните деньги",
    "Верните деньги за холодную пиццу",
    "пицца холодная, курьер грубил",
    "Холодная пицца и грубый курьер",
]


def test_russian_words_count_by_their_lemma_and_show_as_written() -> None:
    assert content_words("Курьеры опаздывают, верните деньги") == [
        "курьер",
        "опаздывать",
        "вернуть",
        "деньга",
    ]

    phrases = {p.lemma: p for p in crisis_phrases(COMPLAINTS)}

    assert phrases["курьер"].count == 5
    assert phrases["холодный пицца"].count == 2
    assert phrases["холодный пицца"].phrase == "холодную пиццу"
    assert phrases["вернуть деньга"].examples == [
        "опоздание курьера, верните деньги",
        "Верните деньги за холодную пиццу",
    ]
    # Two-word phrases cover their words: "пицца" is not listed again on its own.
    assert "пицца" not in phrases


def test_english_stop_words_links_and_handles_are_left_out() -> None:
    texts = [
        "@AirCo my flight was cancelled again https://t.co/x",
        "flight cancelled, no refund",
        "the flight is cancelled and there is no refund",
    ]
    phrases = [(p.phrase, p.count) for p in crisis_phrases(texts)]
    assert phrases[0] == ("flight cancelled", 3)
    assert ("refund", 2) in phrases
    assert all("http" not in p and "airco" not in p for p, _ in phrases)


def test_a_single_post_makes_no_phrase() -> None:
    assert crisis_phrases(["одна жалоба на курьера"]) == []


@pytest.mark.django_db
def test_the_incident_page_and_the_postmortem_show_the_phrases(agency, outsider) -> None:
    incident = IncidentFactory(brand=agency.brand)
    for text in COMPLAINTS:
        MentionFactory(brand=agency.brand, incident=incident, sentiment_label="negative", text=text)
    MentionFactory(
        brand=agency.brand, incident=incident, sentiment_label="positive", text="пицца супер"
    )
    # Another agency's mention with the same words never counts.
    theirs = IncidentFactory(brand=outsider.brand)
    MentionFactory(brand=outsider.brand, incident=theirs, sentiment_label="negative", text="курьер")

    phrases = incident_phrases(incident=incident)
    assert phrases[0] == {
        "phrase": "курьер",
        "lemma": "курьер",
        "count": 5,
        "examples": [COMPLAINTS[5], COMPLAINTS[4], COMPLAINTS[2]],  # newest first
    }
    client = Client()
    client.force_login(
        agency.member("viewer").user, backend="django.contrib.auth.backends.ModelBackend"
    )
    room = client.get(f"/o/alpha/incidents/{incident.id}/", HTTP_ACCEPT_LANGUAGE="ru")
    body = room.content.decode()
    assert "О чём кризис" in body
    assert "холодную пиццу" in body and "5 негативных упоминаний" in body

    from incidents.postmortems.selectors import _mentions

    assert _mentions(incident)["phrases"] == phrases

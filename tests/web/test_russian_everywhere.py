"""A Russian page, export or timeline shows no English sentence of the product: every
catalogue sentence a page renders is translated (the catalogue is complete), and counts use
the Russian plural forms."""

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils.translation import trans_real

from incidents import services
from incidents.models import Incident
from incidents.postmortems.models import PostMortem
from playbooks import services as playbook_services

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}")


def _english_sentences() -> list[str]:
    """The catalogue's English sentences whose Russian differs, as the literal runs a page
    would show (placeholders cut out); short words are left aside (brand names, "OK")."""
    catalog = trans_real.translation("ru")._catalog
    sentences = set()
    for key, translated in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid or msgid == translated:
            continue
        for run in PLACEHOLDER.split(msgid):
            run = run.strip(" .,:;()—-«»“”")
            if len(run) >= 14 and " " in run and "<" not in run:
                sentences.add(run)
    return sorted(sentences)


def _visible_text(body: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _english_in(text: str, sentences: list[str]) -> list[str]:
    text = re.sub(r"\s+", " ", text)
    return [s for s in sentences if s in text]


@pytest.fixture
def history(agency, incident) -> Incident:
    """An incident taken through a playbook, resolution and a drafted post-mortem."""
    owner = agency.member("owner")
    playbook = playbook_services.playbook_create(
        organisation=agency.org,
        by=agency.member("owner"),
        name="Жалобы на сервис",
        crisis_type="service",
        language="ru",
        keywords=[],
        steps=[{"title": "Извиниться публично", "due_offset_minutes": 30}],
    )
    playbook_services.playbook_apply(
        incident=incident, playbook=playbook, by=agency.member("owner")
    )
    services.incident_acknowledge(incident=incident, by=owner)
    services.incident_add_note(incident=incident, by=owner, text="Проверяем факты")
    services.incident_transition(incident=incident, status="resolved", by=owner)
    incident.refresh_from_db()
    return incident


def test_the_catalogue_has_english_sentences_to_look_for() -> None:
    sentences = _english_sentences()
    assert len(sentences) > 300
    assert "No incident matches these filters" in sentences


def test_main_pages_in_russian_show_no_english_sentence(browser_as, agency, history) -> None:
    sentences = _english_sentences()
    client = browser_as("owner")
    postmortem = PostMortem.objects.get(incident=history)
    pages = [
        "/o/alpha/",
        "/o/alpha/incidents/",
        "/o/alpha/incidents/archive/",
        f"/o/alpha/incidents/{history.pk}/",
        "/o/alpha/postmortems/",
        f"/o/alpha/postmortems/{postmortem.pk}/",
        "/o/alpha/brands/",
        f"/o/alpha/brands/{agency.brand.pk}/",
        "/o/alpha/teams/",
        f"/o/alpha/teams/{agency.team.pk}/",
        "/o/alpha/members/",
        "/o/alpha/playbooks/",
        "/o/alpha/templates/",
        "/o/alpha/settings/",
        "/settings/",
    ]
    found = {}
    for path in pages:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ru")
        assert response.status_code == 200, path
        body = response.content.decode()
        assert '<html lang="ru">' in body, path
        english = _english_in(_visible_text(body), sentences)
        if english:
            found[path] = english
    # A confirmation page too.
    asked = client.post(f"/o/alpha/teams/{agency.team.pk}/delete/", HTTP_ACCEPT_LANGUAGE="ru")
    english = _english_in(_visible_text(asked.content.decode()), sentences)
    if english:
        found["confirm"] = english
    assert not found, found


def test_the_timeline_speaks_russian_for_every_kind_it_shows(browser_as, history) -> None:
    room = (
        browser_as("owner")
        .get(f"/o/alpha/incidents/{history.pk}/", HTTP_ACCEPT_LANGUAGE="ru")
        .content.decode()
    )
    assert "подготовил(а) черновик разбора" in room
    assert "применил(а) сценарий «Жалобы на сервис» (1 задача)" in room
    assert "postmortem drafted" not in room


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_exports_in_russian_have_russian_headings(browser_as, history, fmt) -> None:
    sentences = _english_sentences()
    postmortem = PostMortem.objects.get(incident=history)
    response = browser_as("owner").get(
        f"/o/alpha/postmortems/{postmortem.pk}/export/?format={fmt}&audience=internal",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Внутренние заметки" in text and "Хронология" in text
    plain = _visible_text(text) if fmt == "html" else text
    assert not _english_in(plain, sentences)
    for heading in ("Response times against the SLA", "Playbook tasks", "Internal notes"):
        assert heading not in text


@pytest.mark.parametrize(
    ("count", "words"),
    [(1, "1 упоминание, 1 негативное"), (3, "3 упоминания, 3 негативных"), (42, "42 упоминания")],
)
def test_mention_counts_use_russian_plurals(browser_as, agency, incident, count, words) -> None:
    from django.utils import timezone

    from incidents.monitoring.models import MentionBucket

    MentionBucket.objects.create(
        organisation=agency.org,
        brand=agency.brand,
        bucket_start=timezone.now().replace(second=0, microsecond=0),
        total=count,
        negative=count if count < 42 else 5,
    )
    room = (
        browser_as("owner")
        .get(f"/o/alpha/incidents/{incident.pk}/", HTTP_ACCEPT_LANGUAGE="ru")
        .content.decode()
    )
    assert words in room


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """The Russian catalogue as Django's own extractor makes it from the code and templates
    today (makemessages, run on a copy of the code so that the real catalogue is never
    rewritten; --no-obsolete: only the msgids in use)."""
    copy = tmp_path_factory.mktemp("src")
    for name in ("crisisdesk", "tenants", "incidents", "playbooks", "templates", "locale"):
        shutil.copytree(
            ROOT / name, copy / name, ignore=shutil.ignore_patterns("*.mo", "static", "__pycache__")
        )
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "ru",
            "--no-obsolete",
            "--no-wrap",
            "-v",
            "0",
        ],
        cwd=copy,
        env={**os.environ, "PYTHONPATH": str(copy)},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return copy / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def _msgids(po: Path, *flags: str) -> list[str]:
    out = subprocess.run(
        ["msgattrib", *flags, "--no-wrap", str(po)], check=True, capture_output=True, text=True
    ).stdout
    return [m for m in re.findall(r'^msgid "(.*)"$', out, flags=re.M) if m]


def test_every_sentence_the_product_uses_has_a_russian_translation(extracted) -> None:
    """The catalogue is complete: no msgid of the code or the templates without a Russian
    msgstr, and no fuzzy guess."""
    assert len(_msgids(extracted)) > 1000
    assert _msgids(extracted, "--untranslated") == []
    assert _msgids(extracted, "--only-fuzzy") == []


COUNTED = re.compile(
    r"%\((count|n|number|total)\)[sd] (mentions?|tasks?|items?|incidents?|polls?|people|"
    r"responses?|members?|minutes|hours|days|events?)\b"
)


def test_a_count_followed_by_its_noun_is_a_plural_entry(extracted) -> None:
    """A sentence that counts something ("%(count)s mentions") goes through ngettext, so that
    Russian says 1 упоминание, 3 упоминания, 5 упоминаний: no singular msgid in use counts."""
    text = extracted.read_text(encoding="utf-8")
    singular = [
        msgid
        for msgid, plural in re.findall(r'^msgid "(.*)"\n(msgid_plural)?', text, flags=re.M)
        if not plural and COUNTED.search(msgid)
    ]
    assert singular == []
    assert COUNTED.search(text)  # the plural ones are there


def test_more_pages_in_russian_show_no_english_sentence(browser_as, agency, history) -> None:
    from tests.factories import MentionFactory

    MentionFactory(brand=agency.brand, incident=history, text="Где мой заказ?")
    MentionFactory(brand=agency.brand, text="Отличный сервис")
    sentences = _english_sentences()
    client = browser_as("owner")
    pages = [
        "/o/alpha/mentions/",
        "/o/alpha/mentions/?sentiment=negative",
        "/o/alpha/incidents/archive/?status=resolved",
        "/o/alpha/playbooks/new/",
        "/o/alpha/templates/new/",
        "/o/alpha/rotas/",
        "/o/alpha/escalation/",
        f"/o/alpha/members/{agency.member('viewer').pk}/",
        "/orgs/",
    ]
    found = {}
    for path in pages:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ru")
        assert response.status_code == 200, path
        english = _english_in(_visible_text(response.content.decode()), sentences)
        if english:
            found[path] = english
    assert not found, found


def test_a_client_export_in_russian_shows_no_english_sentence(browser_as, history) -> None:
    postmortem = PostMortem.objects.get(incident=history)
    response = browser_as("owner").get(
        f"/o/alpha/postmortems/{postmortem.pk}/export/?format=html&audience=client",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 200
    assert not _english_in(_visible_text(response.content.decode()), _english_sentences())


def test_a_monitoring_incident_room_in_russian(browser_as, agency) -> None:
    """The generated title and summary of a Russian brand's incident read in Russian."""
    from datetime import timedelta

    from django.utils import timezone

    from incidents.monitoring.services import mention_ingest
    from tests.factories import MonitoringRuleFactory

    MonitoringRuleFactory(brand=agency.brand, name="Суд", keywords=["суд"], min_negative=None)
    result = mention_ingest(
        brand=agency.brand,
        items=[
            {
                "platform": "vk",
                "external_id": "s1",
                "text": "Подаём в суд на бренд",
                "posted_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
            }
        ],
    )
    [incident_id] = result.incidents_opened
    room = browser_as("owner").get(f"/o/alpha/incidents/{incident_id}/", HTTP_ACCEPT_LANGUAGE="ru")
    text = _visible_text(room.content.decode())
    assert "«суд» в упоминаниях" in text
    assert "Открыт правилом мониторинга «Суд»: ключевое слово суд." in text
    assert not _english_in(text, _english_sentences())


@pytest.mark.parametrize(
    ("count", "sentence"),
    [
        (1, "привязал(а) 1 упоминание (правило «Всплеск»)"),
        (3, "привязал(а) 3 упоминания (правило «Всплеск»)"),
        (25, "привязал(а) 25 упоминаний (правило «Всплеск»)"),
    ],
)
def test_mentions_linked_by_a_rule_use_russian_plurals(count, sentence) -> None:
    from django.utils import translation

    from incidents.events import event_kind

    with translation.override("ru"):
        text = event_kind("mention_linked").sentence(
            {"count": count, "rule": {"id": 1, "name": "Всплеск"}}, {}
        )
    assert text == sentence

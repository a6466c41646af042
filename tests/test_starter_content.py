"""The starter library is data that ships to every tenant: these checks keep it consistent.

No database and no Django setup: both modules are plain Python.
"""

import re
from collections import Counter

import pytest

from playbooks.starter import CRISIS_TYPES, STARTER_PLAYBOOKS, StarterPlaybook
from templates.starter import STARTER_TEMPLATES, StarterTemplate

LANGUAGES = {"ru", "en"}
BUILTINS = {"brand", "incident_title", "today"}
TONES = {"apologetic", "informative", "empathetic", "firm"}
CHANNEL_LIMITS: dict[str, int | None] = {
    "x": 280,
    "sms": 160,
    "telegram": 4096,
    "vk": 4096,
    "facebook": 63206,
    "instagram": 2200,
    "email": None,
    "press_release": None,
    "website": None,
}
SEVERITIES = {"sev1", "sev2", "sev3", "sev4"}
OWNER_ROLES = {"manager", "responder", "owner"}
REQUIRED_CRISIS_TYPES = {
    "general",
    "ad_backlash",
    "product_quality",
    "service_complaints",
    "data_leak",
    "employee_post",
}
# Base key (without the language suffix) -> channels the brief allows for it.
REQUIRED_TEMPLATES: dict[str, set[str]] = {
    "holding_statement_x": {"x"},
    "holding_statement_telegram": {"telegram", "vk"},
    "public_apology_website": {"website", "press_release"},
    "apology_reply_x": {"x", "vk"},
    "compensation_offer_email": {"email"},
    "compensation_offer_sms": {"sms", "x"},
    "fix_update_telegram": {"telegram"},
    "data_leak_email": {"email"},
    "status_update_x": {"x"},
}
# Phrases that make a crisis response sound like a call-centre recording.
CLICHES = [
    "приносим извинения за доставленные неудобства",
    "ваше мнение очень важно",
    "в кратчайшие сроки",
    "apologize for any inconvenience",
    "apologise for any inconvenience",
    "your feedback is important",
    "we take this very seriously",
]

STRICT_PLACEHOLDER = re.compile(r"\{\{ ([a-z][a-z0-9_]*) \}\}")
ANY_PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.DOTALL)
SENTENCE_END = re.compile(r"[.!?…](?:[»”)]*)(?=\s|$)")

TEMPLATES_BY_KEY: dict[str, StarterTemplate] = {t["key"]: t for t in STARTER_TEMPLATES}
CRISIS_CODES = [code for code, _, _ in CRISIS_TYPES]


def _placeholders(body: str) -> set[str]:
    return set(STRICT_PLACEHOLDER.findall(body))


def _base_key(key: str, language: str) -> str:
    return key.removesuffix(f"_{language}")


def _template_id(template: StarterTemplate) -> str:
    return template["key"]


def _playbook_id(playbook: StarterPlaybook) -> str:
    return playbook["key"]


def test_template_keys_are_unique() -> None:
    duplicates = [key for key, n in Counter(t["key"] for t in STARTER_TEMPLATES).items() if n > 1]

    assert duplicates == []


@pytest.mark.parametrize("template", STARTER_TEMPLATES, ids=_template_id)
def test_template_enums_are_valid(template: StarterTemplate) -> None:
    assert template["channel"] in CHANNEL_LIMITS
    assert template["tone"] in TONES
    assert template["language"] in LANGUAGES
    assert template["key"].endswith(f"_{template['language']}")
    assert template["name"].strip()
    assert template["body"] == template["body"].strip()


@pytest.mark.parametrize("template", STARTER_TEMPLATES, ids=_template_id)
def test_template_placeholders_are_well_formed(template: StarterTemplate) -> None:
    body = template["body"]

    assert ANY_PLACEHOLDER.findall(body) == [
        m.group(0) for m in STRICT_PLACEHOLDER.finditer(body)
    ], "every placeholder is written {{ name }} with single spaces"
    # Outside placeholders no brace is left that a renderer could misread.
    assert "{" not in STRICT_PLACEHOLDER.sub("", body)
    assert "}" not in STRICT_PLACEHOLDER.sub("", body)


@pytest.mark.parametrize("template", STARTER_TEMPLATES, ids=_template_id)
def test_template_placeholders_are_declared_and_variables_used(template: StarterTemplate) -> None:
    used = _placeholders(template["body"])
    declared = set(template["variables"])

    assert used - declared - BUILTINS == set(), "undeclared placeholder"
    assert declared - used == set(), "declared variable never used"
    assert declared & BUILTINS == set(), "built-ins are not declared"
    assert len(template["variables"]) == len(declared), "variable declared twice"


@pytest.mark.parametrize("template", STARTER_TEMPLATES, ids=_template_id)
def test_template_fits_channel_limit_with_20_character_values(template: StarterTemplate) -> None:
    limit = CHANNEL_LIMITS[template["channel"]]
    rendered = STRICT_PLACEHOLDER.sub("x" * 20, template["body"])

    if limit is not None:
        assert len(rendered) <= limit, f"{len(rendered)} > {limit}"


@pytest.mark.parametrize("template", STARTER_TEMPLATES, ids=_template_id)
def test_template_avoids_clichés_and_straight_quotes_in_russian(template: StarterTemplate) -> None:
    body = template["body"].lower()

    assert [c for c in CLICHES if c in body] == []
    if template["language"] == "ru":
        assert '"' not in body, "Russian texts use «»"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_required_templates_exist_in_each_language(language: str) -> None:
    by_base = {
        _base_key(t["key"], language): t for t in STARTER_TEMPLATES if t["language"] == language
    }

    missing = set(REQUIRED_TEMPLATES) - set(by_base)
    assert missing == set()
    for base, channels in REQUIRED_TEMPLATES.items():
        assert by_base[base]["channel"] in channels, base


def test_every_template_has_its_counterpart_in_the_other_language() -> None:
    bases = {
        language: {
            _base_key(t["key"], language): t for t in STARTER_TEMPLATES if t["language"] == language
        }
        for language in LANGUAGES
    }

    assert set(bases["ru"]) == set(bases["en"])
    for base, ru in bases["ru"].items():
        en = bases["en"][base]
        assert (ru["channel"], ru["tone"], sorted(ru["variables"])) == (
            en["channel"],
            en["tone"],
            sorted(en["variables"]),
        ), base


def test_crisis_types_are_unique_labelled_and_cover_the_required_ones() -> None:
    assert len(CRISIS_CODES) == len(set(CRISIS_CODES))
    assert set(CRISIS_CODES) >= REQUIRED_CRISIS_TYPES
    for code, english, russian in CRISIS_TYPES:
        assert re.fullmatch(r"[a-z_]+", code)
        assert english.strip()
        assert re.search(r"[а-яё]", russian.lower()), code


def test_every_crisis_type_has_a_playbook_in_both_languages() -> None:
    present = {(p["crisis_type"], p["language"]) for p in STARTER_PLAYBOOKS}

    assert {(code, lang) for code in CRISIS_CODES for lang in LANGUAGES} <= present


def test_playbook_keys_are_unique() -> None:
    duplicates = [key for key, n in Counter(p["key"] for p in STARTER_PLAYBOOKS).items() if n > 1]

    assert duplicates == []


@pytest.mark.parametrize("playbook", STARTER_PLAYBOOKS, ids=_playbook_id)
def test_playbook_enums_are_valid(playbook: StarterPlaybook) -> None:
    assert playbook["crisis_type"] in CRISIS_CODES
    assert playbook["language"] in LANGUAGES
    assert playbook["key"].endswith(f"_{playbook['language']}")
    assert playbook["suggested_severity"] in SEVERITIES
    assert playbook["name"].strip()
    assert playbook["description"].strip()
    for step in playbook["steps"]:
        assert step["owner_role"] in OWNER_ROLES, step["title"]


@pytest.mark.parametrize("playbook", STARTER_PLAYBOOKS, ids=_playbook_id)
def test_playbook_steps_are_actionable_and_in_time_order(playbook: StarterPlaybook) -> None:
    steps = playbook["steps"]
    offsets = [step["due_offset_minutes"] for step in steps]

    assert 6 <= len(steps) <= 10
    assert all(isinstance(o, int) and o > 0 for o in offsets)
    assert offsets == sorted(offsets), "steps are listed in the order they fall due"
    assert len({step["title"] for step in steps}) == len(steps)
    for step in steps:
        sentences = len(SENTENCE_END.findall(step["guidance"]))
        assert 2 <= sentences <= 4, f"{step['title']}: {sentences} sentences"


@pytest.mark.parametrize("playbook", STARTER_PLAYBOOKS, ids=_playbook_id)
def test_playbook_template_keys_exist_in_the_same_language(playbook: StarterPlaybook) -> None:
    for step in playbook["steps"]:
        key = step["template_key"]
        if key is None:
            continue
        assert key in TEMPLATES_BY_KEY, key
        assert TEMPLATES_BY_KEY[key]["language"] == playbook["language"], key


def test_every_starter_template_is_used_by_some_playbook() -> None:
    used = {s["template_key"] for p in STARTER_PLAYBOOKS for s in p["steps"]}

    assert set(TEMPLATES_BY_KEY) - used == set()


@pytest.mark.parametrize("playbook", STARTER_PLAYBOOKS, ids=_playbook_id)
def test_playbook_keywords_are_lower_case_and_distinct(playbook: StarterPlaybook) -> None:
    keywords = playbook["keywords"]

    assert 8 <= len(keywords) <= 20
    assert len(set(keywords)) == len(keywords)
    assert all(k == k.lower().strip() and k for k in keywords)
    if playbook["language"] == "ru":
        assert all(re.search(r"[а-я]", k) or k.isdigit() or "фз" in k for k in keywords)


# What people actually post in each kind of crisis; the playbook of that type
# must get the most keyword hits among the playbooks of the same language.
SAMPLE_MENTIONS: list[tuple[str, str, str]] = [
    ("ru", "general", "Что происходит? Все обсуждают этот скандал, а бренд молчит — позор"),
    (
        "ru",
        "ad_backlash",
        "После оскорбительного высказывания звезды из их рекламного ролика объявляю бойкот",
    ),
    (
        "ru",
        "product_quality",
        "Чайник сломался через неделю, на корпусе трещина. Брак всей партии, качество ужасное",
    ),
    (
        "ru",
        "service_complaints",
        "Поддержка не отвечает, оператор грубит, курьер опоздал на сутки. Это третья жалоба",
    ),
    (
        "ru",
        "data_leak",
        "У них утечка: мои данные слили, паспорт и телефон, теперь звонят мошенники",
    ),
    (
        "ru",
        "employee_post",
        "Их сотрудник выложил в сторис расистский пост, вот скриншот. Требуем уволить",
    ),
    (
        "ru",
        "outage",
        "Приложение с утра не работает, не могу войти, оплата не проходит. Опять сбой?",
    ),
    (
        "en",
        "general",
        "What is going on? Everyone is talking about this scandal and they stay silent",
    ),
    (
        "en",
        "ad_backlash",
        "After that celebrity's offensive rant, I'm joining the boycott of their new ad campaign",
    ),
    (
        "en",
        "product_quality",
        "The kettle broke after a week and the lid cracked. Faulty batch, terrible quality",
    ),
    (
        "en",
        "service_complaints",
        "On hold for an hour, support is rude, the courier never came. Still no reply to my complaint",
    ),
    (
        "en",
        "data_leak",
        "Their data leak exposed my passport and password, and now I'm getting phishing texts",
    ),
    (
        "en",
        "employee_post",
        "One of their employees posted racist stuff on TikTok, screenshot below. Is he fired yet?",
    ),
    (
        "en",
        "outage",
        "The app is down again, cannot log in, payment failed twice. Is this an outage?",
    ),
]


def _score(playbook: StarterPlaybook, text: str) -> int:
    lowered = text.lower()
    return sum(1 for keyword in playbook["keywords"] if keyword in lowered)


@pytest.mark.parametrize(("language", "crisis_type", "text"), SAMPLE_MENTIONS)
def test_keywords_rank_the_matching_playbook_first(
    language: str, crisis_type: str, text: str
) -> None:
    scores = {
        p["crisis_type"]: _score(p, text) for p in STARTER_PLAYBOOKS if p["language"] == language
    }
    best = max(scores.values())

    assert scores[crisis_type] == best > 0, scores
    assert [code for code, score in scores.items() if score == best] == [crisis_type], scores


def test_sample_mentions_cover_every_crisis_type_in_both_languages() -> None:
    covered = {(language, crisis_type) for language, crisis_type, _ in SAMPLE_MENTIONS}

    assert covered == {(lang, code) for lang in LANGUAGES for code in CRISIS_CODES}

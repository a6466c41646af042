"""Demo monitoring: rules for the demo brands and a quiet 7-day baseline of mentions, so that
`manage.py demo_spike` shows a spike opening an incident by itself."""

import random
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.contrib.auth.models import User

from incidents.monitoring.models import Mention, MonitoringRule, Source, SourceState
from incidents.monitoring.services import mention_ingest, monitoring_rule_create
from incidents.monitoring.services.sources import source_create
from tenants.models import Brand, Membership, Organisation

BASELINE_PREFIX = "baseline-"
BASELINE_DAYS = 7
BASELINE_EVERY_MINUTES = 45

DEMO_RULES: dict[str, list[dict[str, Any]]] = {
    "severny-kofe": [
        {
            "name": "Отравление",
            "keywords": ["отравление", "отравил", "отравлен"],
            "severity": "sev1",
        },
        {
            "name": "Всплеск негатива",
            "window_minutes": 15,
            "min_negative": 10,
            "multiplier": 3,
            "severity": "sev2",
        },
    ],
    "aurora-bank": [
        {"name": "Legal threats", "keywords": ["lawsuit*", "class action", "fraud"]},
        {
            "name": "Negative spike",
            "window_minutes": 15,
            "min_negative": 10,
            "multiplier": 3,
            "severity": "sev2",
        },
    ],
    "volna-telecom": [
        {
            "name": "Всплеск жалоб",
            "window_minutes": 30,
            "min_negative": 15,
            "multiplier": 3,
            "severity": "sev3",
        },
    ],
}

_POSTS = {
    "ru": {
        "positive": [
            "Отличный сервис, спасибо команде!",
            "Очень нравится, всем рекомендую",
            "Быстро и вежливо, молодцы",
            "Прекрасное качество, буду брать ещё",
        ],
        "neutral": [
            "Кто-нибудь знает, до скольки они работают?",
            "Открыли новую точку на Садовой",
            "Сегодня обновили меню",
            "Сравниваю тарифы, пока думаю",
        ],
        "negative": [
            "Долго ждал заказ, неприятно",
            "Не нравится новый вкус, верните старый",
            "Опять очередь и грубый персонал",
        ],
    },
    "en": {
        "positive": [
            "Great service, thanks a lot!",
            "Love the new app update, so smooth",
            "Friendly staff and quick help, well done",
        ],
        "neutral": [
            "Does anyone know their opening hours?",
            "They announced a new branch downtown",
            "Comparing plans before I switch",
        ],
        "negative": [
            "Support kept me waiting for an hour, annoying",
            "The new fees are terrible",
            "Really disappointed with the delays",
        ],
    },
}
_PLATFORMS = ["vk", "telegram", "x", "reviews", "news", "instagram"]


def baseline_items(*, brand: Brand, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """One mention about every 45 minutes over the past week, about 1 in 8 negative, none in
    the last hour (the live window stays quiet until a spike is replayed)."""
    items = []
    start = now - timedelta(days=BASELINE_DAYS)
    count = BASELINE_DAYS * 24 * 60 // BASELINE_EVERY_MINUTES - 2
    languages = brand.languages or ["ru"]
    for i in range(count):
        language = languages[i % len(languages)]
        roll = rng.random()
        tone = "negative" if roll < 0.12 else "positive" if roll < 0.45 else "neutral"
        posted_at = start + timedelta(
            minutes=i * BASELINE_EVERY_MINUTES + rng.randint(0, BASELINE_EVERY_MINUTES - 5)
        )
        items.append(
            {
                "platform": _PLATFORMS[i % len(_PLATFORMS)],
                "external_id": f"{BASELINE_PREFIX}{brand.slug}-{i}",
                "author": f"user{rng.randint(100, 9999)}",
                "text": rng.choice(_POSTS.get(language, _POSTS["ru"])[tone]),
                "language": language,
                "posted_at": posted_at.isoformat(),
                "reach": rng.randint(10, 5000),
            }
        )
    return items


def seed(*, organisation: Organisation, users: dict[str, User], now: datetime) -> None:
    """Rules for the demo brands and their baseline of mentions; a second run adds nothing."""
    rng = random.Random(20240601)  # noqa: S311 (demo content, not security)
    manager = Membership.objects.get(organisation=organisation, user=users["demo-manager"])
    for slug, rules in DEMO_RULES.items():
        brand = Brand.objects.filter(organisation=organisation, slug=slug).first()
        if brand is None:
            continue
        existing = set(
            MonitoringRule.objects.filter(organisation=organisation, brand=brand).values_list(
                "name", flat=True
            )
        )
        for rule in rules:
            if rule["name"] not in existing:
                monitoring_rule_create(brand=brand, by=manager, **rule)
        if not Source.objects.filter(organisation=organisation, brand=brand).exists():
            # A news search feed, paused: the demo reaches the internet only when resumed.
            source = source_create(
                brand=brand,
                kind="rss",
                name="Google News",
                config={"url": "https://news.google.com/rss/search?q=" + quote(brand.name)},
                interval_seconds=900,
            )
            Source.objects.filter(pk=source.pk).update(state=SourceState.PAUSED)
        if not Mention.objects.filter(
            organisation=organisation, brand=brand, external_id__startswith=BASELINE_PREFIX
        ).exists():
            mention_ingest(
                brand=brand, items=baseline_items(brand=brand, now=now, rng=rng), now=now
            )

"""Replay a burst of negative mentions so that monitoring opens an incident by itself."""

import random
import uuid
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from incidents.models import Incident
from incidents.monitoring.selectors import brand_by_slugs
from incidents.monitoring.services import mention_ingest

SPIKE_POSTS = [
    "Отравился после вашего кофе, всю ночь плохо. Ужас!",
    "После дегустации отравление у троих друзей, кошмар",
    "Ужасный кофе, у меня отравление, больше никогда не приду",
    "Это отвратительно, персонал грубый, кофе прокисший",
    "Кто ещё отравился вчера в кофейне на Невском?",
    "Никогда больше! Плохо, тошнит, кофе испорченный",
    "Позор, продают просроченное молоко. Отвратительно",
    "Мне стало плохо после латте, ужасный сервис",
    "Жалоба: отравили ребёнка, требую ответа",
    "Не рекомендую, грязно и отвратительно",
]


class Command(BaseCommand):
    help = "Post a burst of negative mentions for a brand through ingest and show the incident."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", default="demo")
        parser.add_argument("--brand", default="severny-kofe")
        parser.add_argument("--count", type=int, default=40)

    def handle(self, *args: Any, **options: Any) -> None:
        brand = brand_by_slugs(org_slug=options["org"], brand_slug=options["brand"])
        if brand is None:
            raise CommandError(
                f"No brand {options['brand']!r} in {options['org']!r}; run `manage.py seed_demo`."
            )
        rng = random.Random()  # noqa: S311 (demo content)
        now = timezone.now()
        run = uuid.uuid4().hex[:8]
        items = [
            {
                "platform": rng.choice(["vk", "telegram", "reviews", "x"]),
                "external_id": f"spike-{run}-{i}",
                "author": f"guest{rng.randint(100, 9999)}",
                "text": SPIKE_POSTS[i % len(SPIKE_POSTS)],
                "language": "ru",
                "posted_at": (now - timedelta(seconds=rng.randint(0, 600))).isoformat(),
                "reach": rng.randint(50, 20000),
            }
            for i in range(max(1, options["count"]))
        ]
        result = mention_ingest(brand=brand, items=items, now=now)
        self.stdout.write(
            f"{len(items)} mentions of {brand.name} ingested: {result.created} new, "
            f"{result.updated} updated, {len(result.rejected)} rejected."
        )
        for incident in Incident.objects.filter(pk__in=result.incidents_opened).order_by("id"):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Incident #{incident.id} opened by monitoring: {incident.title} "
                    f"[{incident.severity}, {incident.status}]"
                )
            )
        for incident in Incident.objects.filter(pk__in=result.incidents_linked).order_by("id"):
            self.stdout.write(f"Mentions linked to open incident #{incident.id}: {incident.title}")
        if not result.incidents_opened and not result.incidents_linked:
            self.stdout.write("No incident: no rule of this brand was triggered.")

"""Generated tenants, incidents and mentions, written with bulk_create (minutes, not hours).

Rows are written directly rather than through the services: the services are what the
scenarios measure, and opening 100,000 incidents one by one would take most of the run.
Everything is seeded, so two runs generate the same data.
"""

import random
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from knox.models import get_digest_token
from knox.settings import CONSTANTS

from incidents.models import Incident, Status
from incidents.monitoring.models import Mention, MonitoringRule
from incidents.monitoring.sentiment import analyse
from incidents.monitoring.services import monitoring_rule_create
from tenants.models import ApiToken, Brand, Membership, Organisation, Role, Severity, Team
from tenants.tokens import api_token_issue

User = get_user_model()
# One hash for every generated user: PBKDF2 per user would take minutes; nobody logs in.
_PASSWORD = make_password(None)


@dataclass
class Tenant:
    organisation: Organisation
    brands: list[Brand]
    teams: list[Team]
    memberships: list[Membership] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    incident_ids: list[int] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.organisation.slug


def _users(prefix: str, count: int) -> list[Any]:
    users = [
        User(username=f"{prefix}-{i:05d}", email=f"{prefix}-{i}@bench.invalid", password=_PASSWORD)
        for i in range(count)
    ]
    return User.objects.bulk_create(users, batch_size=2000)


def tenant_create(
    *,
    slug: str,
    brands: int = 5,
    teams: int = 4,
    members: int = 2,
    role: str = Role.MANAGER,
    tokens: bool = False,
    team_members: bool = False,
) -> Tenant:
    """An organisation with brands, teams and `members` users of one role.

    `team_members` puts every member in the first team; `tokens` gives each an API token.
    """
    organisation = Organisation.objects.create(name=slug.replace("-", " ").title(), slug=slug)
    brand_rows = Brand.objects.bulk_create(
        [
            Brand(organisation=organisation, name=f"{slug} brand {i}", slug=f"brand-{i}")
            for i in range(brands)
        ]
    )
    team_rows = Team.objects.bulk_create(
        [Team(organisation=organisation, name=f"Team {i}") for i in range(teams)]
    )
    users = _users(slug, members)
    memberships = Membership.objects.bulk_create(
        [Membership(user=u, organisation=organisation, role=role) for u in users], batch_size=2000
    )
    tenant = Tenant(organisation, brand_rows, team_rows, memberships)
    if team_members and team_rows:
        through = Team.members.through
        through.objects.bulk_create(
            [through(team_id=team_rows[0].id, membership_id=m.id) for m in memberships],
            batch_size=2000,
        )
    if tokens:
        issued = [(u, *get_digest_token()) for u in users]
        ApiToken.objects.bulk_create(
            [
                ApiToken(
                    user=u,
                    digest=digest,
                    token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH],
                    expiry=timezone.now() + timedelta(days=1),
                )
                for u, digest, token in issued
            ],
            batch_size=2000,
        )
        tenant.tokens = [token for _, _, token in issued]
    return tenant


def token_for(user: Any) -> str:
    return api_token_issue(user=user)[1]


def sessions_create(users: Sequence[Any]) -> list[str]:
    """A logged-in session per user (the cookie a browser would send on the WebSocket)."""
    store = SessionStore()
    expire = timezone.now() + timedelta(days=1)
    rows = []
    for user in users:
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        rows.append(
            Session(
                session_key=secrets.token_hex(16),
                session_data=store.encode(data),
                expire_date=expire,
            )
        )
    Session.objects.bulk_create(rows, batch_size=2000)
    return [row.session_key for row in rows]


# --- incidents ---

_TITLES = [
    "Backlash over the {brand} ad campaign",
    "Viral complaint thread about {brand} delivery",
    "Food quality rumour spreading on Telegram ({brand})",
    "Repeated outage complaints — {brand} app",
    "Ambassador's remarks trending, {brand} tagged",
    "Негатив в отзывах о {brand}: задержки доставки",
    "Жалобы на качество продукции {brand}",
    "Вирусный пост о грубости персонала {brand}",
]
_SUMMARY = (
    "Monitoring picked up a rise in negative mentions; the team is checking the facts with "
    "the client before any public statement. Next update after the client call."
)
_CRISIS_TYPES = ["ad_backlash", "viral_negative_trend", "service_complaints", ""]
_STATUS_WEIGHTS = [
    (Status.CLOSED, 55),
    (Status.RESOLVED, 15),
    (Status.MONITORING, 5),
    (Status.RESPONDING, 6),
    (Status.ACKNOWLEDGED, 7),
    (Status.DETECTED, 12),
]
_REACHED = {
    Status.DETECTED: 0,
    Status.ACKNOWLEDGED: 1,
    Status.RESPONDING: 2,
    Status.MONITORING: 2,
    Status.RESOLVED: 3,
    Status.CLOSED: 4,
}


def _incident(tenant: Tenant, rng: random.Random, detected_at: datetime) -> Incident:
    status = rng.choices([s for s, _ in _STATUS_WEIGHTS], [w for _, w in _STATUS_WEIGHTS])[0]
    reached = _REACHED[status]
    brand = rng.choice(tenant.brands)
    moments = [detected_at]
    for _ in range(4):
        moments.append(moments[-1] + timedelta(minutes=rng.randint(3, 600)))
    is_drill = rng.random() < 0.03
    return Incident(
        organisation_id=tenant.organisation.id,
        brand_id=brand.id,
        title=rng.choice(_TITLES).format(brand=brand.name),
        summary=_SUMMARY,
        severity=rng.choices(Severity.values, [5, 20, 45, 30])[0],
        status=status,
        source="drill" if is_drill else rng.choice(["manual", "monitoring"]),
        crisis_type=rng.choice(_CRISIS_TYPES),
        is_drill=is_drill,
        commander_id=rng.choice(tenant.memberships).id
        if tenant.memberships and rng.random() < 0.5
        else None,
        detected_at=detected_at,
        acknowledged_at=moments[1] if reached >= 1 else None,
        first_response_at=moments[2] if reached >= 2 else None,
        resolved_at=moments[3] if reached >= 3 else None,
        closed_at=moments[4] if reached >= 4 else None,
    )


def incidents_create(
    counts: Sequence[tuple[Tenant, int]], *, seed: int, days: float = 365, before_days: float = 0
) -> None:
    """Incidents of several organisations over the same `days`, ending `before_days` ago,
    interleaved in time as a shared table fills in production (ids follow detected_at); each
    has 1-2 of its organisation's teams."""
    rng = random.Random(seed)  # noqa: S311 (generated data, not security)
    end = timezone.now() - timedelta(days=before_days)
    span = timedelta(days=days).total_seconds()
    order = sorted(
        ((rng.random() * span, tenant) for tenant, count in counts for _ in range(count)),
        key=lambda pair: -pair[0],
    )
    through = Incident.teams.through
    for tenant, _ in counts:
        tenant.incident_ids = []
    chunk = 5000
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        rows = [_incident(tenant, rng, end - timedelta(seconds=offset)) for offset, tenant in part]
        Incident.objects.bulk_create(rows, batch_size=chunk)
        links = []
        for row, (_, tenant) in zip(rows, part, strict=True):
            tenant.incident_ids.append(row.id)
            for team in rng.sample(tenant.teams, k=min(len(tenant.teams), rng.randint(1, 2))):
                links.append(through(incident_id=row.id, team_id=team.id))
        through.objects.bulk_create(links, batch_size=chunk)


def analyze_tables() -> None:
    """Fresh planner statistics and visibility maps, as autovacuum would leave them."""
    models = (
        Incident,
        Incident.teams.through,
        Mention,
        Membership,
        Team.members.through,
        ApiToken,
        Session,
    )
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- mentions ---

_EN = {
    "negative": [
        "Support kept me waiting for an hour and then hung up, this is terrible service",
        "The new fees are a scam, I'm cancelling and telling everyone to avoid them",
        "Really disappointed: the order arrived broken and nobody answers the chat",
        "Worst experience ever, the app crashed during payment and charged me twice",
        "Awful quality this time, the product smelled bad and made my kid sick",
    ],
    "neutral": [
        "Does anyone know their opening hours on Sunday?",
        "They announced a new branch downtown next month",
        "Comparing plans before I switch providers, any thoughts",
        "Saw their billboard on the way to work today",
    ],
    "positive": [
        "Great service, the courier was early and very friendly, thanks a lot!",
        "Love the new app update, checkout is so smooth now",
        "Excellent support, they solved my problem in five minutes",
    ],
}
_RU = {
    "negative": [
        "Ужасный сервис, ждал заказ три часа, курьер нахамил, больше не закажу",
        "Отвратительное качество, продукт испорчен, деньги не вернули, позор",
        "Опять очередь и грубый персонал, очень плохо, разочарован полностью",
        "Приложение снова упало при оплате и списало деньги дважды, кошмар",
    ],
    "neutral": [
        "Кто-нибудь знает, до скольки они работают в воскресенье?",
        "Открыли новую точку на Садовой, завтра зайду посмотреть",
        "Сравниваю тарифы, пока думаю, что выбрать",
    ],
    "positive": [
        "Отличный сервис, курьер приехал раньше и был очень вежлив, спасибо!",
        "Прекрасное качество, буду брать ещё, рекомендую всем друзьям",
        "Поддержка помогла за пять минут, очень доволен",
    ],
}
_TAILS = [
    "",
    " #{brand}",
    " — posted from the city centre store",
    " (see the photos in the thread)",
    " @{brand}_support please respond",
]
PLATFORMS = ["vk", "telegram", "x", "facebook", "instagram", "youtube", "news", "reviews"]
KEYWORD = "отравление"  # the keyword rule's word: one mention in ~500 carries it


def mention_item(
    i: int, *, prefix: str, brand_slug: str, now: datetime, rng: random.Random, hours: float
) -> dict[str, Any]:
    """One incoming mention as a monitoring tool sends it (about a quarter negative)."""
    pool = _RU if rng.random() < 0.5 else _EN
    roll = rng.random()
    tone = "negative" if roll < 0.25 else "positive" if roll < 0.5 else "neutral"
    text = rng.choice(pool[tone]) + rng.choice(_TAILS).format(brand=brand_slug)
    if rng.random() < 0.002:
        text += f" — говорят про {KEYWORD}"
    item: dict[str, Any] = {
        "platform": PLATFORMS[i % len(PLATFORMS)],
        "external_id": f"{prefix}-{i}",
        "author": f"user{rng.randint(1000, 999999)}",
        "text": text,
        "url": f"https://social.example/{brand_slug}/{prefix}/{i}",
        "posted_at": (now - timedelta(seconds=rng.random() * hours * 3600)).isoformat(),
        "reach": rng.randint(10, 50_000),
    }
    if rng.random() < 0.5:  # half say their language, half leave it to detection
        item["language"] = "ru" if pool is _RU else "en"
    return item


def mention_items(
    count: int, *, prefix: str, brand_slug: str, seed: int, hours: float = 48.0
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 (generated data, not security)
    now = timezone.now()
    for i in range(count):
        yield mention_item(i, prefix=prefix, brand_slug=brand_slug, now=now, rng=rng, hours=hours)


def negative_texts_check() -> None:
    """The generated tones must be what the analyser says, or the detection trials lie."""
    for pool in (_EN, _RU):
        for text in pool["negative"]:
            verdict = analyse(text)
            if verdict.label != "negative":
                raise RuntimeError(f"bench text not scored negative ({verdict}): {text}")


def negative_items(
    count: int, *, prefix: str, now: datetime, rng: random.Random
) -> list[dict[str, Any]]:
    """`count` negative mentions posted within the last minute (a spike in progress)."""
    texts = _EN["negative"] + _RU["negative"]
    return [
        {
            "platform": "x",
            "external_id": f"{prefix}-{i}",
            "author": f"angry{rng.randint(1000, 99999)}",
            "text": rng.choice(texts),
            "posted_at": (now - timedelta(seconds=rng.random() * 30)).isoformat(),
            "reach": rng.randint(100, 10_000),
        }
        for i in range(count)
    ]


def rule_create(brand: Brand, *, min_negative: int | None, keywords: list[str]) -> MonitoringRule:
    return monitoring_rule_create(
        brand=brand,
        by=None,
        name=f"bench rule {brand.slug}",
        keywords=keywords,
        window_minutes=15,
        min_negative=min_negative,
        multiplier=3.0,
        severity=Severity.SEV2,
    )

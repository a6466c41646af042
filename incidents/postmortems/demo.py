"""Demo post-mortems: one waiting for review, one approved (its incident closed)."""

from datetime import datetime, timedelta

from django.contrib.auth.models import User

from incidents import services
from incidents.postmortems import services as postmortems
from incidents.postmortems.models import PostMortem, PostMortemStatus
from tenants.models import Brand, Membership, Organisation

APPROVED_TITLE = "Задержки доставки после смены подрядчика"


def _write(
    postmortem: PostMortem, membership: Membership, *, summary: str, root_cause: str, lessons: str
) -> PostMortem:
    return postmortems.postmortem_update(
        postmortem=postmortem,
        by=membership,
        summary=summary,
        impact="Около 300 негативных упоминаний за сутки, пик — 60 в час.",
        root_cause=root_cause,
        went_well="Холдинг-заявление вышло в пределах SLA; ответы на самые громкие треды в течение часа.",
        went_wrong="Факты подтверждали дольше часа: не было контакта на стороне клиента.",
        lessons=lessons,
    )


# Alike incidents/demo.py:seed and itself on purpose: demo data, each post-mortem with its own
# story (texts, owners, dates) written out so the demo reads as it is shown.
def seed(*, organisation: Organisation, users: dict[str, User], now: datetime) -> None:
    """Idempotent: does nothing once the demo has an approved post-mortem."""
    if PostMortem.objects.filter(
        organisation=organisation, status=PostMortemStatus.APPROVED
    ).exists():
        return
    responder = Membership.objects.get(organisation=organisation, user=users["demo-responder"])
    manager = Membership.objects.get(organisation=organisation, user=users["demo-manager"])

    waiting = PostMortem.objects.filter(
        organisation=organisation, status=PostMortemStatus.DRAFT
    ).first()
    if waiting is not None:
        _write(
            waiting,
            responder,
            summary="Реклама с блогером вызвала волну критики после его оскорбительного высказывания.",
            root_cause="Проверка репутации амбассадоров не проводилась перед запуском кампании.",
            lessons="Проверять амбассадоров до подписания; держать готовое заявление о дистанцировании.",
        )
        postmortems.action_item_create(
            postmortem=waiting,
            title="Чек-лист проверки амбассадоров",
            owner=manager,
            due_date=(now + timedelta(days=14)).date(),
        )
        postmortems.postmortem_submit(postmortem=waiting, by=responder)

    brand = Brand.objects.get(organisation=organisation, slug="severny-kofe")
    incident = services.incident_create(
        brand=brand,
        title=APPROVED_TITLE,
        severity="sev3",
        by=manager,
        detected_at=now - timedelta(days=6),
    )
    for status in ("acknowledged", "responding", "resolved"):
        incident = services.incident_transition(incident=incident, status=status, by=responder)
    approved = PostMortem.objects.get(incident=incident)
    _write(
        approved,
        responder,
        summary="Новый курьерский подрядчик сорвал сроки в первые выходные.",
        root_cause="Запуск подрядчика без пилота и без резервного канала доставки.",
        lessons="Менять подрядчика только после пилота; предупреждать клиентов заранее.",
    )
    postmortems.action_item_create(
        postmortem=approved,
        title="Пилот для новых подрядчиков",
        owner=responder,
        due_date=(now - timedelta(days=1)).date(),
    )
    postmortems.postmortem_submit(postmortem=approved, by=responder)
    postmortems.postmortem_approve(postmortem=approved, by=manager)

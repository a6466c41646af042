"""Playbooks and their ordered steps; the starter library every organisation starts with."""

from collections.abc import Sequence
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import DomainError, Forbidden, NotFound
from playbooks.models import STEP_FIELDS, Playbook, PlaybookStep
from playbooks.starter import STARTER_PLAYBOOKS
from templates.models import ResponseTemplate
from templates.selectors import starter_template_ids
from tenants.models import Membership, Organisation, Team

PLAYBOOK_FIELDS = (
    "name",
    "crisis_type",
    "description",
    "language",
    "suggested_severity",
    "keywords",
    "active",
)
_NAME_TAKEN = gettext_lazy("A playbook with this name already exists in this language.")


class StepData(TypedDict, total=False):
    id: int
    title: str
    guidance: str
    owner_team: Team | None
    owner_role: str
    due_offset_minutes: int
    template: ResponseTemplate | None


def _check_whole_organisation(by: Membership) -> None:
    # Playbooks serve every client of the agency; a client's own staff do not rewrite them.
    if by.is_brand_limited:
        raise Forbidden(gettext_lazy("Playbooks are edited only by members who see every brand."))


def _keywords(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v.strip().lower() for v in values if v and v.strip()))


def _check_steps(organisation_id: int, steps: Sequence[StepData]) -> None:
    if not steps:
        raise DomainError(gettext_lazy("A playbook needs at least one step."), field="steps")
    for step in steps:
        relations: list[tuple[Team | ResponseTemplate | None, Promise]] = [
            (step.get("owner_team"), gettext_lazy("Owner team not found.")),
            (step.get("template"), gettext_lazy("Template not found.")),
        ]
        for related, not_found in relations:
            if related is not None and related.organisation_id != organisation_id:
                raise NotFound(not_found, field="steps")


def _step_row(
    organisation_id: int, playbook: Playbook, position: int, step: StepData
) -> PlaybookStep:
    return PlaybookStep(
        organisation_id=organisation_id,
        playbook=playbook,
        position=position,
        title=step["title"],
        guidance=step.get("guidance", ""),
        owner_team=step.get("owner_team"),
        owner_role=step.get("owner_role", ""),
        due_offset_minutes=step.get("due_offset_minutes", 0),
        template=step.get("template"),
    )


def _replace_steps(playbook: Playbook, steps: Sequence[StepData]) -> None:
    """Make the step list exactly `steps`, in that order. Items with an id update that step
    in place (tasks keep their link to it); the rest are new; steps left out are deleted."""
    existing = {s.id: s for s in playbook.steps.all()}
    given_ids = [s["id"] for s in steps if s.get("id") is not None]
    unknown = [i for i in given_ids if i not in existing]
    if unknown or len(set(given_ids)) != len(given_ids):
        raise DomainError(
            gettext_lazy("Steps must be new or steps of this playbook, each once."), field="steps"
        )
    keep, new = [], []
    for position, step in enumerate(steps, start=1):
        row = _step_row(playbook.organisation_id, playbook, position, step)
        if step.get("id") is not None:
            row.id = step["id"]
            keep.append(row)
        else:
            new.append(row)
    PlaybookStep.objects.filter(playbook=playbook).exclude(id__in=given_ids).delete()
    PlaybookStep.objects.bulk_update(keep, list(STEP_FIELDS))
    PlaybookStep.objects.bulk_create(new)


# Alike templates.services.library.template_create on purpose: a playbook is written with its
# step rows, a template with its first version; only the keyword-only signature style is shared.
def playbook_create(
    *,
    organisation: Organisation,
    by: Membership,
    name: str,
    crisis_type: str,
    language: str,
    steps: Sequence[StepData],
    description: str = "",
    suggested_severity: str = "",
    keywords: Sequence[str] = (),
    active: bool = True,
) -> Playbook:
    """Create a playbook with its steps, in the given order.

    Refuses (400) no steps or a name taken in that language, (404) a team or template of
    another organisation, (403) a brand-limited member.
    """
    _check_whole_organisation(by)
    _check_steps(organisation.id, steps)
    if Playbook.objects.filter(organisation=organisation, name=name, language=language).exists():
        raise DomainError(_NAME_TAKEN, field="name")
    try:
        with transaction.atomic():
            # Alike template_create on purpose: its own model's columns, then its steps.
            playbook = Playbook.objects.create(
                organisation=organisation,
                name=name,
                crisis_type=crisis_type,
                description=description,
                language=language,
                suggested_severity=suggested_severity,
                keywords=_keywords(keywords),
                active=active,
            )
            PlaybookStep.objects.bulk_create(
                [
                    _step_row(organisation.id, playbook, position, step)
                    for position, step in enumerate(steps, start=1)
                ]
            )
    except IntegrityError as exc:
        raise DomainError(_NAME_TAKEN, field="name") from exc
    return playbook


# Alike templates.services.library.template_update on purpose: a playbook replaces its step
# list, a template adds a version; each checks its own fields and name uniqueness.
def playbook_update(
    *,
    playbook: Playbook,
    by: Membership,
    steps: Sequence[StepData] | None = None,
    **fields: Any,
) -> Playbook:
    """Change a playbook; a step list, when given, replaces the current one in one write.

    Tasks already created from it keep their copied text. Refuses what playbook_create refuses
    and unknown fields (400).
    """
    _check_whole_organisation(by)
    unknown = set(fields) - set(PLAYBOOK_FIELDS)
    if unknown:
        raise DomainError(
            gettext_lazy("Unknown fields: %(names)s."), params={"names": ", ".join(sorted(unknown))}
        )
    if steps is not None:
        _check_steps(playbook.organisation_id, steps)
    if "keywords" in fields:
        fields["keywords"] = _keywords(fields["keywords"])
    try:
        with transaction.atomic():
            # The row lock serialises two editors of the same step list.
            locked = Playbook.objects.select_for_update().get(
                organisation_id=playbook.organisation_id, pk=playbook.pk
            )
            for name, value in fields.items():
                setattr(locked, name, value)
            if (
                Playbook.objects.filter(
                    organisation_id=locked.organisation_id,
                    name=locked.name,
                    language=locked.language,
                )
                .exclude(pk=locked.pk)
                .exists()
            ):
                raise DomainError(_NAME_TAKEN, field="name")
            locked.save()
            if steps is not None:
                _replace_steps(locked, steps)
    except IntegrityError as exc:
        raise DomainError(_NAME_TAKEN, field="name") from exc
    return locked


def playbook_delete(*, playbook: Playbook, by: Membership) -> None:
    """Delete a playbook. Tasks created from it stay on their incidents, unlinked."""
    _check_whole_organisation(by)
    playbook.delete()


def playbook_reorder(*, playbook: Playbook, by: Membership, step_ids: Sequence[int]) -> Playbook:
    """Put the steps in the given order. Refuses (400) a list that is not exactly this
    playbook's steps, each once."""
    _check_whole_organisation(by)
    with transaction.atomic():
        locked = Playbook.objects.select_for_update().get(
            organisation_id=playbook.organisation_id, pk=playbook.pk
        )
        steps = {s.id: s for s in locked.steps.all()}
        if sorted(step_ids) != sorted(steps) or len(set(step_ids)) != len(step_ids):
            raise DomainError(
                gettext_lazy("Give every step of this playbook exactly once."),
                field="steps",
                expected=sorted(steps),
            )
        for position, step_id in enumerate(step_ids, start=1):
            steps[step_id].position = position
        PlaybookStep.objects.bulk_update(list(steps.values()), ["position"])
        locked.save(update_fields=["updated_at"])
    return locked


def starter_library_install(*, organisation: Organisation) -> None:
    """Create the starter playbooks (ru + en) for a new organisation. Idempotent.

    A playbook whose name and language exist is skipped. Steps link the starter template
    they name when the organisation has it (templates install first, see
    settings.ORGANISATION_SETUP_HOOKS). A constant handful of queries: it runs inside every
    organisation's creation.
    """
    existing = set(
        Playbook.objects.filter(organisation=organisation).values_list("name", "language")
    )
    missing = [p for p in STARTER_PLAYBOOKS if (p["name"], p["language"]) not in existing]
    if not missing:
        return
    template_ids = starter_template_ids(organisation_id=organisation.id)
    # Alike starter_templates_install on purpose: each seeds its own starter table and rows.
    with transaction.atomic():
        playbooks = Playbook.objects.bulk_create(
            [
                Playbook(
                    organisation=organisation,
                    name=p["name"],
                    crisis_type=p["crisis_type"],
                    description=p["description"],
                    language=p["language"],
                    suggested_severity=p["suggested_severity"],
                    keywords=_keywords(p["keywords"]),
                )
                for p in missing
            ]
        )
        PlaybookStep.objects.bulk_create(
            [
                PlaybookStep(
                    organisation=organisation,
                    playbook=playbook,
                    position=position,
                    title=step["title"],
                    guidance=step["guidance"],
                    owner_role=step["owner_role"],
                    due_offset_minutes=step["due_offset_minutes"],
                    template_id=template_ids.get(step["template_key"] or ""),
                )
                for playbook, data in zip(playbooks, missing, strict=True)
                for position, step in enumerate(data["steps"], start=1)
            ]
        )

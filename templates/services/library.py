"""Response templates and their versions: create, edit (a new version), delete, starter library."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    english,
    lazy_join,
)
from templates.models import ResponseTemplate, TemplateVersion
from templates.rendering import body_problems
from templates.starter import STARTER_TEMPLATES
from tenants.models import Brand, Membership, Organisation

TEMPLATE_FIELDS = ("name", "channel", "language", "tone", "brand", "active")


def _check_body(body: str, variables: list[str]) -> None:
    problems = body_problems(body=body, variables=variables)
    if problems:
        raise DomainError(lazy_join(problems), errors={"body": english(problems)})


def _check_brand_scope(by: Membership, brand: Brand | None) -> None:
    # A client's own staff may keep wording for their brand, but never change what every
    # other client of the agency sends.
    if not by.is_brand_limited:
        return
    if brand is None:
        raise Forbidden(
            gettext_lazy(
                "Templates shared by every brand are edited only by members who see every brand."
            ),
            field="brand",
        )
    if not by.sees_brand(brand.id):
        raise NotFound(gettext_lazy("Brand not found."), field="brand")


def _name_taken(
    organisation_id: int, brand: Brand | None, name: str, language: str, exclude: int | None
) -> bool:
    qs = ResponseTemplate.objects.filter(
        organisation_id=organisation_id, brand=brand, name=name, language=language
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


_NAME_TAKEN = gettext_lazy("A template with this name already exists in this language.")


# Alike playbook_create and tenants.services.invitation_create on purpose: the keyword-only
# signature of a create service; a template is written with its version 1.
def template_create(
    *,
    organisation: Organisation,
    by: Membership,
    name: str,
    channel: str,
    language: str,
    tone: str,
    body: str,
    variables: list[str],
    brand: Brand | None = None,
    active: bool = True,
) -> ResponseTemplate:
    """Create a template and its version 1.

    Refuses (400) placeholders that are used but not declared or declared but not used, a
    name already taken in the language for the same brand (or for every brand), a brand of
    another organisation (404), and an every-brand template from a brand-limited member (403).
    """
    if brand is not None and brand.organisation_id != organisation.id:
        raise NotFound(gettext_lazy("Brand not found."), field="brand")
    _check_brand_scope(by, brand)
    _check_body(body, variables)
    if _name_taken(organisation.id, brand, name, language, None):
        raise DomainError(_NAME_TAKEN, field="name")
    try:
        with transaction.atomic():
            # Alike playbook_create and response_create on purpose: each creates its own model.
            template = ResponseTemplate.objects.create(
                organisation=organisation,
                brand=brand,
                name=name,
                channel=channel,
                language=language,
                tone=tone,
                active=active,
            )
            template.current_version = TemplateVersion.objects.create(
                organisation=organisation,
                template=template,
                number=1,
                body=body,
                variables=list(variables),
                created_by=by.user,
            )
            template.save(update_fields=["current_version"])
    except IntegrityError as exc:  # a concurrent create won the name
        raise DomainError(_NAME_TAKEN, field="name") from exc
    return template


# Alike playbook_update and tenants.services.brand_create on purpose: a service's keyword-only
# signature; a changed body or variable list adds a version here.
def template_update(
    *,
    template: ResponseTemplate,
    by: Membership,
    body: str | None = None,
    variables: list[str] | None = None,
    **fields: Any,
) -> ResponseTemplate:
    """Change a template. A new body or variable list adds a version (numbers never repeat);
    responses drafted earlier keep theirs.

    Refuses what template_create refuses, and unknown fields.
    """
    unknown = set(fields) - set(TEMPLATE_FIELDS)
    if unknown:
        raise DomainError(
            gettext_lazy("Unknown fields: %(names)s."), params={"names": ", ".join(sorted(unknown))}
        )
    _check_brand_scope(by, template.brand)
    if "brand" in fields:
        brand = fields["brand"]
        if brand is not None and brand.organisation_id != template.organisation_id:
            raise NotFound(gettext_lazy("Brand not found."), field="brand")
        _check_brand_scope(by, brand)
    try:
        with transaction.atomic():
            # The row lock serialises two editors, so version numbers are handed out in order.
            locked = (
                ResponseTemplate.objects.select_for_update(of=("self",))
                .select_related("current_version")
                .get(organisation_id=template.organisation_id, pk=template.pk)
            )
            for name, value in fields.items():
                setattr(locked, name, value)
            if _name_taken(
                locked.organisation_id, locked.brand, locked.name, locked.language, locked.pk
            ):
                raise DomainError(_NAME_TAKEN, field="name")
            current = locked.current_version
            assert current is not None  # set by template_create; never deleted alone
            new_body = body if body is not None else current.body
            new_variables = list(variables) if variables is not None else list(current.variables)
            if new_body != current.body or new_variables != list(current.variables):
                _check_body(new_body, new_variables)
                last = locked.versions.aggregate(n=Max("number"))["n"] or 0
                locked.current_version = TemplateVersion.objects.create(
                    organisation_id=locked.organisation_id,
                    template=locked,
                    number=last + 1,
                    body=new_body,
                    variables=new_variables,
                    created_by=by.user,
                )
            locked.save()
    except IntegrityError as exc:
        raise DomainError(_NAME_TAKEN, field="name") from exc
    return locked


def template_delete(*, template: ResponseTemplate, by: Membership) -> None:
    """Delete a template no response was drafted from; one with responses is refused (409):
    deactivate it instead, the responses keep pointing at their wording."""
    _check_brand_scope(by, template.brand)
    with transaction.atomic():
        if template.versions.filter(responses__isnull=False).exists():
            raise Conflict(
                gettext_lazy("Responses were drafted from this template; deactivate it instead.")
            )
        template.delete()


def starter_templates_install(*, organisation: Organisation) -> None:
    """Create the starter response templates (ru + en) for every brand of a new organisation.

    Idempotent: a template whose name and language already exist is skipped.
    Four queries whatever the library's size, since it runs inside every organisation's creation.
    """
    existing = set(
        ResponseTemplate.objects.filter(organisation=organisation, brand__isnull=True).values_list(
            "name", "language"
        )
    )
    missing = [t for t in STARTER_TEMPLATES if (t["name"], t["language"]) not in existing]
    if not missing:
        return
    with transaction.atomic():
        templates = ResponseTemplate.objects.bulk_create(
            [
                ResponseTemplate(
                    organisation=organisation,
                    name=t["name"],
                    channel=t["channel"],
                    language=t["language"],
                    tone=t["tone"],
                )
                for t in missing
            ]
        )
        versions = TemplateVersion.objects.bulk_create(
            [
                TemplateVersion(
                    organisation=organisation,
                    template=template,
                    number=1,
                    body=t["body"],
                    variables=list(t["variables"]),
                )
                for template, t in zip(templates, missing, strict=True)
            ]
        )
        for template, version in zip(templates, versions, strict=True):
            template.current_version = version
        ResponseTemplate.objects.filter(organisation=organisation).bulk_update(
            templates, ["current_version"]
        )

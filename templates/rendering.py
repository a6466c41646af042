"""Placeholder substitution for response templates.

Deliberately not a template engine: a body is text with `{{ name }}` holes, filled in one
pass with plain strings. Nothing in a body or a value is ever evaluated, a value that itself
looks like `{{ x }}` stays literal text, and for channels that end up in HTML the output is
escaped as a whole (the body is plain text too, so `<b>` in it is shown, not obeyed).
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.html import linebreaks
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import DomainError, english, lazy_format, lazy_join
from incidents.models import Incident
from templates.models import CHANNEL_LIMITS, HTML_CHANNELS, ResponseTemplate

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
VARIABLE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
BUILTINS = ("brand", "incident_title", "today")


class VariablesRefused(DomainError):
    """Unknown or missing variables; `errors.variables` names each of them."""

    def __init__(self, *, missing: list[str], unknown: list[str]) -> None:
        reasons = [
            lazy_format(gettext_lazy("Missing value for %(name)s."), name=name) for name in missing
        ] + [lazy_format(gettext_lazy("Unknown variable %(name)s."), name=name) for name in unknown]
        super().__init__(
            lazy_join(reasons),
            errors={"variables": english(reasons)},
            missing=missing,
            unknown=unknown,
        )


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    html: str | None
    length: int
    limit: int | None
    within_limit: bool
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        data: dict = {
            "text": self.text,
            "length": self.length,
            "limit": self.limit,
            "within_limit": self.within_limit,
            "warnings": list(self.warnings),
        }
        if self.html is not None:
            data["html"] = self.html
        return data


def placeholders(body: str) -> list[str]:
    """Names used in a body, each once, in order of first appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(body)))


def body_problems(*, body: str, variables: Iterable[str]) -> list[str | Promise]:
    """Why a template body and its declared variables do not fit together (empty: they do),
    each lazily translated (a page shows them in its language, the API in English)."""
    declared = list(variables)
    problems: list[str | Promise] = []
    for name in declared:
        if not VARIABLE_NAME.fullmatch(name):
            problems.append(
                lazy_format(
                    gettext_lazy("%(name)s is not a variable name (a-z, 0-9 and _)."),
                    name=repr(name),
                )
            )
        elif name in BUILTINS:
            problems.append(
                lazy_format(gettext_lazy("%(name)s is built in; do not declare it."), name=name)
            )
    if len(set(declared)) != len(declared):
        problems.append(gettext_lazy("A variable is declared twice."))
    used = placeholders(body)
    problems += [
        lazy_format(
            gettext_lazy("%(placeholder)s is used but not declared."),
            placeholder=f"{{{{ {name} }}}}",
        )
        for name in used
        if name not in declared and name not in BUILTINS
    ]
    problems += [
        lazy_format(gettext_lazy("%(name)s is declared but never used."), name=name)
        for name in declared
        if name not in used and name not in BUILTINS and VARIABLE_NAME.fullmatch(name)
    ]
    return problems


def today_text(language: str, today: date) -> str:
    """Today's date the way a reader of that language writes it ("5 марта 2026 г.")."""
    with translation.override(language):
        return formats.date_format(today, "DATE_FORMAT")


def measure(*, text: str, channel: str) -> tuple[int, int | None, bool, list[str]]:
    length = len(text)
    limit = CHANNEL_LIMITS[channel]
    within = limit is None or length <= limit
    warnings = [] if within else [f"The text is {length} characters; {channel} allows {limit}."]
    return length, limit, within, warnings


def html_of(text: str) -> str:
    """Paragraphs and line breaks of a plain text, every character of it escaped."""
    return linebreaks(text, autoescape=True)


def render(
    *,
    body: str,
    channel: str,
    declared: Iterable[str],
    values: Mapping[str, str],
    context: Mapping[str, str],
) -> Rendered:
    """Fill the body's placeholders.

    `context` holds the built-ins the caller knows (brand, incident title, today); a caller's
    value for a built-in is used only when the context has none (a preview without an
    incident). Refuses (400, naming each) a value for an undeclared name and any declared or
    used name left without a non-blank value.
    """
    declared = list(declared)
    known = set(declared) | set(BUILTINS)
    unknown = sorted(name for name in values if name not in known)
    filled: dict[str, str] = {
        name: str(value) for name, value in values.items() if name in known and value is not None
    }
    filled.update({name: value for name, value in context.items() if value})
    needed = list(dict.fromkeys([*declared, *placeholders(body)]))
    missing = [name for name in needed if not filled.get(name, "").strip()]
    if missing or unknown:
        raise VariablesRefused(missing=missing, unknown=unknown)
    # One pass: inserted values are never scanned again, so "{{ x }}" in a value stays text.
    text = PLACEHOLDER.sub(lambda match: filled[match.group(1)], body)
    length, limit, within, warnings = measure(text=text, channel=channel)
    html = html_of(text) if channel in HTML_CHANNELS else None
    return Rendered(text, html, length, limit, within, warnings)


def template_render(
    *,
    template: ResponseTemplate,
    values: Mapping[str, str],
    incident: Incident | None = None,
    today: date | None = None,
) -> Rendered:
    """Render a template's current version, with the built-ins of the incident when given.

    Refuses (400) a template of one brand used for an incident of another, and whatever
    `render` refuses. The length is reported, not enforced: callers decide.
    """
    if incident is not None and template.brand_id not in (None, incident.brand_id):
        raise DomainError(gettext_lazy("This template belongs to another brand."), field="template")
    brand = incident.brand if incident is not None else template.brand
    context = {
        "brand": brand.name if brand is not None else "",
        "incident_title": incident.title if incident is not None else "",
        "today": today_text(template.language, today or timezone.localdate()),
    }
    version = template.current_version
    assert version is not None  # set by template_create; a version is never deleted alone
    return render(
        body=version.body,
        channel=template.channel,
        declared=version.variables,
        values=values,
        context=context,
    )

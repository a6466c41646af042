"""Detection: keyword rules and negative-volume spikes open incidents by themselves.

Evaluated inside the ingest transaction (so the request that crosses a threshold opens the
incident) and by the periodic `spike_detection_run` (slow build-ups).

Crises are kept apart by rule: a trigger links its mentions to the open incident of the rule
that fired; a rule with none claims the brand's open manual incident that staff opened first
(the crisis they saw before monitoring did), else opens its own. Two rules firing for one
brand (a product recall and a celebrity's statement) so give two incidents, never one that
swallows the other.
"""

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import snowballstemmer
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crisisdesk.core.exceptions import DomainError
from incidents import events
from incidents.models import Incident, IncidentSource
from incidents.monitoring.models import Mention, MonitoringRule, RuleMeasure, SentimentLabel
from incidents.monitoring.selectors import (
    VolumeReading,
    active_volume_rules,
    open_incident_of_rule,
    open_manual_incident_unclaimed,
    volume_reading,
    volume_window,
)
from incidents.monitoring.services.alerts import incident_detected_notify
from incidents.services.lifecycle import event_record, incident_create
from tenants.models import Brand, Membership

# A keyword in an old mention (a historical import) flags it but opens nothing.
KEYWORD_LOOKBACK = timedelta(hours=24)
# How many mention ids a mention_linked event carries (the count is always exact).
EVENT_MENTION_IDS = 50
MAX_KEYWORDS = 50

_WORD_RE = re.compile(r"\w+")
_SHORT_STEM_ENDINGS = "(?:а|у|е|и|ы|о|ом|ой|ою|ей|ем|ям|ов|ам|ами|ями|ах|ях|ю|я)?"
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")


# --- keyword matching ---


@lru_cache(maxsize=1)
def _russian_stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("russian")


def text_normalise(text: str) -> str:
    """Lower case, ё as е, words separated by single spaces (punctuation dropped)."""
    return " ".join(_WORD_RE.findall(text.lower().replace("ё", "е")))


def keyword_normalise(keyword: str) -> str:
    """A rule keyword as it is stored and matched; a trailing * asks for a prefix match."""
    keyword = keyword.strip()
    star = keyword.endswith("*")
    normalised = text_normalise(keyword)
    return f"{normalised}*" if star and normalised else normalised


def _russian_token(token: str) -> str:
    stem = _russian_stemmer().stemWord(token)
    if len(stem) >= 4:
        return re.escape(stem) + r"\w*"
    # A short stem as a bare prefix would over-match (иск → искать, коф → кофта): allow
    # the noun endings only.
    return re.escape(stem) + _SHORT_STEM_ENDINGS + r"(?!\w)"


def _keyword_pattern(keyword: str) -> str:
    """A regex over normalised text (words joined by single spaces) for a word or phrase.

    Russian words inflect (отравление, отравления, отравлением), so a Cyrillic token is
    reduced to its Snowball stem, which matches as a prefix. Other tokens match whole words,
    so "ban" never fires on "bank"; a trailing * makes the last token a prefix ("lawsuit*").
    """
    prefix = keyword.endswith("*")
    tokens = keyword.rstrip("*").split()
    parts = []
    for i, token in enumerate(tokens):
        if prefix and i == len(tokens) - 1:
            parts.append(re.escape(token) + r"\w*")
        elif _CYRILLIC_RE.search(token):
            parts.append(_russian_token(token))
        else:
            parts.append(re.escape(token) + r"(?!\w)")
    return r"(?<!\w)" + " ".join(parts)


@dataclass(frozen=True, slots=True)
class KeywordMatcher:
    rule: MonitoringRule
    any_keyword: re.Pattern[str]
    each: tuple[tuple[str, re.Pattern[str]], ...]


@lru_cache(maxsize=2048)
def _compiled(keywords: tuple[str, ...]) -> tuple[re.Pattern[str], tuple]:
    patterns = [(k, _keyword_pattern(k)) for k in keywords if k.rstrip("*")]
    combined = re.compile("|".join(f"(?:{p})" for _, p in patterns))
    return combined, tuple((k, re.compile(p)) for k, p in patterns)


def keyword_matchers(rules: Iterable[MonitoringRule]) -> list[KeywordMatcher]:
    """Compiled matchers of the rules that have keywords (cached by keyword list)."""
    matchers = []
    for rule in rules:
        keywords = tuple(k for k in rule.keywords if isinstance(k, str) and k.rstrip("*"))
        if keywords:
            combined, each = _compiled(keywords)
            matchers.append(KeywordMatcher(rule, combined, each))
    return matchers


def keywords_in(
    matchers: Sequence[KeywordMatcher], text: str
) -> Iterator[tuple[MonitoringRule, list[str]]]:
    """(rule, keywords found) for each rule with a keyword in the text."""
    normalised = text_normalise(text)
    for matcher in matchers:
        # One combined search rejects the common case; only a hit asks which keywords.
        if matcher.any_keyword.search(normalised):
            hits = [k.rstrip("*") for k, pattern in matcher.each if pattern.search(normalised)]
            yield matcher.rule, hits


# --- rules ---

# The fields a rule's owner sets (with ``active``), in the order the API lists them.
RULE_FIELDS = (
    "name",
    "keywords",
    "window_minutes",
    "min_negative",
    "measure",
    "multiplier",
    "min_reach",
    "severity",
)


def _rule_clean(fields: dict[str, Any]) -> dict[str, Any]:
    if "keywords" in fields:
        keywords: list[str] = []
        for keyword in fields["keywords"] or []:
            normalised = keyword_normalise(keyword)
            if normalised and normalised not in keywords:
                keywords.append(normalised)
        if len(keywords) > MAX_KEYWORDS:
            raise DomainError(
                gettext_lazy("At most %(count)d keywords."),
                params={"count": MAX_KEYWORDS},
                field="keywords",
            )
        fields["keywords"] = keywords
    return fields


def _rule_check(rule: MonitoringRule) -> None:
    if not rule.keywords and rule.min_negative is None and rule.min_reach is None:
        raise DomainError(
            gettext_lazy("A rule needs keywords, a minimum negative volume or a reach threshold."),
            field="keywords",
        )


def monitoring_rule_create(*, brand: Brand, by: Membership | None, **fields: Any) -> MonitoringRule:
    """Add a rule to a brand. Keywords are stored normalised (lower case, ё as е).

    Refuses a rule that could never trigger (no keywords and no minimum negative volume).
    `by` (None for a script, e.g. bench/) is not recorded: rules keep no author.
    """
    fields = _rule_clean({k: v for k, v in fields.items() if k in (*RULE_FIELDS, "active")})
    rule = MonitoringRule(organisation_id=brand.organisation_id, brand=brand, **fields)
    _rule_check(rule)
    rule.save()
    return rule


def monitoring_rule_update(*, rule: MonitoringRule, **fields: Any) -> MonitoringRule:
    """Change a rule; the same refusals as monitoring_rule_create. Incidents it opened stay."""
    fields = _rule_clean({k: v for k, v in fields.items() if k in (*RULE_FIELDS, "active")})
    for name, value in fields.items():
        setattr(rule, name, value)
    _rule_check(rule)
    rule.save(update_fields=[*fields, "updated_at"])
    return rule


def monitoring_rule_delete(*, rule: MonitoringRule) -> None:
    """Delete a rule; incidents it opened keep their mentions and lose only the link."""
    rule.delete()


# --- triggers ---


@dataclass(slots=True)
class IngestedMention:
    """One mention of a batch being ingested, before and after its upsert (pk, created)."""

    platform: str
    external_id: str
    author: str
    text: str
    url: str
    language: str
    posted_at: datetime
    reach: int
    sentiment_score: float
    sentiment_label: str
    sentiment_source: str = "default"
    flagged: bool = False
    matched_keywords: list[str] = field(default_factory=list)
    pk: int | None = None
    incident_id: int | None = None
    created: bool = False


@dataclass(slots=True)
class DetectionOutcome:
    opened: list[int] = field(default_factory=list)
    linked: list[int] = field(default_factory=list)


class _Trigger:
    """Opens or links within one transaction for one brand."""

    def __init__(self, brand: Brand, now: datetime) -> None:
        self.brand = brand
        self.now = now
        self.locked = False
        self.outcome = DetectionOutcome()

    def _lock(self) -> None:
        if self.locked:
            return
        # Every trigger of a brand locks all its rule rows, in id order: two concurrent
        # ingests (or an ingest and the periodic run) cannot both see "no open incident" and
        # open two, and the fixed order means they never deadlock.
        list(
            MonitoringRule.objects.select_for_update()
            .filter(organisation_id=self.brand.organisation_id, brand_id=self.brand.id)
            .order_by("id")
            .values_list("id", flat=True)
        )
        self.locked = True

    def open_incident(self, rule: MonitoringRule) -> Incident | None:
        """The open incident the rule's mentions belong to: the rule's own. Call under the
        lock (the lookup and the write that may follow must not interleave)."""
        return open_incident_of_rule(brand=self.brand, rule=rule)

    def claim_manual(self, rule: MonitoringRule) -> Incident | None:
        """The brand's first open manual incident, now the rule's (its next triggers link
        there too), or None. Another rule's claim is never taken over: crises stay apart."""
        incident = open_manual_incident_unclaimed(brand=self.brand)
        if incident is not None:
            Incident.objects.filter(
                organisation_id=incident.organisation_id, pk=incident.pk
            ).update(monitoring_rule=rule)
            incident.monitoring_rule = rule
        return incident

    def fire(
        self,
        *,
        rule: MonitoringRule,
        reason: str,
        mentions: Q,
        title: str,
        summary: str,
        detail: dict[str, Any],
        open_new: bool = True,
    ) -> Incident | None:
        """Link the unlinked mentions selected by `mentions` to the rule's open incident;
        with none, when `open_new` (the rule crossed), to the brand's first open manual
        incident, claimed for the rule, or to a new incident opened first."""
        self._lock()
        incident = self.open_incident(rule)
        unlinked = Mention.objects.filter(
            mentions,
            organisation_id=self.brand.organisation_id,
            brand_id=self.brand.id,
            incident__isnull=True,
        )
        # Only the first ids travel in the event; the link itself is one UPDATE by the same
        # filter, so a spike of any size stays two statements.
        first_ids = list(unlinked.order_by("id").values_list("id", flat=True)[:EVENT_MENTION_IDS])
        claimed = False
        if incident is None and open_new and first_ids:
            incident = self.claim_manual(rule)
            claimed = incident is not None
        if incident is None:
            if not open_new or not first_ids:
                return None
            incident = incident_create(
                brand=self.brand,
                title=title[:300],
                severity=rule.severity,
                by=None,
                summary=summary,
                source=IncidentSource.MONITORING,
                detected_at=self.now,
            )
            Incident.objects.filter(
                organisation_id=incident.organisation_id, pk=incident.pk
            ).update(monitoring_rule=rule)
            incident.monitoring_rule = rule
            self.outcome.opened.append(incident.id)
            incident_detected_notify(incident=incident, rule=rule, reason=reason)
        elif not first_ids:
            return incident
        elif incident.id not in self.outcome.opened and incident.id not in self.outcome.linked:
            self.outcome.linked.append(incident.id)
        count = unlinked.update(incident=incident)
        # Alike services/lifecycle.py:incident_create's event on purpose: another kind, payload.
        event_record(
            incident=incident,
            kind=events.MENTION_LINKED,
            actor=None,
            payload={
                "count": count,
                "mentions": first_ids,
                "rule": {"id": rule.id, "name": rule.name},
                "reason": reason,
                **({"claimed": True} if claimed else {}),
                **detail,
            },
        )
        return incident


# The title and summary of an incident monitoring opens are written in the brand's language
# (Brand.language: what its team and its client read), whoever's request or task ran the
# detection; numbers grouped as that language groups them.


def _number(value: float, decimals: int | None = None) -> str:
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _keyword_texts(brand: Brand, rule: MonitoringRule, found: list[str]) -> tuple[str, str]:
    with translation.override(brand.language):
        title = _("%(brand)s: “%(keyword)s” in mentions") % {
            "brand": brand.name,
            "keyword": found[0],
        }
        summary = ngettext(
            "Opened by monitoring rule “%(rule)s”: keyword %(keywords)s.",
            "Opened by monitoring rule “%(rule)s”: keywords %(keywords)s.",
            len(found),
        ) % {"rule": rule.name, "keywords": ", ".join(found)}
    return title, summary


def _reach_texts(brand: Brand, rule: MonitoringRule, top: IngestedMention) -> tuple[str, str]:
    assert rule.min_reach is not None
    with translation.override(brand.language):
        title = _("%(brand)s: negative post by %(author)s (reach %(reach)s)") % {
            "brand": brand.name,
            "author": top.author or top.platform,
            "reach": _number(top.reach),
        }
        summary = _(
            "Opened by monitoring rule “%(rule)s”: a negative mention with reach %(reach)s "
            "(threshold %(threshold)s)."
        ) % {"rule": rule.name, "reach": _number(top.reach), "threshold": _number(rule.min_reach)}
    return title, summary


def _volume_texts(brand: Brand, rule: MonitoringRule, reading: VolumeReading) -> tuple[str, str]:
    count = reading.window_negative
    reach = rule.measure == RuleMeasure.REACH
    assert rule.min_negative is not None  # only volume rules (watches_volume) get here
    with translation.override(brand.language):
        values = {
            "brand": brand.name,
            "rule": rule.name,
            "count": _number(count),
            "minutes": rule.window_minutes,
            "threshold": _number(rule.min_negative),
            "baseline": _number(reading.baseline, 0 if reach else 2),
            "multiplier": f"{rule.multiplier:g}",
        }
        # Alike the mentions wording below on purpose: translators need each whole sentence,
        # singular and plural, so the two messages cannot be assembled from shared pieces.
        if reach:
            title = _("%(brand)s: spike of negative reach (%(count)s in %(minutes)s min)")
            summary = ngettext(
                "Opened by monitoring rule “%(rule)s”: negative mentions reaching %(count)s "
                "person in %(minutes)s min (threshold %(threshold)s, baseline %(baseline)s per "
                "window, multiplier %(multiplier)s).",
                "Opened by monitoring rule “%(rule)s”: negative mentions reaching %(count)s "
                "people in %(minutes)s min (threshold %(threshold)s, baseline %(baseline)s per "
                "window, multiplier %(multiplier)s).",
                count,
            )
        else:
            title = _("%(brand)s: spike of negative mentions (%(count)s in %(minutes)s min)")
            summary = ngettext(
                "Opened by monitoring rule “%(rule)s”: %(count)s negative mention in "
                "%(minutes)s min (threshold %(threshold)s, baseline %(baseline)s per window, "
                "multiplier %(multiplier)s).",
                "Opened by monitoring rule “%(rule)s”: %(count)s negative mentions in "
                "%(minutes)s min (threshold %(threshold)s, baseline %(baseline)s per window, "
                "multiplier %(multiplier)s).",
                count,
            )
    return title % values, summary % values


def _negative_in_window(start: datetime, end: datetime) -> Q:
    return Q(sentiment_label=SentimentLabel.NEGATIVE, posted_at__gte=start, posted_at__lt=end)


def batch_detect(
    *,
    brand: Brand,
    rules: Sequence[MonitoringRule],
    keyword_hits: dict[int, list[tuple[IngestedMention, list[str]]]],
    new_mentions: Sequence[IngestedMention],
    now: datetime,
) -> DetectionOutcome:
    """Evaluate a just-stored batch of one brand. Must run inside the ingest transaction.

    Keyword rules first (fresh, unlinked mentions with a keyword), then volume rules (only if
    the batch added negative mentions to their window): a crossing opens an incident with the
    window's unlinked negative mentions; with an incident open, they are linked to it.
    """
    trigger = _Trigger(brand, now)
    fresh_after = now - KEYWORD_LOOKBACK
    for rule in rules:
        hits = keyword_hits.get(rule.id)
        if not hits:
            continue
        fresh = [
            (m, keywords)
            for m, keywords in hits
            if m.incident_id is None and m.posted_at >= fresh_after
        ]
        if not fresh:
            continue
        found = sorted({k for _, keywords in fresh for k in keywords})
        title, summary = _keyword_texts(brand, rule, found)
        trigger.fire(
            rule=rule,
            reason="keyword",
            mentions=Q(id__in=[m.pk for m, _ in fresh]),
            title=title,
            summary=summary,
            detail={"keywords": found},
        )
    for rule in rules:
        if rule.min_reach is None:
            continue
        loud = [
            m
            for m in new_mentions
            if m.sentiment_label == SentimentLabel.NEGATIVE
            and m.reach >= rule.min_reach
            and m.incident_id is None
            and m.posted_at >= fresh_after
        ]
        if not loud:
            continue
        top = max(loud, key=lambda m: m.reach)
        title, summary = _reach_texts(brand, rule, top)
        trigger.fire(
            rule=rule,
            reason="reach",
            mentions=Q(id__in=[m.pk for m in loud]),
            title=title,
            summary=summary,
            detail={"reach": top.reach, "min_reach": rule.min_reach},
        )
    negative_times = [
        m.posted_at for m in new_mentions if m.sentiment_label == SentimentLabel.NEGATIVE
    ]
    if not negative_times:
        return trigger.outcome
    for rule in rules:
        if not rule.watches_volume:
            continue
        start, end = volume_window(window_minutes=rule.window_minutes, now=now)
        if not any(start <= moment < end for moment in negative_times):
            continue
        reading = volume_reading(rule=rule, now=now)
        _volume_fire(trigger, rule, reading)
    return trigger.outcome


def _volume_fire(trigger: _Trigger, rule: MonitoringRule, reading: VolumeReading) -> None:
    crossed = reading.crosses(rule)
    if not crossed and trigger.open_incident(rule) is None:
        return
    title, summary = _volume_texts(trigger.brand, rule, reading)
    trigger.fire(
        rule=rule,
        reason="volume",
        mentions=_negative_in_window(reading.window_start, reading.window_end),
        title=title,
        summary=summary,
        detail=reading.as_dict(),
        open_new=crossed,
    )


def volume_rules_evaluate(*, now: datetime | None = None) -> DetectionOutcome:
    """The periodic pass over every active volume rule: catches build-ups that no single
    ingest crossed (and windows that filled while ingest was down). Safe to run concurrently
    with ingest and with itself: triggers lock the brand's rules."""
    now = now or timezone.now()
    total = DetectionOutcome()
    for rule in active_volume_rules():
        reading = volume_reading(rule=rule, now=now)
        if reading.window_negative == 0:
            continue
        with transaction.atomic():
            trigger = _Trigger(rule.brand, now)
            _volume_fire(trigger, rule, reading)
        total.opened += trigger.outcome.opened
        total.linked += trigger.outcome.linked
    return total

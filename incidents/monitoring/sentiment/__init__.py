"""Sentiment of short social-media texts in Russian and English.

`analyse` is the one entry point the product calls; the analysers behind it (a rule-based
Russian scorer and VADER for English) can be swapped for a better model without touching the
callers. Pure Python: no Django or database import, so it runs anywhere, e.g. in ingest workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from incidents.monitoring.sentiment import english, russian

__all__ = ["LABELS", "LANGUAGES", "SentimentResult", "analyse", "detect_language"]

LABELS: Final = ("negative", "neutral", "positive")
LANGUAGES: Final = ("ru", "en", "other")

_LATIN_RUN_RE: Final = re.compile(r"[A-Za-z]+")
# In UTF-8 every Cyrillic letter (U+0400..U+04FF) starts with one of these lead bytes, and
# lead bytes never occur inside another character, so counting bytes counts letters ~5x
# faster than a regex over the text.
_CYRILLIC_LEAD_BYTES: Final = (b"\xd0", b"\xd1", b"\xd2", b"\xd3")


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """The verdict on one text."""

    score: float  # in [-1, 1]
    label: str  # "negative" | "neutral" | "positive"
    language: str  # "ru" | "en" | "other"


def detect_language(text: str) -> str:
    """Return "ru" when Cyrillic letters outnumber Latin ones, "en" when Latin ones do.

    Anything else (no letters, a tie, another script) is "other". This is a script count, not
    language identification: Ukrainian counts as "ru" and French as "en", which is what the two
    analysers can handle best anyway. Refuses (TypeError) anything that is not a str.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    encoded = text.encode("utf-8", "surrogatepass")
    cyrillic = sum(encoded.count(lead) for lead in _CYRILLIC_LEAD_BYTES)
    latin = sum(map(len, _LATIN_RUN_RE.findall(text)))
    if cyrillic > latin:
        return "ru"
    if latin > cyrillic:
        return "en"
    return "other"


def analyse(text: str, language: str | None = None) -> SentimentResult:
    """Score the sentiment of one short text (a post, comment or review).

    ``language`` ("ru", "en" or "other") skips detection when the caller already knows it;
    "other" is scored with the English analyser. Empty text is neutral with score 0.0.
    Refuses a non-str text (TypeError) and an unknown language code (ValueError).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    if language is None:
        language = detect_language(text)
    elif language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES} or None, not {language!r}")
    analyser = russian if language == "ru" else english
    score = max(-1.0, min(1.0, analyser.polarity(text)))
    return SentimentResult(score=score, label=analyser.label_for(score), language=language)

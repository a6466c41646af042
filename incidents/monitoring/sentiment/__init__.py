"""Sentiment of short social-media texts in Russian and English.

`analyse` is the one entry point the product calls. Behind it: language detection that ignores
links and @handles, a rule-based Russian scorer (lexicons with pymorphy3 lemmas), VADER with
brand-complaint additions for English, and, for both, emoticons scored apart from the words,
implicit-complaint cues ("уже два дня без интернета", "2 hours on the tarmac") and advert
damping. The result carries the sub-scores too, as features for a model trained later. Pure
Python: no Django or database import, so it runs anywhere, e.g. in ingest workers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

from incidents.monitoring.sentiment import english, russian
from incidents.monitoring.sentiment.text import (
    advert_strength,
    emoticon_raw,
    shouting,
    strip_noise,
    support_reply,
)

__all__ = ["LABELS", "LANGUAGES", "THRESHOLDS", "SentimentResult", "analyse", "detect_language"]

LABELS: Final = ("negative", "neutral", "positive")
LANGUAGES: Final = ("ru", "en", "other")

# (negative cut-off, positive cut-off) on the final score. Chosen on the tuning halves of the
# development sets for negative recall: a missed complaint costs more than a false alarm,
# because spike detection counts negatives.
THRESHOLDS: Final[dict[str, tuple[float, float]]] = {
    "ru": (-0.1, 0.25),
    "en": (-0.05, 0.3),
}

# VADER's normalisation: x / sqrt(x² + alpha) maps a raw valence sum into (-1, 1).
_ALPHA: Final = 15.0
# A weak positive emoticon on text without sentiment words is mostly politeness ("ок)", "ждём
# вас 🙂"): it counts this much. A strong one ("👍", "❤️", ")))") keeps its weight, and so does
# a negative one: "((" is a complaint.
_LONE_SMILE_WEIGHT: Final = 0.4
_WEAK_SMILE: Final = 1.5
_WEAK_WORDS: Final = 1.0  # "ок", "ладно": words this weak leave a text "otherwise neutral"
# Praise in a text that also complains ("спасибо, жду уже третий час", "great, another
# delay") is politeness or sarcasm: it keeps this share.
_PRAISE_BESIDE_COMPLAINT: Final = 0.3
# An advert's praise ("лучшие цены", "amazing deals") keeps this share.
_ADVERT_PRAISE: Final = 0.3
_SHOUT_BOOST: Final = 1.25
# A support desk's reply keeps this share of its negative words and complaint cues.
_SUPPORT_REPLY_SHARE: Final = 0.1

_LATIN_RE: Final = re.compile(r"[A-Za-z]+")
_CYRILLIC_LEAD_BYTES: Final = (b"\xd0", b"\xd1", b"\xd2", b"\xd3")
# The Russian analyser reads a post with Latin brand names in it well (they score nothing);
# the English one cannot read Russian words at all, so a mixed post leans Russian.
_CYRILLIC_WEIGHT: Final = 3
_LINK_RE: Final = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """The verdict on one text, with the sub-scores it was made of (each in [-1, 1])."""

    score: float  # in [-1, 1]
    label: str  # "negative" | "neutral" | "positive"
    language: str  # "ru" | "en" | "other"
    lexical: float = 0.0  # the words alone (negation and intensifiers applied)
    emoticon: float = 0.0  # emoticons and emoji alone
    complaint: float = 0.0  # implicit complaint cues alone (never positive)
    advert: float = 0.0  # how much the text reads as an advert, in [0, 1]


def detect_language(text: str) -> str:
    """Return "ru" or "en" by the letters of the text once links and @handles are removed.

    Cyrillic letters count three times, so a Russian post naming a Latin brand ("у Beeline опять
    нет сети") stays Russian; no letters at all is "other", as is another script. This is a
    script count, not language identification: Ukrainian counts as "ru" and French as "en",
    which is what the two analysers handle best anyway. Refuses (TypeError) a non-str.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    return _detect(strip_noise(text))


def _detect(clean: str) -> str:
    if clean.isascii():
        return "en" if _LATIN_RE.search(clean) else "other"
    # In UTF-8 every Cyrillic letter (U+0400..U+04FF) starts with one of four lead bytes that
    # never occur inside another character: counting bytes is ~5x faster than a regex.
    encoded = clean.encode("utf-8", "surrogatepass")
    cyrillic = sum(encoded.count(lead) for lead in _CYRILLIC_LEAD_BYTES)
    latin = sum(map(len, _LATIN_RE.findall(clean)))
    if cyrillic and cyrillic * _CYRILLIC_WEIGHT >= latin:
        return "ru"
    if latin:
        return "en"
    return "other"


def _squash(raw: float) -> float:
    return raw / math.sqrt(raw * raw + _ALPHA) if raw else 0.0


def _label(score: float, language: str) -> str:
    negative, positive = THRESHOLDS["ru" if language == "ru" else "en"]
    if score <= negative:
        return "negative"
    if score >= positive:
        return "positive"
    return "neutral"


def analyse(text: str, language: str | None = None) -> SentimentResult:
    """Score the sentiment of one short text (a post, comment or review).

    ``language`` ("ru", "en" or "other") skips detection when the caller already knows it;
    "other" is scored with the English analyser. Empty text is neutral with score 0.0.
    Refuses a non-str text (TypeError) and an unknown language code (ValueError).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES} or None, not {language!r}")
    clean = strip_noise(text)
    if language is None:
        language = _detect(clean)
    if not clean.strip():
        return SentimentResult(score=0.0, label="neutral", language=language)
    if language == "ru":
        lexical, _hits = russian.lexical_raw(russian.tokenise(clean))
        complaint = russian.complaint_raw(clean.lower().replace("ё", "е"))
    else:
        lexical = english.lexical_raw(clean)
        complaint = english.complaint_raw(clean)
    emoticon = emoticon_raw(clean)
    advert = advert_strength(clean, has_link=_LINK_RE.search(text) is not None)

    words = lexical
    if (words < 0 or complaint < 0) and support_reply(clean):
        # The desk's answer quotes the customer's problem; it is not a complaint itself.
        words = min(0.0, words) * _SUPPORT_REPLY_SHARE + max(0.0, words)
        complaint *= _SUPPORT_REPLY_SHARE
    if words > 0 and complaint < 0:
        words *= _PRAISE_BESIDE_COMPLAINT
    if words > 0 and advert:
        words *= 1.0 - (1.0 - _ADVERT_PRAISE) * advert
    faces = emoticon
    if 0 < faces < _WEAK_SMILE and abs(lexical) < _WEAK_WORDS and not complaint:
        faces *= _LONE_SMILE_WEIGHT
    raw = words + complaint + faces
    if raw and shouting(clean):
        raw *= _SHOUT_BOOST
    score = max(-1.0, min(1.0, _squash(raw)))
    return SentimentResult(
        score=score,
        label=_label(score, language),
        language=language,
        lexical=_squash(lexical),
        emoticon=_squash(emoticon),
        complaint=_squash(complaint),
        advert=advert,
    )

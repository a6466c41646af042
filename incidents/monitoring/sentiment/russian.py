"""Rule-based sentiment scorer for Russian social-media posts about brands and services.

The vocabulary lives in ``lexicon_ru.tsv`` (see its header for the format); this module holds
the rules: tokenising, prefix ("stem") matching for an inflected language, multi-word phrases,
negation, intensifiers, contrast ("но"), exclamation marks and emoticons/emoji.

It is pure Python with no Django import, so it can run in any worker. It does not detect the
language: English or mixed text simply finds no Russian vocabulary and scores near zero.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Final, TypeAlias

__all__ = ["EMOJI_VALENCES", "NEGATIVE_THRESHOLD", "POSITIVE_THRESHOLD", "label_for", "polarity"]

LEXICON_PATH: Final = Path(__file__).with_name("lexicon_ru.tsv")

# Label cut-offs on the normalised score; tuned on the regression set, kept a little away
# from zero so a single weak word in an announcement does not make it "negative".
NEGATIVE_THRESHOLD: Final = -0.1
POSITIVE_THRESHOLD: Final = 0.15

# VADER's normalisation constant: x / sqrt(x² + alpha) maps the raw sum into (-1, 1) and
# keeps one strong word (≈ -2.5) around -0.54, so several words are needed to reach ±0.9.
_ALPHA: Final = 15.0

# A negated positive word is almost as strong as its opposite ("не нравится" is a clear
# complaint), a negated negative one is much weaker ("не плохо" is faint praise, litotes).
_NEGATED_POSITIVE: Final = -0.9
_NEGATED_NEGATIVE: Final = -0.5

# "не" + a verb missing from the lexicon (see `_VERB_RE`).
_NEGATED_UNKNOWN_VERB: Final = -1.0
# Finite verb, past tense, infinitive and reflexive endings; adverbs and nouns rarely end so.
_VERB_RE: Final = re.compile(
    r"(?:ет|ют|ут|ит|ят|ется|ются|ится|ятся|ал|ала|али|ало|ил|ила|или|ило|ть|ться)$"
)

# How many following tokens a negator reaches ("не очень-то вежливый персонал").
_NEGATION_WINDOW: Final = 3
# Prepositions reach only into their own noun group ("без лишних вопросов").
_SHORT_NEGATION_WINDOW: Final = 2
_BOOST_WINDOW: Final = 2

# VADER's constants: each "!" adds this much in the direction of the sum, at most four of them.
_EXCLAMATION_STEP: Final = 0.292
_MAX_EXCLAMATIONS: Final = 4
_QUESTION_STEP: Final = 0.18
_MAX_QUESTIONS: Final = 3

# Words before a contrast ("но", "однако") count half, words after it one and a half.
_BEFORE_BUT: Final = 0.5
_AFTER_BUT: Final = 1.5

_NEGATORS: Final[frozenset[str]] = frozenset(
    {
        "не",
        "нет",
        "ни",
        "никогда",
        "ничуть",
        "нисколько",
        "никак",
        "никакой",
        "никакого",
        "никакая",
        "никакое",
        "никакие",
        "никаких",
        "никакому",
        "никаким",
        "никакими",
        "ничего",
        "никто",
        "никого",
        "никому",
        "нигде",
        "отсутствует",
        "отсутствуют",
        "отсутствие",
        "отсутствия",
    }
)
_SHORT_NEGATORS: Final[frozenset[str]] = frozenset({"без"})

# Multiplier increments; negative values dampen ("немного раздражает").
_BOOSTERS: Final[dict[str, float]] = {
    "очень": 0.3,
    "совсем": 0.3,
    "абсолютно": 0.4,
    "совершенно": 0.4,
    "крайне": 0.4,
    "самый": 0.3,
    "самая": 0.3,
    "самое": 0.3,
    "самые": 0.3,
    "самого": 0.3,
    "самой": 0.3,
    "самым": 0.3,
    "самых": 0.3,
    "максимально": 0.3,
    "невероятно": 0.4,
    "чрезвычайно": 0.4,
    "нереально": 0.4,
    "безумно": 0.4,
    "дико": 0.4,
    "жутко": 0.4,
    "весьма": 0.2,
    "слишком": 0.2,
    "настолько": 0.3,
    "так": 0.2,
    "такой": 0.2,
    "такая": 0.2,
    "такое": 0.2,
    "такие": 0.2,
    "реально": 0.2,
    "действительно": 0.2,
    "полностью": 0.3,
    "вообще": 0.3,
    "просто": 0.15,
    "сильно": 0.3,
    "намного": 0.3,
    "гораздо": 0.3,
    "значительно": 0.2,
    "огромное": 0.3,
    "огромный": 0.3,
    "огромная": 0.3,
    "огромные": 0.3,
    "огромных": 0.3,
    "огромнейшее": 0.4,
    "большое": 0.2,
    "даже": 0.1,
    "немного": -0.3,
    "немножко": -0.3,
    "слегка": -0.3,
    "чуть": -0.3,
    "чуточку": -0.3,
    "довольно": -0.1,
    "относительно": -0.3,
    "достаточно": -0.1,
    "почти": -0.3,
}

_CONTRAST: Final[frozenset[str]] = frozenset({"но", "однако", "зато"})
_BOUNDARIES: Final[frozenset[str]] = frozenset({".", ",", ";", ":", "…", "—", "–", "!", "?"})

# Emoji need their own token; the ranges cover pictographs, dingbats and misc symbols but not
# the skin-tone modifiers (U+1F3FB..U+1F3FF), which are dropped like the presentation selector
# U+FE0F and the joiner U+200D: nothing matches them, so "👍🏽" and "❤️" read as "👍" and "❤".
_EMOJI_CLASS: Final = "\u2600-\u27bf\u2b00-\u2bff\U0001f300-\U0001f3fa\U0001f400-\U0001faff"
# Words come first because they are most tokens; a bare ":" or ";" is punctuation, followed by
# brackets or "d" it is an emoticon (":-(", ";))", ":D" after lower-casing).
_TOKEN_RE: Final = re.compile(
    r"[a-zа-я0-9]+"
    r"|[.,!?…—–]"
    r"|[:;](?:-?(?:[()]+|d+\b))?"
    r"|=-?(?:[()]+|d+\b)"
    rf"|[{_EMOJI_CLASS}]"
    r"|<3"
    r"|\){2,}|\({2,}"  # the Russian bracket smileys "))" and "(("
)

Entry: TypeAlias = tuple[float, float | None]
PhrasePart: TypeAlias = tuple[str, bool]  # (word or stem, is_stem)
Phrase: TypeAlias = tuple[tuple[PhrasePart, ...], Entry]


def _parse_term(term: str) -> PhrasePart:
    """Split a lexicon term into (text, is_stem); a trailing ``*`` marks a stem."""
    return (term[:-1], True) if term.endswith("*") else (term, False)


def load_lexicon(
    path: Path = LEXICON_PATH,
) -> tuple[dict[str, Entry], dict[str, Entry], dict[str, list[Phrase]]]:
    """Read the TSV lexicon into (exact words, stems, phrases by first word).

    Refuses (ValueError) a line without a score, a non-numeric score, a phrase that starts with
    a stem, or a duplicate term, so a typo in the file fails loudly at import instead of
    silently changing scores.
    """
    exact: dict[str, Entry] = {}
    stems: dict[str, Entry] = {}
    phrases: dict[str, list[Phrase]] = {}
    seen: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = raw.split("\t")
        if len(fields) not in (2, 3):
            raise ValueError(f"{path.name}:{number}: expected 2 or 3 tab-separated fields")
        term = fields[0].strip().lower().replace("ё", "е")
        if term in seen:
            raise ValueError(f"{path.name}:{number}: duplicate term {term!r}")
        seen.add(term)
        try:
            entry: Entry = (
                float(fields[1]),
                float(fields[2]) if len(fields) == 3 and fields[2].strip() else None,
            )
        except ValueError as exc:
            raise ValueError(f"{path.name}:{number}: bad score in {raw!r}") from exc
        words = term.split()
        if len(words) > 1:
            parts = tuple(_parse_term(word) for word in words)
            if parts[0][1]:
                raise ValueError(f"{path.name}:{number}: a phrase must start with an exact word")
            phrases.setdefault(parts[0][0], []).append((parts, entry))
        else:
            text, is_stem = _parse_term(term)
            (stems if is_stem else exact)[text] = entry
    for candidates in phrases.values():
        candidates.sort(key=lambda phrase: len(phrase[0]), reverse=True)  # longest first
    return exact, stems, phrases


_EXACT, _STEMS, _PHRASES = load_lexicon()
# Emoticons and emoji are not Russian; the English analyser reuses these valences so the two
# languages score "👎" alike.
EMOJI_VALENCES: Final[dict[str, float]] = {
    term: entry[0] for term, entry in _EXACT.items() if not any(c.isalnum() for c in term)
}
_STEM_KEY: Final = 3


def _bucket_stems(stems: dict[str, Entry]) -> dict[str, list[tuple[str, Entry]]]:
    """Group stems by their first three letters, longest stem first within each group.

    A token then costs one dict look-up when no stem can match and a few startswith() calls
    when one might, instead of a scan of the whole lexicon. Refuses (ValueError) a stem
    shorter than the key, which such a bucket could not find.
    """
    buckets: dict[str, list[tuple[str, Entry]]] = {}
    for stem, entry in sorted(stems.items(), key=lambda item: len(item[0]), reverse=True):
        if len(stem) < _STEM_KEY:
            raise ValueError(f"stem {stem!r} is shorter than {_STEM_KEY} letters")
        buckets.setdefault(stem[:_STEM_KEY], []).append((stem, entry))
    return buckets


_STEM_BUCKETS: Final = _bucket_stems(_STEMS)
# Below this a "не…" word is not split into "не" + word ("нет", "нельзя", "небо").
_MIN_NE_SPLIT: Final = 5

# Social media repeats a small vocabulary, so each distinct token is looked up once.
_cache: dict[str, Entry | None] = {}
_CACHE_LIMIT: Final = 200_000


def _lookup_uncached(token: str) -> Entry | None:
    """Find the lexicon entry for one token: exact word, else the longest matching stem."""
    entry = _EXACT.get(token)
    if entry is not None:
        return entry
    for stem, stem_entry in _STEM_BUCKETS.get(token[:_STEM_KEY], ()):
        if token.startswith(stem):
            return stem_entry
    # Russian writes many negated adjectives as one word ("неудобно", "нечестный"); a
    # positive word behind "не" is read as negated rather than listing every such form.
    if len(token) >= _MIN_NE_SPLIT and token.startswith("не"):
        inner = _lookup_uncached(token[2:])
        if inner is not None and inner[0] > 0:
            # Negating the fused form again ("не неудобно") gives back weak praise.
            return (inner[0] * _NEGATED_POSITIVE, inner[0] * 0.5)
    return None


def _lookup(token: str) -> Entry | None:
    """Cached `_lookup_uncached`; the cache is dropped wholesale when it grows too large."""
    try:
        return _cache[token]
    except KeyError:
        pass
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    entry = _cache[token] = _lookup_uncached(token)
    return entry


def _normalise_token(token: str) -> str:
    """Map the emoticon variants (":-((", ";)", ")))") onto the few forms the lexicon lists."""
    first = token[0]
    if first in ":;=":
        if ")" in token:
            return ":)"
        if "(" in token:
            return ":("
        return ":d"
    if first == ")":
        return "))"
    if first == "(":
        return "(("
    return token


def tokenise(text: str) -> list[str]:
    """Lower-case, fold "ё"→"е" and split into words, emoticons, emoji and punctuation."""
    tokens = _TOKEN_RE.findall(text.lower().replace("ё", "е"))
    return [_normalise_token(t) if len(t) > 1 and t[0] in ":;=()" else t for t in tokens]


def _match_phrase(tokens: list[str], start: int) -> tuple[Entry, int] | None:
    """Return (entry, length) of the longest lexicon phrase starting at ``start``, if any."""
    candidates = _PHRASES.get(tokens[start])
    if candidates is None:
        return None
    size = len(tokens)
    for parts, entry in candidates:
        end = start + len(parts)
        if end > size:
            continue
        for offset in range(1, len(parts)):
            word, is_stem = parts[offset]
            token = tokens[start + offset]
            if not (token.startswith(word) if is_stem else token == word):
                break
        else:
            return entry, len(parts)
    return None


def raw_score(tokens: list[str]) -> float:
    """Sum the valences of a token list with negation, boosters and contrast applied.

    The result is unbounded (VADER scale); `polarity` normalises it.
    """
    before = 0.0  # sum before the last contrast word
    current = 0.0
    contrast = False
    exclamations = questions = 0
    neg_left = 0  # tokens the pending negation still reaches
    neg_boost = 0.0  # booster seen before the negator ("совсем не") strengthens the negation
    boost = 0.0
    boost_left = 0
    verb_negated = False  # the previous token was "не"
    index = 0
    size = len(tokens)
    while index < size:
        token = tokens[index]
        if token in _BOUNDARIES:
            if token == "!":
                exclamations += 1
            elif token == "?":
                questions += 1
            neg_left = boost_left = 0
            boost = neg_boost = 0.0
            verb_negated = False
            index += 1
            continue
        matched = _match_phrase(tokens, index) if token in _PHRASES else None
        if matched is not None:
            entry, length = matched
            index += length
        else:
            index += 1
            if token in _NEGATORS or token in _SHORT_NEGATORS:
                neg_left = _NEGATION_WINDOW if token in _NEGATORS else _SHORT_NEGATION_WINDOW
                neg_boost, boost, boost_left = boost, 0.0, 0
                verb_negated = token == "не"
                continue
            if token in _CONTRAST:
                before += current
                current = 0.0
                contrast = True
                neg_left = boost_left = 0
                boost = neg_boost = 0.0
                verb_negated = False
                continue
            increment = _BOOSTERS.get(token)
            if increment is not None:
                boost += increment
                boost_left = _BOOST_WINDOW
                continue
            found = _lookup(token)
            if found is not None and token in EMOJI_VALENCES:
                # An emoji comments on the whole post; "не", "без" or "очень" before it do
                # not apply to it.
                current += found[0]
                continue
            if found is None or (found[0] == 0.0 and found[1] is None):
                if verb_negated and _VERB_RE.search(token):
                    # Right after "не", a verb the lexicon does not know is still an unmet
                    # expectation in a post about a service ("не отображается", "не знает").
                    found = (0.0, _NEGATED_UNKNOWN_VERB)
                else:
                    # A word without sentiment uses up part of the negation/booster reach.
                    verb_negated = False
                    if neg_left:
                        neg_left -= 1
                    if boost_left:
                        boost_left -= 1
                        if not boost_left:
                            boost = 0.0
                    continue
            entry = found
        valence, negated = entry
        if neg_left:
            if negated is not None:
                valence = negated
            else:
                valence *= _NEGATED_POSITIVE if valence > 0 else _NEGATED_NEGATIVE
            if neg_boost > 0:
                valence *= 1.0 + neg_boost
            if boost > 0:
                # "не очень хорошо" is a softer complaint than "не хорошо".
                valence *= max(0.5, 1.0 - boost)
            elif boost < 0:
                valence *= 1.0 + boost
        elif boost:
            valence *= 1.0 + boost
        current += valence
        neg_left = boost_left = 0
        boost = neg_boost = 0.0
        verb_negated = False

    total = before * _BEFORE_BUT + current * _AFTER_BUT if contrast else current
    if total:
        emphasis = min(exclamations, _MAX_EXCLAMATIONS) * _EXCLAMATION_STEP
        if questions > 1:
            emphasis += min(questions, _MAX_QUESTIONS) * _QUESTION_STEP
        total += emphasis if total > 0 else -emphasis
    return total


def polarity(text: str) -> float:
    """Score Russian text in [-1, 1] (negative to positive); empty text scores 0.0."""
    total = raw_score(tokenise(text))
    return total / math.sqrt(total * total + _ALPHA) if total else 0.0


def label_for(score: float) -> str:
    """Map a `polarity` score to "negative", "neutral" or "positive"."""
    if score <= NEGATIVE_THRESHOLD:
        return "negative"
    if score >= POSITIVE_THRESHOLD:
        return "positive"
    return "neutral"

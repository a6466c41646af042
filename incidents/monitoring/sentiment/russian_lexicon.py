"""The Russian vocabulary: two TSV lexicons, pymorphy3 lemmas, obscene roots and stretched words.

``lexicon_ru.tsv`` is the brand-and-service vocabulary (exact forms and stems);
``lexicon_ru_lemmas.tsv`` the general one (dictionary forms, matched through pymorphy3 so that
one line covers every inflection). `lookup` answers one token with its lexicon entry and caches
the answer, since social media repeats a small vocabulary. Pure Python, no Django import.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Final, TypeAlias

import pymorphy3

from incidents.monitoring.sentiment.text import fold_elongation

__all__ = ["PHRASES", "Entry", "Phrase", "lemma", "load_lexicon", "lookup"]

SERVICE_PATH: Final = Path(__file__).with_name("lexicon_ru.tsv")
GENERAL_PATH: Final = Path(__file__).with_name("lexicon_ru_lemmas.tsv")

Entry: TypeAlias = tuple[float, float | None]  # (valence, valence when negated or None)
PhrasePart: TypeAlias = tuple[str, bool]  # (word or stem, is_stem)
Phrase: TypeAlias = tuple[tuple[PhrasePart, ...], Entry]

# A negated positive word is almost as strong as its opposite ("не нравится" is a clear
# complaint), a negated negative one much weaker ("не плохо" is faint praise, litotes).
NEGATED_POSITIVE: Final = -0.9


def _parse_term(term: str) -> PhrasePart:
    """Split a lexicon term into (text, is_stem); a trailing ``*`` marks a stem."""
    return (term[:-1], True) if term.endswith("*") else (term, False)


def load_lexicon(
    path: Path,
) -> tuple[dict[str, Entry], dict[str, Entry], dict[str, list[Phrase]]]:
    """Read a TSV lexicon into (exact words, stems, phrases by first word).

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
    return exact, stems, phrases


_SERVICE, _STEMS, _SERVICE_PHRASES = load_lexicon(SERVICE_PATH)
_GENERAL, _GENERAL_STEMS, _GENERAL_PHRASES = load_lexicon(GENERAL_PATH)
_STEMS = _GENERAL_STEMS | _STEMS
PHRASES: Final[dict[str, list[Phrase]]] = {}
for _source in (_SERVICE_PHRASES, _GENERAL_PHRASES):
    for _first, _candidates in _source.items():
        PHRASES.setdefault(_first, []).extend(_candidates)
for _candidates in PHRASES.values():
    _candidates.sort(key=lambda phrase: len(phrase[0]), reverse=True)  # longest first

_STEM_KEY: Final = 3


def _bucket_stems(stems: dict[str, Entry]) -> dict[str, list[tuple[str, Entry]]]:
    """Group stems by their first three letters, longest stem first within each group.

    A token then costs one dict look-up when no stem can match and a few startswith() calls
    when one might. Refuses (ValueError) a stem shorter than the key.
    """
    buckets: dict[str, list[tuple[str, Entry]]] = {}
    for stem, entry in sorted(stems.items(), key=lambda item: len(item[0]), reverse=True):
        if len(stem) < _STEM_KEY:
            raise ValueError(f"stem {stem!r} is shorter than {_STEM_KEY} letters")
        buckets.setdefault(stem[:_STEM_KEY], []).append((stem, entry))
    return buckets


_STEM_BUCKETS: Final = _bucket_stems(_STEMS)


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    """The analyser loads its dictionaries (~15 MB) once, on first use rather than import."""
    return pymorphy3.MorphAnalyzer(lang="ru")


@cache
def _lemma_prefixes() -> frozenset[str]:
    """The first letters of every inflected form of every listed lemma.

    pymorphy3 costs ~50 µs a word; a word whose first letters begin no form of a listed lemma
    cannot reduce to one, so it is not parsed. The forms, not only the lemmas, give the
    prefixes: "злая" and "аду" begin differently from "злой" and "ад" ("лучше" and other
    suppletive forms are listed as they are).
    """
    morph = _morph()
    prefixes = {term[:_STEM_KEY] for term in _GENERAL}
    for term in _GENERAL:
        for parse in morph.parse(term):
            if parse.normal_form.replace("ё", "е") != term:
                continue
            for form in parse.lexeme:
                prefixes.add(form.word.replace("ё", "е")[:_STEM_KEY])
    return frozenset(prefixes)


@lru_cache(maxsize=200_000)
def lemma(token: str) -> str:
    """The dictionary form pymorphy3 gives a lower-case Russian word (its first parse)."""
    return _morph().parse(token)[0].normal_form.replace("ё", "е")


# Obscene roots. Praise built on them ("охуенно", "заебись", "пиздато") is listed in the
# lemma lexicon and found before these.
_OBSCENE_RE: Final = re.compile(
    r"ху[йеяюи]|пизд|пезд|^бля|^бл[еэ]я?ать|^бл[еэ]ять|^бл[еи]ть|муда[кч]|мудил|мудо[зх]|(?<!с)пид[оау]?р|педик|гандон|гондон|залуп"
    r"|долбо|уеб|уёб|^(?:за|вы|до|на|по|от|съ|разъ|подъ|при|об|недо|пере|про|у)?[её]б(?:а|у|ы|и|л|н|т|ш)"
    r"|^сук[аиоу]|^сучк|^шлюх|^мраз|^твар[ьи]"
)
OBSCENE_VALENCE: Final = -2.2
# A word masked with "*" ("бля*", "п**дец", "х*й") is nearly always an obscenity.
MASKED_VALENCE: Final = -1.8
# Below this a "не…" word is not split into "не" + word ("нет", "нельзя", "небо").
_MIN_NE_SPLIT: Final = 5


def _lookup_word(token: str) -> Entry | None:
    entry = _SERVICE.get(token)
    if entry is not None:
        return entry
    entry = _GENERAL.get(token)
    if entry is not None:
        return entry
    if "а" <= token[0] <= "я" and token[:_STEM_KEY] in _lemma_prefixes():
        entry = _GENERAL.get(lemma(token))
        if entry is not None:
            return entry
    for stem, stem_entry in _STEM_BUCKETS.get(token[:_STEM_KEY], ()):
        if token.startswith(stem):
            return stem_entry
    return None


@lru_cache(maxsize=200_000)
def lookup(token: str) -> Entry | None:
    """The lexicon entry of one lower-case token with "ё" folded, or None.

    Tried in order: the service lexicon's exact forms, the general lexicon by the form and by
    its lemma, the stems, the word with stretched letters folded, an obscene root, and
    finally a "не"-prefixed word read as the negation of the positive word behind it.
    """
    star = token.find("*")
    if star != -1:
        # "бля*", "п**дец", "х*й": a few letters, then the mask. "люблю*" is a footnote mark.
        return (
            (MASKED_VALENCE, MASKED_VALENCE * 0.5)
            if 0 <= star <= 4
            else lookup(token.replace("*", ""))
        )
    entry = _lookup_word(token)
    if entry is not None:
        return entry
    folded = fold_elongation(token)
    if folded != token:
        for candidate in (folded, fold_elongation(token, 2)):
            entry = _lookup_word(candidate)
            if entry is not None:
                return entry
        token = folded
    if _OBSCENE_RE.search(token):
        return (OBSCENE_VALENCE, OBSCENE_VALENCE * 0.5)
    # Russian writes many negated adjectives as one word ("неудобно", "нечестный"); a
    # positive word behind "не" is read as negated rather than listing every such form.
    if len(token) >= _MIN_NE_SPLIT and token.startswith("не"):
        inner = lookup(token[2:])
        if inner is not None and inner[0] > 0:
            # Negating the fused form again ("не неудобно") gives back weak praise.
            return (inner[0] * NEGATED_POSITIVE, inner[0] * 0.5)
    return None

"""What a crisis is about: the phrases its negative mentions share.

Each text is cut into content words (stop words, numbers, links and @handles dropped);
Russian words are reduced to their dictionary form with pymorphy3 (the lemma cache the
analyser uses), so «курьер», «курьера» and «курьеров» count as one. A phrase is a content word
or two consecutive ones; its count is the number of texts that hold it. Two-word phrases held
by at least two texts come first, then single words that none of the chosen phrases already
covers. Pure Python, no Django import.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from incidents.monitoring.sentiment import detect_language
from incidents.monitoring.sentiment.russian_lexicon import lemma
from incidents.monitoring.sentiment.text import strip_noise

_WORD_RE: Final = re.compile(r"[a-zа-яё]+(?:'[a-z]+)?|[.,!?;:…—–()]", re.IGNORECASE)
_BREAK: Final = ("|", "|")  # punctuation: no two-word phrase spans it
_MIN_LENGTH: Final = 3
# Alike _STOP_EN on purpose: one stop-word list per language, looked up by the text's language.
_STOP_RU: Final = frozenset(
    [
        "это",
        "этот",
        "эта",
        "эти",
        "тот",
        "та",
        "те",
        "то",
        "так",
        "как",
        "что",
        "чтобы",
        "который",
        "которая",
        "которые",
        "кто",
        "где",
        "когда",
        "уже",
        "еще",
        "ещё",
        "опять",
        "снова",
        "все",
        "всё",
        "весь",
        "вся",
        "они",
        "она",
        "оно",
        "его",
        "ее",
        "её",
        "их",
        "мне",
        "меня",
        "мой",
        "моя",
        "мои",
        "наш",
        "наша",
        "наши",
        "ваш",
        "ваша",
        "ваши",
        "вас",
        "нас",
        "вам",
        "нам",
        "себя",
        "свой",
        "своя",
        "свои",
        "быть",
        "был",
        "была",
        "были",
        "есть",
        "будет",
        "нет",
        "даже",
        "только",
        "очень",
        "просто",
        "вообще",
        "тоже",
        "также",
        "или",
        "либо",
        "если",
        "там",
        "тут",
        "здесь",
        "сейчас",
        "потом",
        "почему",
        "зачем",
        "сколько",
        "можно",
        "нужно",
        "надо",
        "для",
        "при",
        "про",
        "без",
        "над",
        "под",
        "после",
        "перед",
        "через",
        "между",
        "около",
        "из-за",
        "чем",
        "тем",
        "кого",
        "кому",
        "сам",
        "сама",
        "само",
        "сами",
        "лишь",
        "ведь",
        "вот",
        "вон",
        "ну",
        "да",
        "же",
        "ли",
        "бы",
        "раз",
        "два",
        "три",
        "день",
        "час",
        "мочь",
        "сказать",
        "говорить",
        "делать",
        "стать",
        "год",
    ]
)
_STOP_EN: Final = frozenset(
    [
        "the",
        "and",
        "for",
        "are",
        "but",
        "not",
        "you",
        "your",
        "yours",
        "all",
        "any",
        "can",
        "had",
        "her",
        "was",
        "one",
        "our",
        "out",
        "has",
        "have",
        "him",
        "his",
        "how",
        "its",
        "may",
        "new",
        "now",
        "old",
        "see",
        "two",
        "way",
        "who",
        "did",
        "get",
        "got",
        "let",
        "say",
        "she",
        "too",
        "use",
        "this",
        "that",
        "with",
        "from",
        "they",
        "them",
        "their",
        "there",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "would",
        "could",
        "should",
        "been",
        "being",
        "were",
        "than",
        "then",
        "into",
        "onto",
        "over",
        "under",
        "again",
        "just",
        "only",
        "very",
        "really",
        "still",
        "even",
        "also",
        "about",
        "after",
        "before",
        "because",
        "been",
        "some",
        "such",
        "more",
        "most",
        "much",
        "many",
        "other",
        "here",
        "why",
        "does",
        "doing",
        "done",
        "dont",
        "don't",
        "can't",
        "cant",
        "isn't",
        "it's",
        "im",
        "i'm",
        "ive",
        "i've",
        "youre",
        "you're",
        "we're",
        "were",
        "thanks",
        "thank",
        "please",
        "today",
        "yesterday",
        "hours",
        "hour",
        "day",
        "days",
        "time",
    ]
)


@dataclass(slots=True)
class Phrase:
    phrase: str  # as most texts write it
    lemma: str  # what was counted
    count: int
    examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "phrase": self.phrase,
            "lemma": self.lemma,
            "count": self.count,
            "examples": self.examples,
        }


def content_words(text: str) -> list[str]:
    """The text's content words, lower-case; Russian ones as lemmas."""
    return [word for word, _surface in _content(text) if word != _BREAK[0]]


def _content(text: str) -> list[tuple[str, str]]:
    clean = strip_noise(text)
    russian = detect_language(clean) == "ru"
    words = []
    for raw in _WORD_RE.findall(clean.lower().replace("ё", "е")):
        if not raw[0].isalpha():
            words.append(_BREAK)
            continue
        if len(raw) < _MIN_LENGTH:
            continue
        if russian and not raw.isascii():
            word = lemma(raw)
            if word in _STOP_RU:
                continue
        else:
            word = raw
            if word in _STOP_EN or word in _STOP_RU:
                continue
        words.append((word, raw))
    return words


def crisis_phrases(
    texts: Sequence[str], *, top: int = 8, examples: int = 3, example_length: int = 240
) -> list[Phrase]:
    """The `top` phrases most texts share, each with its count and up to `examples` texts."""
    documents: list[list[str]] = []
    surfaces: dict[str, Counter[str]] = {}
    pairs: Counter[str] = Counter()
    singles: Counter[str] = Counter()
    for text in texts:
        pairs_of_text = _content(text)
        words = [w for w, _ in pairs_of_text]
        documents.append(words)
        singles.update(set(words) - {_BREAK[0]})
        pairs.update(
            {f"{a} {b}" for a, b in itertools.pairwise(words) if a != b and _BREAK[0] not in (a, b)}
        )
        for (a, ra), (b, rb) in itertools.pairwise(pairs_of_text):
            if _BREAK[0] not in (a, b):
                surfaces.setdefault(f"{a} {b}", Counter())[f"{ra} {rb}"] += 1
        for w, r in pairs_of_text:
            surfaces.setdefault(w, Counter())[r] += 1
    chosen: list[tuple[str, int]] = []
    covered: set[str] = set()
    for phrase, count in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])):
        if count < 2 or len(chosen) >= top // 2:
            break
        chosen.append((phrase, count))
        covered.update(phrase.split())
    for word, count in sorted(singles.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(chosen) >= top:
            break
        if count < 2 or word in covered:
            continue
        chosen.append((word, count))
    chosen.sort(key=lambda kv: (-kv[1], kv[0]))
    result = []
    for phrase, count in chosen:
        parts = phrase.split()
        found = []
        for text, words in zip(texts, documents, strict=True):
            joined = f" {' '.join(words)} "
            if f" {' '.join(parts)} " in joined:
                found.append(text if len(text) <= example_length else text[:example_length] + "…")
                if len(found) >= examples:
                    break
        shown = surfaces[phrase].most_common(1)[0][0] if phrase in surfaces else phrase
        result.append(Phrase(phrase=shown, lemma=phrase, count=count, examples=found))
    return result

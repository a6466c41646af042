"""Rule-based sentiment scorer for Russian social-media posts.

The vocabulary lives in `russian_lexicon` (two TSV files, pymorphy3 lemmas, obscene roots);
this module holds the rules: tokenising, multi-word phrases, negation before a word ("не
нравится") and after it ("любви нет"), intensifiers, contrast ("но"), exclamation marks, and
implicit complaints that name no sentiment word ("уже два дня без интернета"). Emoticons are
scored by `text.emoticon_raw` for both languages.

Pure Python with no Django import. It does not detect the language: English text simply finds
no Russian vocabulary and scores near zero.
"""

from __future__ import annotations

import re
from typing import Final

from incidents.monitoring.sentiment.russian_lexicon import PHRASES, Entry, lookup
from incidents.monitoring.sentiment.text import CueSet

__all__ = ["Scores", "complaint_raw", "lexical_raw", "tokenise"]

Scores = tuple[float, int]  # (raw valence sum, number of sentiment-bearing words)

_NEGATED_NEGATIVE: Final = -0.5
_NEGATED_POSITIVE: Final = -0.9

# "не" + a verb missing from the lexicon (see `_VERB_RE`): an unmet expectation in a post
# about a service ("не отображается", "не приходит"). Weak: "не знаю", "не выложил" are not
# complaints, and the common verbs of that kind are listed as blockers in the lexicon.
_NEGATED_UNKNOWN_VERB: Final = -0.7
_VERB_RE: Final = re.compile(
    r"(?:ет|ют|ут|ит|ят|ется|ются|ится|ятся|ал|ала|али|ало|ил|ила|или|ило|ть|ться)$"
)

# How many following tokens a negator reaches ("не очень-то вежливый персонал").
_NEGATION_WINDOW: Final = 3
# Prepositions reach only into their own noun group ("без лишних вопросов").
_SHORT_NEGATION_WINDOW: Final = 2
_BOOST_WINDOW: Final = 2
# "любви нет", "толку ноль": a positive word up to this many tokens before "нет" is negated.
_POST_NEGATION_REACH: Final = 2
_POST_NEGATORS: Final = frozenset({"нет", "ноль", "нету"})

# VADER's constants: each "!" adds this much in the direction of the sum, at most four.
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

# Words (a "*" inside or after one masks an obscenity: "бля*", "п**дец") and punctuation.
_TOKEN_RE: Final = re.compile(r"[a-zа-я0-9]+(?:\*+[a-zа-я0-9]*)*|[.,!?…—–;:]")
# Dots mask an obscenity too ("п....ц", "е..ал", "б..дь", "х..ня"): the first letters of an
# obscene root, two or more dots, a short ending, with no space. Turned into "*" masks before
# tokenising; an ellipsis between two words ("ну...да") begins with no such root.
_DOT_MASK_RE: Final = re.compile(
    r"(?<![а-я])(?:п|пи|х|ху|б|бл|е|еб|нах)(?:\.{2,}|…)[а-я]{1,4}(?![а-я])"
)
_DOTS_RE: Final = re.compile(r"\.{2,}|…")


def _mask(match: re.Match[str]) -> str:
    return _DOTS_RE.sub("*", match.group(0))


def tokenise(text: str) -> list[str]:
    """Lower-case, fold "ё"→"е" and split into words and punctuation."""
    lowered = text.lower().replace("ё", "е")
    if ".." in lowered or "…" in lowered:
        lowered = _DOT_MASK_RE.sub(_mask, lowered)
    return _TOKEN_RE.findall(lowered)


def _match_phrase(tokens: list[str], start: int) -> tuple[Entry, int] | None:
    """Return (entry, length) of the longest lexicon phrase starting at ``start``, if any."""
    candidates = PHRASES.get(tokens[start])
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


def lexical_raw(tokens: list[str]) -> Scores:
    """Sum the valences of a token list with negation, boosters and contrast applied.

    Returns the unbounded sum (VADER scale) and how many tokens carried sentiment.
    """
    before = 0.0  # sum before the last contrast word
    current = 0.0
    hits = 0
    contrast = False
    exclamations = questions = 0
    neg_left = 0  # tokens the pending negation still reaches
    neg_boost = 0.0  # booster seen before the negator ("совсем не") strengthens the negation
    boost = 0.0
    boost_left = 0
    verb_negated = False  # the previous token was "не"
    last_positive = 0.0  # the last positive valence added in this clause, for "любви нет"
    since_positive = 99
    index = 0
    size = len(tokens)
    while index < size:
        token = tokens[index]
        since_positive += 1
        if token in _BOUNDARIES:
            if token == "!":
                exclamations += 1
            elif token == "?":
                questions += 1
            neg_left = boost_left = 0
            boost = neg_boost = 0.0
            verb_negated = False
            since_positive = 99
            index += 1
            continue
        matched = _match_phrase(tokens, index) if token in PHRASES else None
        if matched is not None:
            entry, length = matched
            index += length
        else:
            index += 1
            if token in _POST_NEGATORS and since_positive <= _POST_NEGATION_REACH + 1:
                # Undo the praise and count its negation instead.
                current += last_positive * (_NEGATED_POSITIVE - 1.0)
                since_positive = 99
                continue
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
                since_positive = 99
                continue
            increment = _BOOSTERS.get(token)
            if increment is not None:
                boost += increment
                boost_left = _BOOST_WINDOW
                continue
            found = lookup(token)
            if found is None or (found[0] == 0.0 and found[1] is None):
                if verb_negated and _VERB_RE.search(token):
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
        if valence:
            hits += 1
        current += valence
        if valence > 0:
            last_positive, since_positive = valence, 0
        neg_left = boost_left = 0
        boost = neg_boost = 0.0
        verb_negated = False

    total = before * _BEFORE_BUT + current * _AFTER_BUT if contrast else current
    if total:
        emphasis = min(exclamations, _MAX_EXCLAMATIONS) * _EXCLAMATION_STEP
        if questions > 1:
            emphasis += min(questions, _MAX_QUESTIONS) * _QUESTION_STEP
        total += emphasis if total > 0 else -emphasis
    return total, hits


_NUMBER: Final = (
    r"(?:\d+|пол|полтор\w*|дв\w+|три|трое|четыр\w*|пят\w*|шест\w*|сем\w*|восем\w*"
    r"|девят\w*|десят\w*|нескольк\w*|много|втор\w+|трет\w+|четверт\w+|целы\w+|цел\w+)"
)
_UNIT: Final = r"(?:минут|час|дн[яейи]|день|сут(?:ок|ки)|недел|месяц)\w*"
_TIME_UNITS: Final = ("минут", "час", "дн", "день", "сут", "недел", "месяц")
# Implicit complaints: waiting, outages, being charged, no answer. Valences on the VADER scale.
# (substrings one of which must occur, pattern on lower-cased text with "ё" folded, valence)
# Alike each other on purpose: rows of one table, each with its own words, pattern and valence.
_CUES: Final = CueSet(
    (
        (
            ("уже", "больше", "более", "цел"),
            rf"\b(?:уже|больше|более|целы\w+)\s+(?:{_NUMBER}\s+)?{_UNIT}",
            -1.6,
        ),
        (
            ("не", "нет", "без", "жд"),
            rf"\b(?:котор\w+|{_NUMBER})\s+(?:{_UNIT}|раз)\s+(?:подряд\s+)?(?:не|нет|без|жду|ждем)\b",
            -1.6,
        ),
        (("котор",), r"\bв котор\w+ раз|\bкотор\w+ (?:день|час|неделю|месяц|раз)\b", -1.4),
        (("до сих пор",), r"\bдо сих пор\b", -1.4),
        (("сколько",), r"\bсколько (?:можно|ждать|еще)\b", -2.0),
        (("когда",), r"\bкогда (?:уже|же|наконец)\b", -1.2),
        (
            ("без", "нет", "пропал", "отключ", "отруб", "выруб", "отсутс", "отвал"),
            r"\b(?:без|нет|нету|пропал\w*|отключил\w*|отрубил\w*|вырубил\w*|отсутс?т?вует"
            r"|отвалил\w*|отваливает\w*)\s+(?:\w+\s+)?(?:связ|интернет|сет[иь]\b|свет[а]?\b"
            r"|вод[ыа]\b|газ|отоплен|сигнал|денег|ответа|зарплат|lte|4g|3g|wi-?fi|вай-?фай|смс|sms)",
            -1.8,
        ),
        (
            ("нет", "нету", "отвал", "пропал"),
            r"\b(?:связ\w*|интернет\w*|сет[иь]|свет[а]?|вод[ыа]|газ[а]?|сигнал\w*|ответа|lte|4g|3g"
            r"|wi-?fi)\s+(?:\w+\s+)?(?:нет|нету|отвал\w*|пропал\w*)\b",
            -1.8,
        ),
        # "что у вас со связью?", "что с интернетом?": a question about the service is a report
        # that it fails.
        (
            ("что",),
            r"\bчто\s+(?:у\s+вас\s+|опять\s+|там\s+)?(?:со?)\s+(?:связью|интернетом|сетью|сайтом"
            r"|приложением|банкоматами|картой|картами|оплатой|переводами)",
            -1.5,
        ),
        (("почин",), r"\bпочин(?:ите|и)\b", -1.5),
        (
            ("повыш", "повыс", "подним", "поднял"),
            r"\b(?:повыш|повыс|подним|поднял)\w*\s+(?:\w+\s+)?(?:тариф|цен[ыу]|стоимост|абонплат"
            r"|абонентск|комисси|ставк[иу] по кредит)",
            -1.5,
        ),
        (("верн",), r"\bверн(?:и|ите|уть)\s+(?:\w+\s+)?(?:деньги|средства|мои)", -2.3),
        (
            ("сняли", "списа", "снима", "украли", "содрал", "сдира"),
            r"\b(?:сняли|списали|списывают|снимают|украли|содрали|сдирают)\b",
            -1.5,
        ),
        (("где",), r"\bгде (?:мои|мой|моя|мое)\b", -1.5),
        (
            ("невозможно", "нереально", "не мо", "не получается"),
            r"\b(?:невозможно|нереально|не могу|не можем|не получается)\s+(?:\w+\s+)?(?:дозвон|достуч|войти|зайти|подключ|оплат|снять|перевести|связаться)",
            -2.0,
        ),
        (
            ("лежит", "упал", "рухнул", "недоступ"),
            r"\b(?:лежит|упал|упало|рухнул\w*|недоступ\w+)\b",
            -0.8,
        ),
        (
            ("опять", "снова", "вновь", "как всегда", "очередной раз"),
            r"\b(?:опять|снова|вновь|как всегда|в очередной раз)\b",
            -0.7,
        ),
        (("жд",), r"\bжд(?:у|ем|ешь|ать) (?:уже|до|с|ответ|когда)", -1.0),
    ),
    floor=-3.5,
)


def complaint_raw(lowered: str) -> float:
    """The (negative or zero) valence of implicit complaint cues in a lower-cased text."""
    return _CUES.score(lowered)

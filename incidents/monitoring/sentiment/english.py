"""English (and fallback) sentiment scoring with VADER plus a brand-complaint vocabulary.

VADER's lexicon is general-purpose social-media English; complaints about brands use words
it does not know ("refund", "outage", "overcharged") or rates oddly for this domain ("joke" is
positive in VADER, "want" makes "I want a refund" positive). A small domain update and a few
multi-word phrases correct that. Pure Python, no Django import.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Final

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from incidents.monitoring.sentiment.english_lexicon import DOMAIN_LEXICON, PHRASES
from incidents.monitoring.sentiment.text import CueSet, strip_emoticons

__all__ = ["complaint_raw", "lexical_raw"]

_PHRASE_TOKENS: Final = {phrase: phrase.replace(" ", "_") for phrase in PHRASES}

# A service verb under negation ("didn't arrive", "can't connect", "never showed up") is the
# commonest complaint, yet VADER gives these verbs no valence, so "not" has nothing to flip.
# The whole negated group becomes one token with this valence.
NEGATED_SERVICE_VALENCE: Final = -1.5
_NEGATED_SERVICE: Final = "negated_service"
_NEGATED_SERVICE_PATTERN: Final = (
    r"(?:not|never|cannot|(?:ca|wo|do|does|did|is|was|are|were|has|have|had|could|would|should)"
    r"n't)"
    r"(?:\s+(?:even|yet|ever|still|really|properly|actually|always|be))?"
    r"\s+(?:work|arriv|load|open|answer|respond|repl|ship|deliver|fix|connect|refund|receiv"
    r"|solv|resolv|show(?:ed|n)?\s+up|turn(?:ed)?\s+up|call(?:ed)?\s+back|get\s+back"
    r"|got\s+back|pick(?:ed)?\s+up)\w*"
)
# Phrases and negated verbs share one regex because a scan costs about the same per text
# position whatever the number of alternatives: one scan instead of two. Phrases come first so
# "still hasn't" wins over "hasn't shipped".
_REWRITE_RE: Final = re.compile(
    r"\b(?:(?P<phrase>"
    + "|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True))
    + r")\b|(?P<service>"
    + _NEGATED_SERVICE_PATTERN
    + "))",
    re.IGNORECASE,
)

# The typographic apostrophe would hide "won’t" from VADER's negation list.
_FOLD: Final = {ord("’"): "'"}

# VADER looks three words back for negators and boosters even across a full stop, so in
# "it's nowhere. Absolutely useless." the "nowhere" flips "useless" to praise. Three filler
# tokens (no valence, not negators) after each sentence end keep that look-back inside it.
_BARRIER: Final = " _ _ _ "
_SENTENCE_END_RE: Final = re.compile(r"(?<=[.!?;])\s+")


# Negative words count this much more than positive ones: in posts about brands and in the
# news a single complaint decides the post more often than a single kind word does.
NEGATIVE_WEIGHT: Final = 1.3
# Words VADER lists whose plural or past form means something else ("goods", "likes").
_NO_INFLECTION: Final = frozenset({"good", "like", "well", "want", "fine", "pretty", "kind"})


class _Analyzer(SentimentIntensityAnalyzer):
    """VADER whose sentence score weighs negative valences by `NEGATIVE_WEIGHT`."""

    def score_valence(self, sentiments: list[float], text: str) -> dict[str, float]:
        weighted = [s * NEGATIVE_WEIGHT if s < 0 else s for s in sentiments]
        return super().score_valence(weighted, text)


def _inflections(lexicon: dict[str, float]) -> dict[str, float]:
    """Plural and past forms VADER's lexicon lacks ("idiots", "traitors", "scammed"), same valence."""
    extra: dict[str, float] = {}
    for word, valence in lexicon.items():
        if not word.isalpha() or len(word) < 4 or word in _NO_INFLECTION:
            continue
        plural = word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")
        past = word + ("d" if word.endswith("e") else "ed")
        for form in (plural, past):
            if form not in lexicon:
                extra[form] = valence
    return extra


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    """Build the VADER analyser once (it parses its lexicon files) with the domain additions."""
    analyzer = _Analyzer()
    for word, valence in DOMAIN_LEXICON.items():
        if valence:
            analyzer.lexicon[word] = valence
        else:
            # Removed rather than set to 0: VADER still pushes a 0-valence word written in
            # capitals ("PO box") towards negative.
            analyzer.lexicon.pop(word, None)
    analyzer.lexicon.update(_inflections(analyzer.lexicon))
    analyzer.lexicon.update({_PHRASE_TOKENS[p]: v for p, v in PHRASES.items()})
    analyzer.lexicon[_NEGATED_SERVICE] = NEGATED_SERVICE_VALENCE
    return analyzer


def _rewrite(match: re.Match[str]) -> str:
    """Replacement for `_REWRITE_RE`: the joined phrase token or the negated-verb token."""
    phrase = match.group("phrase")
    return _PHRASE_TOKENS[phrase.lower()] if phrase else _NEGATED_SERVICE


# "#WorstPresidentEver" is three words to VADER only once the camel case is split.
_HASHTAG_RE: Final = re.compile(r"#(\w+)")
_CAMEL_RE: Final = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _split_hashtag(match: re.Match[str]) -> str:
    return " " + _CAMEL_RE.sub(" ", match.group(1)) + " "


def _prepare(text: str) -> str:
    """Drop emoticons (scored apart), join known phrases and fence off sentences for VADER."""
    text = strip_emoticons(text)
    if "#" in text:
        text = _HASHTAG_RE.sub(_split_hashtag, text)
    if not text.isascii():
        text = text.translate(_FOLD)
    text = _REWRITE_RE.sub(_rewrite, text)
    return _SENTENCE_END_RE.sub(_BARRIER, text)


def lexical_raw(text: str) -> float:
    """VADER's sum of word valences (its compound score before normalisation); empty is 0."""
    if not text.strip():
        return 0.0
    compound = float(_analyzer().polarity_scores(_prepare(text))["compound"])
    compound = max(-0.9999, min(0.9999, compound))
    # compound = x / sqrt(x² + 15), inverted so that the cues below add on the same scale.
    return compound * math.sqrt(15.0 / (1.0 - compound * compound))


_DURATION: Final = (
    r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|several|many|few|\d+\+)"
    r"\s*\+?\s*(?:more\s+|long\s+|full\s+)?(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?)\b"
)
_TIME_UNITS: Final = ("min", "hour", "hr", "day", "week", "month")
# Implicit complaints: waiting, delays, cancellations, lost bags, no answer, being charged.
# (substrings one of which must occur, pattern on lower-cased text, valence)
_CUES: Final = CueSet(
    (
        (
            _TIME_UNITS,
            rf"\b(?:still|been|for|over|almost|nearly|another|waited|waiting|wait)\s+(?:an?\s+)?(?:extra\s+)?{_DURATION}",
            -1.5,
        ),
        (
            _TIME_UNITS,
            rf"{_DURATION}\s+(?:late|delay|wait|on hold|on the tarmac|in line|and counting|later|now)",
            -1.5,
        ),
        (
            ("tarmac", "runway", "plane"),
            r"\b(?:on|sitting on|stuck on|sat on) the (?:tarmac|runway|plane)\b",
            -1.5,
        ),
        (
            ("hold", "hung up", "disconnect"),
            r"\bon hold\b|\bhold (?:time|music)\b|\bhung up\b|\bdisconnect(?:ed)?\b",
            -1.5,
        ),
        (
            (
                "delay",
                "cancel",
                "divert",
                "overbook",
                "oversold",
                "strand",
                "stuck",
                "misconnect",
                "missed",
            ),
            r"\b(?:delay(?:ed|s)?|cancel+(?:ed|ation|ations|led|ing)?|diverted|overbooked|oversold|stranded|stuck|misconnect\w*|missed (?:my |our |the )?(?:connection|flight))\b",
            -1.5,
        ),
        (
            ("bag", "luggage", "suitcase", "stroller", "seat", "package", "parcel", "order"),
            r"\b(?:lost|losing|missing|damaged|broken|delayed|left)\s+(?:my\s+|our\s+|all\s+|the\s+)?(?:bags?|luggage|baggage|suitcases?|stroller|car ?seat|package|parcel|order)",
            -1.8,
        ),
        (
            ("still",),
            r"\bstill\s+(?:no|not|nothing|waiting|haven'?t|hasn'?t|don'?t|doesn'?t|can'?t|stuck|on|sitting|here|at)\b",
            -1.3,
        ),
        (
            ("no", "any", "zero"),
            r"\b(?:no|nobody|no one|noone|zero|any)\s+(?:one\s+)?(?:answer|response|reply|help|call ?back|update|info(?:rmation)?|communication|explanation|refund|wifi|wi-fi|power|service|signal|food|water|seats?|gate agents?|notice|apology)\b",
            -1.4,
        ),
        (
            ("n't", "cant", "couldnt", "cannot", "unable", "impossible"),
            r"\b(?:can'?t|cannot|couldn'?t|unable to|impossible to)\s+(?:even\s+)?(?:get|reach|find|call|book|check|log|connect|use|change|speak|talk|access|rebook|believe)(?!\w|\s+(?:much\s+)?(?:better|enough))",
            -1.2,
        ),
        (
            ("refund", "reimburs", "compensat", "voucher", "rebook"),
            r"\b(?:refund|reimburse\w*|compensat\w+|voucher|rebook\w*)\b",
            -0.8,
        ),
        (("charg", "fee"), r"\b(?:charged|overcharged|charging|fees?)\b", -0.8),
        (
            ("why", "what"),
            r"\bwhy\s+(?:is|are|do|does|did|can'?t|won'?t|would|has|have|isn'?t|aren'?t|didn'?t|would|not|the)\b|\bwhat happened\b|\bwhat'?s going on\b",
            -0.8,
        ),
        (("seriously", "really", "again"), r"\b(?:seriously|really|again)\s*[?!]", -1.2),
        (
            ("come on", "wtf", "smh", "ugh", "fail", "unacceptable", "ridiculous", "disgrace"),
            r"\b(?:come on|wtf|smh|ugh+|#?fail(?:ed|s)?|unacceptable|ridiculous|disgrace\w*)\b",
            -1.2,
        ),
        (("never again", "worst"), r"\b(?:never again|worst)\b", -0.5),
        # "thanks for losing my bag": thanks for a failure is sarcasm, and a complaint.
        (
            ("thank",),
            r"\bthanks?(?: you)?(?: so much| a lot)? for (?:nothing|leaving|losing|ruining|wasting"
            r"|breaking|damaging|cancel+ing|delaying|charging|making (?:me|us) wait|the delay"
            r"|the wait|never)",
            -2.5,
        ),
    ),
    floor=-3.5,
)


def complaint_raw(text: str) -> float:
    """The (negative or zero) valence of implicit complaint cues in an English text."""
    return _CUES.score(text.lower().replace("’", "'"))


def polarity(text: str) -> tuple[float, float, float]:
    """VADER's negative and positive proportions and its compound score, in that order: the
    organisation model reads them beside the analyser's verdict (they say how mixed a post is,
    which the compound alone hides)."""
    if not text.strip():
        return (0.0, 0.0, 0.0)
    found = _analyzer().polarity_scores(_prepare(text))
    return (float(found["neg"]), float(found["pos"]), float(found["compound"]))

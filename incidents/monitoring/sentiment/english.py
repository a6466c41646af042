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

from incidents.monitoring.sentiment.text import CueSet, strip_emoticons

__all__ = ["complaint_raw", "lexical_raw"]

# Valences on VADER's scale (-4..4); 0 removes the word. Single words only: VADER looks up one
# token at a time.
DOMAIN_LEXICON: Final[dict[str, float]] = {
    # money and refunds
    "refund": -1.0,
    "overpriced": -1.8,
    "overcharged": -2.0,
    "overcharging": -2.0,
    "ripoff": -2.5,
    "rip-off": -2.5,
    "scammed": -2.7,
    "scammers": -2.7,
    "scamming": -2.7,
    "counterfeit": -2.2,
    "knockoff": -1.8,
    "fees": -0.6,
    "chargeback": -1.2,
    # service failures
    "outage": -1.5,
    "outages": -1.5,
    "breach": -1.8,
    "crashes": -1.7,
    "crashed": -1.7,
    "crashing": -1.7,
    "bug": -1.2,
    "bugs": -1.2,
    "buggy": -1.8,
    "glitch": -1.3,
    "glitches": -1.3,
    "glitchy": -1.6,
    "laggy": -1.5,
    "late": -1.0,
    "delayed": -1.5,
    "slow": -1.0,
    "unhelpful": -1.8,
    "unresponsive": -1.8,
    "hassle": -1.5,
    "shady": -1.8,
    "misdiagnosed": -2.0,
    "joke": -1.0,
    "unbelievable": -1.0,
    "nobody": -1.0,
    "vanished": -1.2,
    "shouting": -1.5,
    "robbing": -2.5,
    "robbed": -2.5,
    "fee": -0.6,
    # products and food
    "expired": -1.5,
    "mould": -2.0,
    "mold": -2.0,
    "mouldy": -2.2,
    "moldy": -2.2,
    "filthy": -2.5,
    "stale": -1.5,
    "soggy": -1.5,
    "burnt": -1.2,
    "bland": -1.2,
    "smashed": -1.8,
    "cracked": -1.3,
    "peeling": -1.2,
    "clumpy": -1.2,
    "mediocre": -1.5,
    "underwhelming": -1.6,
    "overcrowded": -1.3,
    "crowded": -0.8,
    "cardboard": -0.8,
    "garbage": -2.0,
    "junk": -1.8,
    # service and shop vocabulary that VADER rates as sentiment but that is neutral in brand
    # posts ("customer support", "free shipping", "loyalty card", "PO box", size "L")
    "support": 0.0,
    "supports": 0.3,
    "free": 1.0,
    "loyalty": 0.5,
    "gift": 1.0,
    "accept": 0.5,
    "accepts": 0.5,
    "holiday": 0.5,
    "holidays": 0.5,
    "hand": 0.0,
    "po": 0.0,
    "l": 0.0,
    "pay": 0.0,
    "honestly": 0.3,
    # praise
    "reliable": 1.8,
    "polite": 1.8,
    "prompt": 1.0,
    "promptly": 1.0,
    "convenient": 1.5,
    "tasty": 2.0,
    "cozy": 1.8,
    "cosy": 1.8,
    "smooth": 1.2,
    "fast": 1.0,
    "quick": 0.8,
    "fixed": 1.0,
    "legend": 1.8,
    "flawless": 2.5,
    "transparent": 1.2,
    "responsibly": 1.2,
    "intuitive": 1.5,
    "patient": 1.2,
}

# Multi-word expressions are joined into one token before VADER sees them, since its lexicon
# and its negation rules work word by word ("work" has no valence, so "doesn't work" is 0).
PHRASES: Final[dict[str, float]] = {
    "never again": -2.5,
    "won't be back": -2.0,
    "will not be back": -2.0,
    "never coming back": -2.0,
    "not coming back": -2.0,
    "want my money back": -2.2,
    "stopped working": -2.0,
    "fell apart": -2.0,
    "falls apart": -2.0,
    "fed up": -2.0,
    "hung up": -1.5,
    "on hold": -0.8,
    "no response": -1.5,
    "no reply": -1.5,
    "no answer": -1.2,
    "waste of money": -2.5,
    "not our problem": -1.5,
    "not what i ordered": -1.8,
    "thanks for nothing": -2.0,
    "deleting my account": -1.5,
    "nothing works": -2.0,
    "at best": -0.5,
    "still hasn't": -1.2,
    "still haven't": -1.2,
    "still not": -1.0,
    "still waiting": -1.5,
    "zero stars": -2.0,
    "five stars": 2.0,
    "5 stars": 2.0,
    "well done": 2.0,
    "blazing fast": 2.0,
    "rock solid": 2.0,
    "above and beyond": 2.5,
    "worth every penny": 2.5,
    "never looked back": 1.8,
    "hands down": 1.0,
    "on time": 1.0,
}
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


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    """Build the VADER analyser once (it parses its lexicon files) with the domain additions."""
    analyzer = SentimentIntensityAnalyzer()
    for word, valence in DOMAIN_LEXICON.items():
        if valence:
            analyzer.lexicon[word] = valence
        else:
            # Removed rather than set to 0: VADER still pushes a 0-valence word written in
            # capitals ("PO box") towards negative.
            analyzer.lexicon.pop(word, None)
    analyzer.lexicon.update({_PHRASE_TOKENS[p]: v for p, v in PHRASES.items()})
    analyzer.lexicon[_NEGATED_SERVICE] = NEGATED_SERVICE_VALENCE
    return analyzer


def _rewrite(match: re.Match[str]) -> str:
    """Replacement for `_REWRITE_RE`: the joined phrase token or the negated-verb token."""
    phrase = match.group("phrase")
    return _PHRASE_TOKENS[phrase.lower()] if phrase else _NEGATED_SERVICE


def _prepare(text: str) -> str:
    """Drop emoticons (scored apart), join known phrases and fence off sentences for VADER."""
    text = strip_emoticons(text)
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
        (_TIME_UNITS, rf"\b(?:still|been|for|over|almost|nearly|another|waited|waiting|wait)\s+(?:an?\s+)?(?:extra\s+)?{_DURATION}", -1.5),
        (_TIME_UNITS, rf"{_DURATION}\s+(?:late|delay|wait|on hold|on the tarmac|in line|and counting|later|now)", -1.5),
        (("tarmac", "runway", "plane"), r"\b(?:on|sitting on|stuck on|sat on) the (?:tarmac|runway|plane)\b", -1.5),
        (("hold", "hung up", "disconnect"), r"\bon hold\b|\bhold (?:time|music)\b|\bhung up\b|\bdisconnect(?:ed)?\b", -1.5),
        (("delay", "cancel", "divert", "overbook", "oversold", "strand", "stuck", "misconnect", "missed"), r"\b(?:delay(?:ed|s)?|cancel+(?:ed|ation|ations|led|ing)?|diverted|overbooked|oversold|stranded|stuck|misconnect\w*|missed (?:my |our |the )?(?:connection|flight))\b", -1.5),
        (("bag", "luggage", "suitcase", "stroller", "seat", "package", "parcel", "order"), r"\b(?:lost|losing|missing|damaged|broken|delayed|left)\s+(?:my\s+|our\s+|all\s+|the\s+)?(?:bags?|luggage|baggage|suitcases?|stroller|car ?seat|package|parcel|order)", -1.8),
        (("still",), r"\bstill\s+(?:no|not|nothing|waiting|haven'?t|hasn'?t|don'?t|doesn'?t|can'?t|stuck|on|sitting|here|at)\b", -1.3),
        (("no", "any", "zero"), r"\b(?:no|nobody|no one|noone|zero|any)\s+(?:one\s+)?(?:answer|response|reply|help|call ?back|update|info(?:rmation)?|communication|explanation|refund|wifi|wi-fi|power|service|signal|food|water|seats?|gate agents?|notice|apology)\b", -1.4),
        (("n't", "cannot", "unable", "impossible"), r"\b(?:can'?t|cannot|couldn'?t|unable to|impossible to)\s+(?:even\s+)?(?:get|reach|find|call|book|check|log|connect|use|change|speak|talk|access|rebook|believe)", -1.2),
        (("refund", "reimburs", "compensat", "voucher", "rebook"), r"\b(?:refund|reimburse\w*|compensat\w+|voucher|rebook\w*)\b", -0.8),
        (("charg", "fee"), r"\b(?:charged|overcharged|charging|fees?)\b", -0.8),
        (("why", "what"), r"\bwhy\s+(?:is|are|do|does|did|can'?t|won'?t|would|has|have|isn'?t|aren'?t|didn'?t|would|not|the)\b|\bwhat happened\b|\bwhat'?s going on\b", -0.8),
        (("seriously", "really", "again"), r"\b(?:seriously|really|again)\s*[?!]", -1.2),
        (("come on", "wtf", "smh", "ugh", "fail", "unacceptable", "ridiculous", "disgrace"), r"\b(?:come on|wtf|smh|ugh+|#?fail(?:ed|s)?|unacceptable|ridiculous|disgrace\w*)\b", -1.2),
        (("never again", "worst"), r"\b(?:never again|worst)\b", -0.5),
    ),
    floor=-3.5,
)


def complaint_raw(text: str) -> float:
    """The (negative or zero) valence of implicit complaint cues in an English text."""
    return _CUES.score(text.lower().replace("’", "'"))

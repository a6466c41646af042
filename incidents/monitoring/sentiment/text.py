"""Language-independent reading of a post: what is not words, and what is emphasis.

URLs, @handles and e-mail addresses carry no sentiment and, being Latin, made Russian posts look
English; emoticons and emoji are scored apart from the words so that a lone smiley cannot make
an announcement praise; elongated letters ("фаааак", "sooo") are folded back to the word;
advert and shouting cues are measured here for both languages. Pure Python, no Django import.
"""

from __future__ import annotations

import html
import re
from typing import Final

__all__ = [
    "EMOJI_VALENCES",
    "advert_strength",
    "emoticon_raw",
    "fold_elongation",
    "shouting",
    "strip_emoticons",
    "strip_noise",
    "support_reply",
]

# Links, handles and mail addresses; "RT" is the retweet marker.
_NOISE_RE: Final = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|(?<!\w)@\w+|\bRT\b|\[(?:id|club|public)\d+\|[^\]]*\]",
    re.IGNORECASE,
)

# Valences on the VADER scale; "))" and "((" are the Russian bracket smileys.
EMOJI_VALENCES: Final[dict[str, float]] = {
    "👍": 1.8,
    "👎": -1.8,
    "😡": -2.5,
    "😠": -2.2,
    "🤬": -3.0,
    "😤": -1.8,
    "😞": -1.8,
    "😢": -1.8,
    "😭": -2.0,
    "😩": -1.8,
    "😫": -1.8,
    "😒": -1.5,
    "🙄": -1.2,
    "😑": -1.0,
    "🤮": -2.5,
    "🤢": -2.2,
    "💩": -2.2,
    "😱": -1.5,
    "😰": -1.5,
    "😨": -1.5,
    "😖": -1.8,
    "😣": -1.5,
    "😔": -1.5,
    "😕": -1.0,
    "🙁": -1.2,
    "☹": -1.5,
    "👿": -2.0,
    "💔": -2.0,
    "🤦": -1.5,
    "🤡": -1.5,
    "🖕": -2.5,
    "❌": -1.0,
    "⛔": -1.0,
    "🚫": -1.0,
    "😬": -0.8,
    "😪": -1.2,
    "😓": -1.2,
    "😟": -1.3,
    "😿": -1.5,
    "🥺": -0.8,
    "😥": -1.3,
    "😦": -1.0,
    "😧": -1.2,
    "😾": -1.5,
    "🤯": -1.0,
    "😷": -0.8,
    "🤒": -1.2,
    "🤕": -1.2,
    "☠": -1.5,
    "💀": -0.5,
    "😐": -0.5,
    "❤": 2.2,
    "♥": 2.0,
    "💖": 2.2,
    "💕": 2.0,
    "💗": 2.0,
    "💙": 2.0,
    "💚": 2.0,
    "💛": 2.0,
    "💜": 2.0,
    "🧡": 2.0,
    "😍": 2.5,
    "🥰": 2.5,
    "😘": 2.0,
    "😊": 2.0,
    "☺": 1.8,
    "🙂": 1.2,
    "😀": 1.8,
    "😃": 1.8,
    "😄": 2.0,
    "😁": 2.0,
    "😆": 1.8,
    "😂": 0.8,
    "🤣": 0.8,
    "😉": 1.2,
    "😎": 1.5,
    "🤩": 2.5,
    "🥳": 2.2,
    "🎉": 1.8,
    "🎊": 1.5,
    "👏": 2.0,
    "🙌": 2.0,
    "🙏": 1.5,
    "👌": 1.8,
    "💪": 1.5,
    "🔥": 1.5,
    "✨": 1.0,
    "⭐": 1.2,
    "🌟": 1.5,
    "💯": 1.8,
    "✅": 1.0,
    "🤗": 2.0,
    "😇": 1.5,
    "😋": 2.0,
    "😻": 2.2,
    "😹": 1.0,
    "😸": 1.5,
    "😺": 1.5,
    "💋": 1.5,
    "🌹": 1.5,
    "🌸": 1.2,
    "💐": 1.5,
    "🎁": 1.2,
    "😜": 1.2,
    "😝": 1.2,
    "😛": 1.0,
    "🤘": 1.2,
    "✌": 1.0,
    "☀": 0.8,
    "😌": 1.0,
    "💓": 2.0,
    "💞": 2.0,
    "💘": 2.0,
    "💝": 2.0,
    "😚": 1.8,
    "😙": 1.5,
    "🤝": 1.0,
}
# Every listed emoji is one code point once presentation selectors are folded away, so one
# character class finds them (an alternation of 150 strings is ~10x slower).
_EMOJI_RE: Final = re.compile("[" + "".join(map(re.escape, EMOJI_VALENCES)) + "]")
# ":)", ":-)))", ";)", "=)", ":D", "xD", "^_^" and the bare Russian ")))" / "(((" (but not a
# bracket that closes "(…)"); ":(", ":-(", ";(", "=(" and "((".
_SMILE_RE: Final = re.compile(
    r"[:;=]-?\)+|[:;=]-?[dD]+\b|\b[xXхХ][dDдД]+\b|\^[_\-.]?\^|<3|(?<!\d)\)+"
)
# ":с" / ":c" (Cyrillic or Latin "c") is the sad face of Russian posts, "с" being a ":(" lying down.
_FROWN_RE: Final = re.compile(
    r"[:;=]['’]?-?\(+|\({2,}|\((?=\s|$|[!?.,])|(?<!\w)[:;]-?[сcСC](?=\s|$|[!?.,])"
)
_BALANCED_RE: Final = re.compile(r"\([^()\n]{0,200}\)")
_SMILE_VALENCE: Final = 1.2
_FROWN_VALENCE: Final = -1.6
_MAX_EMOTICONS: Final = 4  # the sixth "😂" says no more than the fourth

_FOLD: Final = {0xFE0F: None, 0x200D: None} | {cp: None for cp in range(0x1F3FB, 0x1F400)}

# Three or more of one letter, a stretched word; folded to one letter, or two ("класссс").
_ELONGATED_RE: Final = re.compile(r"([^\W\d_])\1{2,}")


# Feeds deliver text still escaped: "&amp;lt;", "&quot;", or JSON's "\\u2019" left literal.
_LITERAL_ESCAPE_RE: Final = re.compile(r"\\u([0-9a-fA-F]{4})")


def strip_noise(text: str) -> str:
    """The text unescaped, without links, @handles, e-mail addresses, VK markup and "RT"."""
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "\\u" in text:
        text = _LITERAL_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return _NOISE_RE.sub(" ", text)


def fold_elongation(word: str, keep: int = 1) -> str:
    """Fold runs of three or more equal letters to ``keep`` letters ("фаааак" -> "фак")."""
    return _ELONGATED_RE.sub(lambda m: m.group(1) * keep, word)


def emoticon_raw(text: str) -> float:
    """Sum of the emoticon and emoji valences of a text, at most four of them counted.

    A bracket that closes a parenthesis ("(см. выше)") is not a smiley; a run of brackets is
    one smiley, a little stronger than a single one.
    """
    if not text:
        return 0.0
    folded = text.translate(_FOLD)
    values: list[float] = []
    if not folded.isascii():
        values.extend(EMOJI_VALENCES[m] for m in _EMOJI_RE.findall(folded))
    if "(" in folded or ")" in folded or "^" in folded or "<3" in folded or ":" in folded:
        unbracketed = _BALANCED_RE.sub(" ", folded) if "(" in folded else folded
        for match in _SMILE_RE.findall(unbracketed):
            values.append(_SMILE_VALENCE * (1.3 if len(match) > 2 else 1.0))
        for _match in _FROWN_RE.findall(unbracketed):
            values.append(_FROWN_VALENCE)
    elif "xd" in folded.lower() or "хд" in folded.lower():
        values.extend(_SMILE_VALENCE for _ in _SMILE_RE.findall(folded))
    if len(values) > _MAX_EMOTICONS:
        # Keep the strongest ones of each sign in proportion: a long row of hearts is praise,
        # but not unbounded praise.
        values.sort(key=abs, reverse=True)
        values = values[:_MAX_EMOTICONS]
    return sum(values)


_ADVERT_RE: Final = re.compile(
    r"скидк|распродаж|\bакци[яиюй]|\bкупи(?:те|ть)\b|\bзакаж(?:и|ите)\b|заказать|\bзвоните\b"
    r"|доставк[аи] по|бесплатн\w* доставк|подпис(?:ывайтесь|ывайся|аться)|переходи(?:те)? по"
    r"|по ссылке|жми(?:те)?\b|розыгрыш|разыгрыва|конкурс|в наличии|предлагаем|приглашаем"
    r"|успей(?:те)?\b|спешите|только до \d|выгодн\w+ предлож|промокод|\d+\s*(?:руб|р\.|₽)"
    r"|\b(?:sale|discount|promo(?:tion)?|giveaway|coupon|voucher)s?\b|\d+\s*% off|shop now"
    r"|buy now|order now|link in (?:bio|profile)|limited time|use code|free shipping"
    r"|sign up|enter to win|check out our|subscribe"
)


# Substrings one of which every advert cue holds: a test of each costs less than one scan of
# the cue regex, which then runs only on the few texts that may be adverts.
# Alike _SUPPORT_ANCHORS on purpose: each cue regex keeps its own anchor words beside it (the
# tail's likeness to templates/starter.py's placeholder names is only a tuple of strings).
_ADVERT_ANCHORS: Final = (
    "скид",
    "распрод",
    "акци",
    "куп",
    "заказ",
    "закаж",
    "звони",
    "доставк",
    "подпис",
    "переход",
    "ссылк",
    "жми",
    "розыгр",
    "разыгр",
    "конкурс",
    "налич",
    "предлага",
    "приглаша",
    "успе",
    "спеши",
    "только до",
    "выгодн",
    "промокод",
    "руб",
    "р.",
    "₽",
    "sale",
    "discount",
    "promo",
    "giveaway",
    "coupon",
    "voucher",
    "% off",
    "shop now",
    "buy now",
    "order now",
    "link in",
    "limited time",
    "use code",
    "free shipping",
    "sign up",
    "to win",
    "check out",
    "subscribe",
)


def strip_emoticons(text: str) -> str:
    """The text without emoji and emoticons, for an analyser that would count them again."""
    if not text.isascii():
        text = _EMOJI_RE.sub(" ", text.translate(_FOLD))
    if "(" in text or ")" in text or ":" in text or "^" in text or "<3" in text:
        text = _FROWN_RE.sub(" ", _SMILE_RE.sub(" ", text))
    return text


def advert_strength(text: str, has_link: bool) -> float:
    """How much a text reads as an advert, in [0, 1]: two cues, or one beside a link, is 1."""
    lowered = text.lower()
    cues = len(_ADVERT_RE.findall(lowered)) if any(a in lowered for a in _ADVERT_ANCHORS) else 0
    if has_link:
        cues += 1
    return min(1.0, cues / 2)


_CAPS_RUN_RE: Final = re.compile(r"[A-ZА-ЯЁ]{4}")
_LETTER_RE: Final = re.compile(r"[^\W\d_]")


def shouting(text: str) -> bool:
    """True when most letters of a text of some length are capitals (emphasis, often anger)."""
    if not _CAPS_RUN_RE.search(text):
        return False
    letters = _LETTER_RE.findall(text)
    if len(letters) < 8:
        return False
    return sum(1 for c in letters if c.isupper()) / len(letters) >= 0.6


class CueSet:
    """Regex cues with a valence each, matched against lower-cased text; each counts once.

    Every cue names substrings one of which must occur for it to match at all ("hour",
    "day" for a waiting time): a substring test costs ~0.1 µs, a regex scan with many
    alternatives ~20 µs, so most texts never run most patterns.
    """

    def __init__(self, cues: tuple[tuple[tuple[str, ...], str, float], ...], floor: float) -> None:
        self._cues = tuple(
            (anchors, re.compile(pattern), valence) for anchors, pattern, valence in cues
        )
        self._floor = floor

    def score(self, lowered: str) -> float:
        """The sum of the valences of the cues found, bounded below by the floor."""
        total = 0.0
        for anchors, pattern, valence in self._cues:
            for anchor in anchors:
                if anchor in lowered:
                    if pattern.search(lowered):
                        total += valence
                    break
        return max(total, self._floor)


# A brand's support desk answering a customer ("Здравствуйте! Уточните, пожалуйста, какие
# проблемы возникают?", "приносим извинения за неудобства", "please DM us"): its problem words
# are the customer's, quoted back, not a complaint. In Russian one cue of the support voice and
# the polite form of address (a capital "Вы"/"Ваш" inside a sentence, or "Здравствуйте") both.
_SUPPORT_RE: Final = re.compile(
    r"уточните|приносим (?:свои )?извинения|извиняемся за|просим прощения за|продублируйте"
    r"|(?:напишите|сообщите|пришлите|направьте)(?:,)? пожалуйста|обратитесь|спасибо за обращение"
    r"|мы разбер[её]мся|please (?:dm|send|follow) us|sorry (?:to hear|for the inconvenience)"
    r"|we apologi[sz]e|(?:dm|message) us (?:your|the|with)",
    re.IGNORECASE,
)
_SUPPORT_ANCHORS: Final = (
    "уточн",
    "извин",
    "прощени",
    "продублир",
    "пожалуйста",
    "обратит",
    "обращени",
    "разбер",
    "please",
    "sorry",
    "apologi",
    " us ",
)
_POLITE_ADDRESS_RE: Final = re.compile(r"(?<=[^\s.!?]\s)(?:Вы|Вас|Вам|Ваш\w*)\b|[Зз]дравствуйте")


def support_reply(text: str) -> bool:
    """True when a text reads as a brand's support desk answering a customer."""
    lowered = text.lower()
    if not any(anchor in lowered for anchor in _SUPPORT_ANCHORS):
        return False
    if not _SUPPORT_RE.search(lowered):
        return False
    # English has no polite "you": there the cue alone ("we apologize", "DM us") is the desk's.
    return text.isascii() or bool(_POLITE_ADDRESS_RE.search(text))

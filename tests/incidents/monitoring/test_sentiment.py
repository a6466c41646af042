"""Tests of the sentiment analyser (incidents.monitoring.sentiment): rules and language detection.

No database and no Django settings are needed: the analyser is pure Python.
"""

from __future__ import annotations

import math

import pytest

from incidents.monitoring.sentiment import SentimentResult, analyse, detect_language


def label(text: str, language: str | None = None) -> str:
    """The label `analyse` gives a text."""
    return analyse(text, language).label


def score(text: str, language: str | None = None) -> float:
    """The score `analyse` gives a text."""
    return analyse(text, language).score


# --------------------------------------------------------------------------- negation


@pytest.mark.parametrize(
    "text",
    [
        "Мне не нравится",
        "мне не нравится новое приложение",
        "Приложение не работает",
        "Не рекомендую этот магазин",
        "Курьер так и не приехал",
        "Я не доволен обслуживанием",
        "Поддержка не отвечает уже неделю",
        "Не ведитесь на их рекламу",
    ],
)
def test_russian_negated_praise_or_service_is_negative(text: str) -> None:
    assert label(text) == "negative"


@pytest.mark.parametrize(
    "text",
    ["неплохо", "Неплохо", "не плохо", "Не плохо, цена нормальная", "Никаких проблем"],
)
def test_russian_negated_complaint_is_not_negative(text: str) -> None:
    assert label(text) != "negative"


def test_russian_litotes_is_weaker_than_plain_praise() -> None:
    assert 0 < score("не плохо") < score("хорошо")


def test_russian_positive_and_negative_words_without_negation() -> None:
    assert label("Мне нравится") == "positive"
    assert label("Плохо") == "negative"


def test_russian_negation_does_not_cross_a_sentence() -> None:
    # "не" belongs to the first sentence; the praise in the second stays praise.
    assert score("Не знаю. Отличный сервис") > 0


def test_russian_double_negative_is_praise() -> None:
    assert label("Ни разу не подвёл") == "positive"


@pytest.mark.parametrize("text", ["not bad", "Not bad at all", "not bad for the price"])
def test_english_not_bad_is_not_negative(text: str) -> None:
    assert label(text) != "negative"


@pytest.mark.parametrize("text", ["not good", "The food was not good", "Not happy at all"])
def test_english_not_good_is_negative(text: str) -> None:
    assert label(text) == "negative"


@pytest.mark.parametrize(
    "text", ["It doesn't work", "My parcel didn't arrive", "The courier never showed up"]
)
def test_english_negated_service_verb_is_negative(text: str) -> None:
    assert label(text) == "negative"


def test_english_negation_does_not_cross_a_sentence() -> None:
    # VADER alone reads "nowhere" as negating "useless" in the next sentence.
    assert label("It was marked delivered but it's nowhere. Absolutely useless.") == "negative"


# --------------------------------------------------------------------------- intensity


def test_russian_intensifier_strengthens_the_next_word() -> None:
    assert score("очень плохо") < score("плохо") < 0
    assert score("абсолютно ужасно") < score("ужасно")
    assert score("очень хорошо") > score("хорошо") > 0


def test_russian_not_very_good_is_a_softer_complaint() -> None:
    assert score("не хорошо") < score("не очень хорошо") < 0


def test_russian_exclamation_marks_add_intensity() -> None:
    assert score("Ужасно!!!") < score("Ужасно") < 0
    assert score("Спасибо!!") > score("Спасибо") > 0


def test_english_intensifier_strengthens_the_next_word() -> None:
    assert score("very bad") < score("bad") < 0


def test_russian_inflected_forms_match_their_stem() -> None:
    for text in ("ужасный", "ужасная доставка", "ужасно", "обманули", "отравились"):
        assert label(text) == "negative", text
    assert label("Верните деньги") == "negative"


def test_russian_yo_is_folded() -> None:
    assert score("Всё отлично, спасибо") == score("Все отлично, спасибо")


# --------------------------------------------------------------------------- emoji


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Доставка 👎", "negative"),
        ("Доставка 😡", "negative"),
        ("Доставка 👍", "positive"),
        ("Доставка ❤️", "positive"),
        ("Спасибо)))", "positive"),
        ("Опять сбой :(", "negative"),
        ("Delivery today 👎", "negative"),
        ("Delivery today 😡", "negative"),
        ("Delivery today 👍🏽", "positive"),
        ("Delivery today ❤️", "positive"),
        ("👎", "negative"),
        ("👍", "positive"),
    ],
)
def test_emoji_and_emoticons_count(text: str, expected: str) -> None:
    assert label(text) == expected


def test_negation_does_not_flip_an_emoji() -> None:
    assert label("Подняли тариф без уведомления 😤") == "negative"
    assert label("They raised the price without telling anyone 😤") == "negative"


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Курьер опоздал на два часа", "ru"),
        ("Ёлки, где мой заказ?", "ru"),
        ("The courier was two hours late", "en"),
        ("Заказ через app не работает", "ru"),
        ("The app Сбер works fine now", "en"),
        ("", "other"),
        ("12345 !!!", "other"),
        ("👍👍", "other"),
        ("配送が遅い", "other"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_analyse_reports_the_language_it_used() -> None:
    assert analyse("Отличный сервис").language == "ru"
    assert analyse("Great service").language == "en"
    assert analyse("👍").language == "other"
    assert analyse("Отличный сервис", language="ru").language == "ru"


def test_other_language_uses_the_english_analyser() -> None:
    other = analyse("Great service", language="other")
    english = analyse("Great service", language="en")
    assert (other.score, other.label, other.language) == (english.score, "positive", "other")


def test_analyse_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        analyse("text", language="de")
    with pytest.raises(TypeError):
        analyse(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        detect_language(b"bytes")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- score range


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Ужас ужас ужас кошмар отвратительно мошенники!!!!!!! 😡😡😡😡😡",
        "Отлично прекрасно великолепно спасибо!!!!!! ❤️❤️❤️❤️",
        "Worst worst worst scam fraud disgusting!!!!!! 😡😡😡",
        "Best amazing wonderful perfect love it!!!!!! ❤️❤️❤️",
        "ужасно " * 500,
        "отлично " * 500,
        "не " * 50 + "плохо",
        "нет",
        ":(((((",
        ")))))))",
        "\ufe0f\u200d🏽",
    ],
)
def test_score_is_bounded_and_label_is_known(text: str) -> None:
    result = analyse(text)
    assert -1.0 <= result.score <= 1.0
    assert math.isfinite(result.score)
    assert result.label in {"negative", "neutral", "positive"}
    assert result.language in {"ru", "en", "other"}


def test_empty_text_is_neutral() -> None:
    assert analyse("") == SentimentResult(score=0.0, label="neutral", language="other")


def test_result_is_immutable() -> None:
    result = analyse("Отлично")
    with pytest.raises(AttributeError):
        result.score = 0.0  # type: ignore[misc]

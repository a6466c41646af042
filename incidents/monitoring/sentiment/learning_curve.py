"""The organisation model's learning curve on one labelled source.

Train on n labelled posts drawn (seeded) from the source's tune half, score the posts of its
holdout half, for each n; beside it, on the same n posts and the same holdout, plain TF-IDF +
logistic regression (the baseline the organisation model has to beat) and the default
analyser. The halves are `evaluation.split_rows`' seeded hash halves, so no post is both
taught and judged. Pure Python with scikit-learn, no Django import.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from incidents.monitoring.sentiment import SentimentResult, analyse
from incidents.monitoring.sentiment.evaluation import Row, balanced, split_rows
from incidents.monitoring.sentiment.organisation import OrganisationModel, scores

SIZES: Final = (100, 250, 500, 1000)


@dataclass(frozen=True, slots=True)
class CurvePoint:
    n: int
    model: dict[str, float]
    plain: dict[str, float]
    default: dict[str, float]
    evaluated: int
    seconds: float  # training and scoring of the organisation model

    # Alike topics.py:Phrase.as_dict on purpose: a curve point's keys are renamed for the
    # report (organisation_model, plain_tfidf_lr) and its seconds rounded.
    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "organisation_model": self.model,
            "plain_tfidf_lr": self.plain,
            "default": self.default,
            "evaluated": self.evaluated,
            "seconds": round(self.seconds, 1),
        }


def _verdicts(rows: Sequence[Row], trust_lang: bool) -> list[SentimentResult]:
    return [analyse(r.text, r.language if trust_lang else None) for r in rows]


def plain_baseline(train: Sequence[Row], test: Sequence[Row]) -> list[str]:
    """Plain TF-IDF (words) + logistic regression, classes weighted by their frequency (the
    stronger of the two plain set-ups on these sources)."""
    vectoriser = TfidfVectorizer()
    matrix = vectoriser.fit_transform([r.text for r in train])
    classifier = LogisticRegression(max_iter=1000, class_weight="balanced")
    classifier.fit(matrix, [r.label for r in train])
    return list(classifier.predict(vectoriser.transform([r.text for r in test])))


def learning_curve(
    rows: Sequence[Row],
    *,
    sizes: Sequence[int] = SIZES,
    seed: int = 0,
    max_eval: int | None = None,
    trust_lang: bool = False,
    balance: bool = False,
) -> list[CurvePoint]:
    """One point per size that the tune half can supply (larger sizes are skipped).

    With `balance`, the training draw and the scored posts hold each label equally often
    (`evaluation.balanced`), as the issue's figures were measured."""
    pool = split_rows(rows, "tune")
    test = split_rows(rows, "holdout")
    if balance:
        pool = balanced(pool, seed=seed)
        per_label = None if max_eval is None else max(1, max_eval // 3)
        test = balanced(test, per_label=per_label, seed=seed + 1)
    rng = random.Random(seed)  # noqa: S311 (a reproducible draw, not a secret)
    rng.shuffle(pool)
    if balance:
        # Interleave the labels so that every prefix (each size) stays balanced too.
        pool = _interleaved(pool)
    if max_eval is not None and len(test) > max_eval:
        test = random.Random(seed + 1).sample(test, max_eval)  # noqa: S311
    gold = [r.label for r in test]
    test_verdicts = _verdicts(test, trust_lang)
    default = scores(gold, [v.label for v in test_verdicts])
    points = []
    for n in sizes:
        if n > len(pool):
            continue
        train = pool[:n]  # nested: each size extends the smaller ones
        started = time.process_time()
        model = OrganisationModel.fit(
            [r.text for r in train], [r.label for r in train], _verdicts(train, trust_lang)
        )
        predicted = [label for label, _ in model.predict([r.text for r in test], test_verdicts)]
        seconds = time.process_time() - started
        points.append(
            CurvePoint(
                n=n,
                model=scores(gold, predicted),
                plain=scores(gold, plain_baseline(train, test)),
                default=default,
                evaluated=len(test),
                seconds=seconds,
            )
        )
    return points


def _interleaved(rows: Sequence[Row]) -> list[Row]:
    by_label: dict[str, list[Row]] = {}
    for row in rows:
        by_label.setdefault(row.label, []).append(row)
    groups = [by_label[label] for label in sorted(by_label)]
    return [row for chunk in zip(*groups, strict=False) for row in chunk]


def format_curve(results: Sequence[tuple[str, Sequence[CurvePoint]]]) -> str:
    lines = [
        "file | n | model neg P / R / F1 | macro-F1 | plain TF-IDF+LR neg F1 | default neg F1 "
        "| evaluated",
    ]
    for name, points in results:
        for p in points:
            m = p.model
            lines.append(
                f"{name} | {p.n} | {m['negative_precision']:.2f} / {m['negative_recall']:.2f} / "
                f"{m['negative_f1']:.2f} | {m['macro_f1']:.2f} | {p.plain['negative_f1']:.2f} | "
                f"{p.default['negative_f1']:.2f} | {p.evaluated}"
            )
    return "\n".join(lines) + "\n"

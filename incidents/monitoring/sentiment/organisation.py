"""The organisation model: what an agency's own corrections teach.

Two stages (stacking), both logistic regressions (scikit-learn):

1. word (1-3) and character (1-6, within words) n-gram TF-IDF -> P(label), the agency's
   vocabulary (brand names, its clients' complaints, slang);
2. those probabilities (taken out of fold on the training labels, so the second stage sees
   them as they will be on new posts), the default analyser's verdict (score, sub-scores,
   label) and VADER's negative/positive proportions -> the label, with class weights chosen
   among `CLASS_WEIGHTINGS` by cross-validation on the training labels (the negative class
   may be weighted up: spike detection counts negatives, so recall is worth more).

The second stage is what lets a few hundred labels correct the default analyser instead of
starting from nothing; joining everything into one regression (the first version) let the
tens of thousands of n-gram weights drown the analyser's few features. Judged by stratified
cross-validation on the agency's labels against the default analyser on the same labels;
`beats_default` is the switch-in rule.

Pure Python with scikit-learn: no Django import, so the evaluation command and the worker use
the same code. A fitted model is pickled with joblib; `FORMAT` changes when a stored model can
no longer be loaded by this code (a stored model of another format is retrained, not loaded).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from incidents.monitoring.sentiment import LABELS, SentimentResult, analyse, english
from incidents.monitoring.sentiment.text import strip_noise

FORMAT: Final = 2
MIN_LABELS: Final = 50  # fewer: not trained (cross-validation on fewer says nothing)
MIN_PER_CLASS: Final = 5
FOLDS: Final = 5
# The model replaces the default analyser only when its cross-validated negative F1 is higher
# by at least this much and its macro-F1 is not lower: spike detection counts negatives.
MARGIN: Final = 0.01
_C: Final = 1.0  # both stages; measured on the development splits (README: teaching)
# The second stage's class weights are chosen among these by cross-validation on the
# training labels (negative F1): (weigh the classes by their frequency, the negative
# class's extra weight). Balanced labels want the first ones; a stream where complaints are
# rare (15 % of VK posts) loses too much precision with them.
CLASS_WEIGHTINGS: Final = ((True, 1.4), (True, 1.0), (False, 1.4), (False, 1.0))
_INNER_FOLDS: Final = 5  # out-of-fold first-stage probabilities for the second stage


def _default_features(results: Sequence[SentimentResult]) -> np.ndarray:
    rows = []
    for r in results:
        rows.append(
            [
                r.score,
                r.lexical,
                r.emoticon,
                r.complaint,
                r.advert,
                r.label == "negative",
                r.label == "positive",
                r.language == "ru",
            ]
        )
    return np.asarray(rows, dtype=np.float64)


def _second_stage_features(
    probabilities: np.ndarray, texts: Sequence[str], results: Sequence[SentimentResult]
) -> np.ndarray:
    vader = np.asarray(
        [
            english.polarity(t) if r.language == "en" else (0.0, 0.0, 0.0)
            for t, r in zip(texts, results, strict=True)
        ],
        dtype=np.float64,
    ).reshape(len(texts), 3)
    return np.hstack([np.log(probabilities + 1e-3), _default_features(results), vader])


def _class_weights(labels: Sequence[str], by_frequency: bool, negative: float) -> dict[str, float]:
    """scikit-learn's "balanced" weights (or 1 each), the negative class's times `negative`."""
    counts = {label: labels.count(label) for label in set(labels)}
    return {
        label: (len(labels) / (len(counts) * count) if by_frequency else 1.0)
        * (negative if label == "negative" else 1.0)
        for label, count in counts.items()
    }


def _second_stage(features: np.ndarray, labels: list[str], folds: int) -> LogisticRegression:
    """The second stage, its class weights chosen by cross-validated negative F1 (then
    macro-F1); the features are few, so trying each weighting costs little."""
    best: tuple[float, float] | None = None
    chosen = CLASS_WEIGHTINGS[0]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=1)
    for weighting in CLASS_WEIGHTINGS:
        classifier = LogisticRegression(
            C=_C, max_iter=2000, class_weight=_class_weights(labels, *weighting)
        )
        predicted = cross_val_predict(classifier, features, labels, cv=splitter)
        found = scores(labels, list(predicted))
        key = (found["negative_f1"], found["macro_f1"])
        if best is None or key > best:
            best, chosen = key, weighting
    classifier = LogisticRegression(
        C=_C, max_iter=2000, class_weight=_class_weights(labels, *chosen)
    )
    return classifier.fit(features, labels)


def _prepare(text: str) -> str:
    return strip_noise(text).lower().replace("ё", "е")


@dataclass
class OrganisationModel:
    """A fitted model; `predict` labels a batch of texts at once."""

    words: TfidfVectorizer
    chars: TfidfVectorizer
    ngrams: LogisticRegression  # first stage
    classifier: LogisticRegression  # second stage
    format: int = FORMAT

    def _matrix(self, prepared: Sequence[str]) -> sparse.csr_matrix:
        return sparse.hstack(
            [self.words.transform(prepared), self.chars.transform(prepared)]
        ).tocsr()

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        results: Sequence[SentimentResult] | None = None,
    ) -> OrganisationModel:
        """Train on labelled texts (`results`: their default verdicts, when already known)."""
        results = results if results is not None else [analyse(t) for t in texts]
        prepared = [_prepare(t) for t in texts]
        gold = list(labels)
        words = TfidfVectorizer(
            ngram_range=(1, 3), min_df=1, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
        )
        chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 6), min_df=2, sublinear_tf=True, max_features=60_000
        )
        words.fit(prepared)
        chars.fit(prepared)
        model = cls(
            words=words,
            chars=chars,
            ngrams=LogisticRegression(C=_C, max_iter=2000, class_weight="balanced"),
            classifier=LogisticRegression(),  # fitted below
        )
        matrix = model._matrix(prepared)
        folds = max(2, min(_INNER_FOLDS, min(gold.count(label) for label in set(gold))))
        out_of_fold = cross_val_predict(
            model.ngrams,
            matrix,
            gold,
            cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=0),
            method="predict_proba",
        )
        model.ngrams.fit(matrix, gold)
        features = _second_stage_features(out_of_fold, texts, results)
        model.classifier = _second_stage(features, gold, folds)
        return model

    def predict(
        self, texts: Sequence[str], results: Sequence[SentimentResult] | None = None
    ) -> list[tuple[str, float]]:
        """(label, score in [-1, 1]: P(positive) - P(negative)) per text, in one batch."""
        if not texts:
            return []
        results = results if results is not None else [analyse(t) for t in texts]
        first = self.ngrams.predict_proba(self._matrix([_prepare(t) for t in texts]))
        probabilities = self.classifier.predict_proba(_second_stage_features(first, texts, results))
        classes = list(self.classifier.classes_)
        negative = probabilities[:, classes.index("negative")] if "negative" in classes else 0.0
        positive = probabilities[:, classes.index("positive")] if "positive" in classes else 0.0
        scores = np.asarray(positive - negative, dtype=np.float64).reshape(-1)
        labels = [classes[i] for i in probabilities.argmax(axis=1)]
        if scores.shape[0] != len(labels):
            scores = np.zeros(len(labels))
        return [(label, round(float(s), 4)) for label, s in zip(labels, scores, strict=True)]

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @staticmethod
    def loads(blob: bytes) -> OrganisationModel | None:
        """The stored model, or None when it was written in another format."""
        model = joblib.load(io.BytesIO(bytes(blob)))  # noqa: S301 (our own blob, from our DB)
        if not isinstance(model, OrganisationModel) or model.format != FORMAT:
            return None
        return model


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Negative precision, recall and F1, macro-F1 over the three labels, and accuracy."""
    per_label = {}
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label != p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = (precision, recall, f1)
    present = [label for label in LABELS if label in gold]
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p)
    return {
        "negative_precision": round(per_label["negative"][0], 4),
        "negative_recall": round(per_label["negative"][1], 4),
        "negative_f1": round(per_label["negative"][2], 4),
        "macro_f1": round(sum(per_label[label][2] for label in present) / len(present), 4)
        if present
        else 0.0,
        "accuracy": round(correct / len(gold), 4) if gold else 0.0,
    }


class NotEnoughLabels(ValueError):
    """Too few labels (or too few of a class) to train and judge a model."""


def trainable(labels: Sequence[str]) -> str | None:
    """Why these labels cannot train a model (None: they can)."""
    if len(labels) < MIN_LABELS:
        return f"at least {MIN_LABELS} labels are needed, there are {len(labels)}"
    counts = {label: labels.count(label) for label in set(labels)}
    if len(counts) < 2:
        return "labels of at least two sentiments are needed"
    if min(counts.values()) < MIN_PER_CLASS:
        return f"each sentiment present needs at least {MIN_PER_CLASS} labels"
    return None


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    results: Sequence[SentimentResult] | None = None,
    folds: int = FOLDS,
    seed: int = 0,
) -> dict[str, Any]:
    """Out-of-fold figures of the model and of the default analyser on the same labels
    (`results`: the default analyser's verdicts on the texts, when already known).

    Raises NotEnoughLabels when `trainable` says no."""
    reason = trainable(list(labels))
    if reason:
        raise NotEnoughLabels(reason)
    results = results if results is not None else [analyse(t) for t in texts]
    gold = list(labels)
    predicted: list[str] = [""] * len(gold)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(gold)), gold):
        model = OrganisationModel.fit(
            [texts[i] for i in train], [gold[i] for i in train], [results[i] for i in train]
        )
        verdicts = model.predict([texts[i] for i in test], [results[i] for i in test])
        for i, (label, _score) in zip(test, verdicts, strict=True):
            predicted[i] = label
    model_scores = scores(gold, predicted)
    default_scores = scores(gold, [r.label for r in results])
    return {
        "folds": folds,
        "labels": len(gold),
        "model": model_scores,
        "default": default_scores,
        "beats_default": beats_default(model_scores, default_scores),
    }


def beats_default(model: dict[str, float], default: dict[str, float]) -> bool:
    return (
        model["negative_f1"] >= default["negative_f1"] + MARGIN
        and model["macro_f1"] >= default["macro_f1"]
    )

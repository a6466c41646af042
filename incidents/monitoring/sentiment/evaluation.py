"""Accuracy and negative-class precision/recall/F1 of `analyse` on a labelled CSV file.

The CSV has a header with the columns ``text`` and ``label`` (negative, neutral, positive).
The negative class gets its own figures because missing a complaint is what hurts a crisis
desk. Pure Python (csv module), no Django import.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from incidents.monitoring.sentiment import LABELS, LANGUAGES, analyse

__all__ = ["evaluate", "format_report", "load_rows"]


def load_rows(path: Path) -> list[tuple[str, str]]:
    """Read (text, label) pairs from a labelled CSV file.

    Refuses (ValueError) a file without the ``text``/``label`` columns, a row with an unknown
    label and an empty file, so a broken data set cannot pass as a perfect score.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", "label"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected the columns 'text' and 'label'")
        rows = []
        for line, row in enumerate(reader, start=2):
            label = (row["label"] or "").strip()
            if label not in LABELS:
                raise ValueError(f"{path}:{line}: unknown label {label!r}")
            rows.append((row["text"] or "", label))
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows


def _ratio(numerator: int, denominator: int) -> float:
    """numerator / denominator, or 0.0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


def evaluate(path: Path, language: str) -> dict[str, Any]:
    """Run `analyse` over a labelled CSV in the given language and return its figures.

    The result holds ``n``, ``accuracy``, ``negative_precision``, ``negative_recall``,
    ``negative_f1`` (all in [0, 1]), the ``confusion`` counts keyed "gold->predicted" and
    ``language``. The language is passed to `analyse`, so this measures the analyser, not the
    language detection. Refuses an unknown language code (ValueError).
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    rows = load_rows(Path(path))
    confusion: Counter[tuple[str, str]] = Counter()
    for text, gold in rows:
        confusion[gold, analyse(text, language).label] += 1
    correct = sum(count for (gold, predicted), count in confusion.items() if gold == predicted)
    true_neg = confusion["negative", "negative"]
    predicted_neg = sum(c for (_, predicted), c in confusion.items() if predicted == "negative")
    gold_neg = sum(c for (gold, _), c in confusion.items() if gold == "negative")
    precision = _ratio(true_neg, predicted_neg)
    recall = _ratio(true_neg, gold_neg)
    return {
        "language": language,
        "n": len(rows),
        "accuracy": _ratio(correct, len(rows)),
        "negative_precision": precision,
        "negative_recall": recall,
        "negative_f1": _ratio(2 * true_neg, predicted_neg + gold_neg),
        "confusion": {
            f"{gold}->{predicted}": confusion[gold, predicted]
            for gold in LABELS
            for predicted in LABELS
        },
    }


def format_report(results: Mapping[str, Mapping[str, Any]]) -> str:
    """Render `evaluate` results, keyed by language, as a plain-text table."""
    header = f"{'language':<9}{'n':>6}{'accuracy':>10}{'neg P':>8}{'neg R':>8}{'neg F1':>8}"
    lines = [header, "-" * len(header)]
    for language, result in results.items():
        lines.append(
            f"{language:<9}{result['n']:>6}{result['accuracy']:>10.3f}"
            f"{result['negative_precision']:>8.3f}{result['negative_recall']:>8.3f}"
            f"{result['negative_f1']:>8.3f}"
        )
    return "\n".join(lines)

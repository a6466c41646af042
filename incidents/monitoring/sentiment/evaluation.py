"""Figures of `analyse` on labelled posts: negative precision/recall/F1 and macro-F1 per language.

Rows come from JSONL (one object a line with ``text``, ``label`` and ``lang``; other keys are
ignored) or from the CSV regression sets in ``tests/data/`` (columns ``text``, ``label`` and an
optional ``lang``; a file named ``sentiment_<lang>.csv`` gives its rows that language). The
negative class gets its own figures because a missed complaint is what hurts a crisis desk.

`split_rows` cuts a file into two fixed halves (``tune`` and ``holdout``) by a seeded hash of
each text, so the halves do not depend on the order of the file and need no stored index:
tune the analyser on one half, report the other. Pure Python, no Django import.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from incidents.monitoring.sentiment import LABELS, LANGUAGES, SentimentResult, analyse

__all__ = [
    "SPLITS",
    "LanguageFigures",
    "Row",
    "balanced",
    "evaluate_rows",
    "format_report",
    "load_rows",
    "merge_figures",
    "split_rows",
]

SPLITS: Final = ("tune", "holdout")
# Changing the seed changes both halves: every figure tuned on the old tune half would then be
# measured partly on its own tuning data.
SPLIT_SEED: Final = "crisisdesk-sentiment-2025"
_CSV_LANGUAGE_RE: Final = re.compile(r"_(ru|en)\.csv$")


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled post; ``language`` is None when the file does not say it."""

    text: str
    label: str
    language: str | None = None


@dataclass(slots=True)
class LanguageFigures:
    """Counts of one language's rows; the figures are properties over the confusion counts."""

    language: str
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: float = 0.0  # CPU time of this process spent in `analyse` on these rows

    @property
    def n(self) -> int:
        return sum(self.confusion.values())

    def _class_figures(self, label: str) -> tuple[float, float, float]:
        true = self.confusion[label, label]
        predicted = sum(c for (_, p), c in self.confusion.items() if p == label)
        gold = sum(c for (g, _), c in self.confusion.items() if g == label)
        return _ratio(true, predicted), _ratio(true, gold), _ratio(2 * true, predicted + gold)

    @property
    def accuracy(self) -> float:
        return _ratio(sum(c for (g, p), c in self.confusion.items() if g == p), self.n)

    @property
    def negative_precision(self) -> float:
        return self._class_figures("negative")[0]

    @property
    def negative_recall(self) -> float:
        return self._class_figures("negative")[1]

    @property
    def negative_f1(self) -> float:
        return self._class_figures("negative")[2]

    @property
    def macro_f1(self) -> float:
        """Mean F1 of the three classes, whether or not each occurs in the rows."""
        return sum(self._class_figures(label)[2] for label in LABELS) / len(LABELS)

    @property
    def texts_per_second(self) -> float:
        return self.n / self.seconds if self.seconds > 0 else 0.0

    # Alike learning_curve.py:CurvePoint.as_dict and topics.py:Phrase.as_dict on purpose: each
    # report row names its own figures (properties here, renamed fields there).
    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.language,
            "n": self.n,
            "accuracy": self.accuracy,
            "negative_precision": self.negative_precision,
            "negative_recall": self.negative_recall,
            "negative_f1": self.negative_f1,
            "macro_f1": self.macro_f1,
            "texts_per_second": self.texts_per_second,
            "confusion": {
                f"{gold}->{predicted}": self.confusion[gold, predicted]
                for gold in LABELS
                for predicted in LABELS
            },
        }


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, or 0.0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


def _checked(path: Path, line: int, text: object, label: object, language: object) -> Row:
    """Build a Row, refusing (ValueError) a missing text, an unknown label or language."""
    if not isinstance(text, str):
        raise ValueError(f"{path}:{line}: 'text' must be a string")
    if label not in LABELS:
        raise ValueError(f"{path}:{line}: unknown label {label!r}")
    if language in ("", None):
        language = None
    elif language not in LANGUAGES:
        raise ValueError(f"{path}:{line}: unknown lang {language!r}")
    return Row(text=text, label=str(label), language=language)  # type: ignore[arg-type]


def _load_csv(path: Path) -> list[Row]:
    default = _CSV_LANGUAGE_RE.search(path.name)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", "label"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected the columns 'text' and 'label'")
        return [
            _checked(
                path,
                line,
                row["text"] or "",
                (row["label"] or "").strip(),
                (row.get("lang") or "").strip() or (default.group(1) if default else None),
            )
            for line, row in enumerate(reader, start=2)
        ]


def _load_jsonl(path: Path) -> list[Row]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{line}: not JSON ({exc.msg})") from exc
            if not isinstance(item, dict):
                raise ValueError(f"{path}:{line}: expected a JSON object")
            rows.append(_checked(path, line, item.get("text"), item.get("label"), item.get("lang")))
    return rows


def load_rows(path: Path) -> list[Row]:
    """Read the labelled rows of a ``.jsonl`` or ``.csv`` file.

    Refuses (ValueError) another extension, a CSV without the ``text``/``label`` columns, a
    line that is not a JSON object, a row with an unknown label or language, and a file with
    no rows, so a broken data set cannot pass as a perfect score.
    """
    path = Path(path)
    if path.suffix == ".csv":
        rows = _load_csv(path)
    elif path.suffix in (".jsonl", ".ndjson"):
        rows = _load_jsonl(path)
    else:
        raise ValueError(f"{path}: expected a .jsonl or .csv file")
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows


def _half(text: str) -> str:
    digest = hashlib.blake2b(f"{SPLIT_SEED}\x00{text}".encode(), digest_size=8).digest()
    return SPLITS[digest[0] & 1]


def split_rows(rows: Iterable[Row], split: str | None) -> list[Row]:
    """The rows of one seeded half (``tune`` or ``holdout``), or all of them for None.

    Refuses (ValueError) another split name.
    """
    if split is None:
        return list(rows)
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, not {split!r}")
    return [row for row in rows if _half(row.text) == split]


def balanced(rows: Sequence[Row], *, per_label: int | None = None, seed: int = 0) -> list[Row]:
    """A seeded sample with as many rows of each label as the rarest label has (at most
    `per_label`), shuffled: the issue's figures were measured on such samples, where a
    precision does not depend on how rare complaints happen to be in one source."""
    by_label: dict[str, list[Row]] = {}
    for row in rows:
        by_label.setdefault(row.label, []).append(row)
    if not by_label:
        return []
    n = min(len(group) for group in by_label.values())
    if per_label is not None:
        n = min(n, per_label)
    rng = random.Random(seed)  # noqa: S311 (a reproducible draw, not a secret)
    sample = [row for label in sorted(by_label) for row in rng.sample(by_label[label], n)]
    rng.shuffle(sample)
    return sample


Analyser = Callable[[str, str | None], SentimentResult]


def evaluate_rows(
    rows: Sequence[Row], *, trust_lang: bool = False, analyser: Analyser = analyse
) -> dict[str, LanguageFigures]:
    """Score the rows and group the counts by language, in order of first appearance.

    Without ``trust_lang`` the analyser detects each text's language and the row is counted
    under the detected one: that is what the bulk API does with mentions that name none. With
    it, each row's own language is passed to the analyser (rows without one are still detected).
    """
    figures: dict[str, LanguageFigures] = {}
    # CPU time, not wall time: on a shared machine the wall clock measures the neighbours.
    clock = time.process_time
    for row in rows:
        given = row.language if trust_lang else None
        started = clock()
        verdict = analyser(row.text, given)
        elapsed = clock() - started
        language = verdict.language
        entry = figures.get(language)
        if entry is None:
            entry = figures[language] = LanguageFigures(language=language)
        entry.confusion[row.label, verdict.label] += 1
        entry.seconds += elapsed
    return figures


def merge_figures(figures: Mapping[str, LanguageFigures]) -> LanguageFigures:
    """All languages' counts added up, as one ``all`` entry."""
    total = LanguageFigures(language="all")
    for entry in figures.values():
        total.confusion.update(entry.confusion)
        total.seconds += entry.seconds
    return total


HEADER: Final = (
    f"{'file':<24}{'split':<9}{'lang':<7}{'n':>7}{'neg P':>8}{'neg R':>8}{'neg F1':>8}"
    f"{'macro F1':>10}{'acc':>7}{'texts/s':>9}"
)


def format_report(results: Sequence[tuple[str, str, Mapping[str, LanguageFigures]]]) -> str:
    """Render (file name, split, figures by language) triples as a plain-text table.

    A file whose rows fall into several languages also gets an ``all`` line.
    """
    lines = [HEADER, "-" * len(HEADER)]
    for name, split, figures in results:
        entries = list(figures.values())
        if len(entries) > 1:
            entries.append(merge_figures(figures))
        for entry in entries:
            lines.append(
                f"{name[:23]:<24}{split:<9}{entry.language:<7}{entry.n:>7}"
                f"{entry.negative_precision:>8.3f}{entry.negative_recall:>8.3f}"
                f"{entry.negative_f1:>8.3f}{entry.macro_f1:>10.3f}{entry.accuracy:>7.3f}"
                f"{entry.texts_per_second:>9.0f}"
            )
    return "\n".join(lines)

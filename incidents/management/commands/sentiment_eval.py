"""`manage.py sentiment_eval`: the default analyser's figures on labelled posts.

    manage.py sentiment_eval ../shared/data/sentiment-dev/*.jsonl --split tune --split holdout

prints, per file and per language, n, negative precision, recall and F1, macro-F1 over the
three classes, accuracy and texts per second. Without files it reads the regression sets
``tests/data/sentiment_{ru,en}.csv``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.monitoring.sentiment.evaluation import (
    SPLITS,
    Row,
    evaluate_rows,
    format_report,
    load_rows,
    merge_figures,
    split_rows,
)

WHOLE = "all"


class Command(BaseCommand):
    help = (
        "Print negative precision/recall/F1, macro-F1 and speed of the sentiment analyser per "
        "language on labelled JSONL (text, lang, label) or CSV (text, label) files; the "
        "language is the one the analyser detects unless --trust-lang is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files",
            nargs="*",
            type=Path,
            help="Labelled .jsonl or .csv files (default: tests/data/sentiment_{ru,en}.csv).",
        )
        parser.add_argument(
            "--split",
            choices=(*SPLITS, WHOLE),
            action="append",
            help="Which seeded half to score: tune, holdout or all (repeatable; default all).",
        )
        parser.add_argument(
            "--trust-lang",
            action="store_true",
            help="Pass each row's lang to the analyser instead of letting it detect one.",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the figures as JSON instead of a table."
        )

    def load(self, files: list[Path]) -> list[tuple[str, list[Row]]]:
        """(file name, rows) of each file; refuses a missing or malformed file."""
        if not files:
            data = Path(settings.BASE_DIR) / "tests" / "data"
            files = [data / "sentiment_ru.csv", data / "sentiment_en.csv"]
        loaded = []
        for path in files:
            if not path.is_file():
                raise CommandError(f"No labelled set at {path}")
            try:
                loaded.append((path.name, load_rows(path)))
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        return loaded

    def handle(self, *args: Any, **options: Any) -> None:
        loaded = self.load(list(options.get("files") or []))
        splits = options.get("split") or [WHOLE]
        trust = bool(options.get("trust_lang"))
        results = []
        for name, rows in loaded:
            for split in splits:
                part = split_rows(rows, None if split == WHOLE else split)
                results.append((name, split, evaluate_rows(part, trust_lang=trust)))
        if options.get("json"):
            payload = [
                {
                    "file": name,
                    "split": split,
                    "languages": [entry.as_dict() for entry in figures.values()],
                    "all": merge_figures(figures).as_dict(),
                }
                for name, split, figures in results
            ]
            self.stdout.write(json.dumps(payload, indent=2))
        else:
            self.stdout.write(format_report(results))

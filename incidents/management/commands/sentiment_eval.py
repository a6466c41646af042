"""`manage.py sentiment_eval`: the default analyser's figures on labelled posts.

    manage.py sentiment_eval ../shared/data/sentiment-dev/*.jsonl --split tune --split holdout

prints, per file and per language, n, negative precision, recall and F1, macro-F1 over the
three classes, accuracy and texts per second. Without files it reads the regression sets
``tests/data/sentiment_{ru,en}.csv``.

    manage.py sentiment_eval ../shared/data/sentiment-dev/*.jsonl --learning-curve

prints instead the organisation model's learning curve per file: trained on n = 100, 250, 500,
1000 posts of the file's tune half, scored on its holdout half, beside plain TF-IDF + logistic
regression trained on the same posts and the default analyser.
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
    balanced,
    evaluate_rows,
    format_report,
    load_rows,
    merge_figures,
    split_rows,
)
from incidents.monitoring.sentiment.learning_curve import SIZES, format_curve, learning_curve

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
        parser.add_argument(
            "--learning-curve",
            action="store_true",
            help="The organisation model's learning curve per file instead (tune half: "
            "training posts; holdout half: scored).",
        )
        parser.add_argument(
            "--sizes",
            default=",".join(map(str, SIZES)),
            help="Training sizes of the learning curve (comma-separated; default %(default)s).",
        )
        parser.add_argument(
            "--max-eval",
            type=int,
            default=None,
            help="Score at most this many holdout posts per file (a seeded sample).",
        )
        parser.add_argument("--seed", type=int, default=0, help="Seed of the training draw.")
        parser.add_argument(
            "--balanced",
            action="store_true",
            help="Score (and with --learning-curve, train on) a seeded sample holding each "
            "label equally often, as the issue's figures were measured.",
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
        if options.get("learning_curve"):
            self.curve(loaded, options)
            return
        splits = options.get("split") or [WHOLE]
        trust = bool(options.get("trust_lang"))
        results = []
        for name, rows in loaded:
            for split in splits:
                part = split_rows(rows, None if split == WHOLE else split)
                if options.get("balanced"):
                    part = balanced(part, seed=options["seed"])
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

    def curve(self, loaded: list[tuple[str, list[Row]]], options: dict[str, Any]) -> None:
        try:
            sizes = [int(size) for size in str(options["sizes"]).split(",") if size.strip()]
        except ValueError:
            raise CommandError("--sizes takes whole numbers, e.g. 100,250,500,1000") from None
        if not sizes or min(sizes) < 10:
            raise CommandError("--sizes: each at least 10")
        results = [
            (
                name,
                learning_curve(
                    rows,
                    sizes=sizes,
                    seed=options["seed"],
                    max_eval=options.get("max_eval"),
                    trust_lang=bool(options.get("trust_lang")),
                    balance=bool(options.get("balanced")),
                ),
            )
            for name, rows in loaded
        ]
        if options.get("json"):
            payload = [
                {"file": name, "learning_curve": [p.as_dict() for p in points]}
                for name, points in results
            ]
            self.stdout.write(json.dumps(payload, indent=2))
        else:
            self.stdout.write(format_curve(results))

"""`manage.py sentiment_eval`: score the labelled sentiment sets and print the figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.monitoring.sentiment.evaluation import evaluate, format_report

LANGUAGES = ("ru", "en")


class Command(BaseCommand):
    help = (
        "Print n, accuracy and negative-class precision/recall/F1 of the sentiment analyser "
        "on tests/data/sentiment_{ru,en}.csv (a regression set, not an independent benchmark)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """Accept --data-dir (default: BASE_DIR/tests/data) and --language (default: both)."""
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help="Folder holding sentiment_ru.csv and sentiment_en.csv.",
        )
        parser.add_argument(
            "--language",
            choices=LANGUAGES,
            action="append",
            help="Evaluate only this language (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Evaluate each language's CSV and write the report; refuses a missing file."""
        data_dir = options.get("data_dir") or Path(settings.BASE_DIR) / "tests" / "data"
        results = {}
        for language in options.get("language") or LANGUAGES:
            path = Path(data_dir) / f"sentiment_{language}.csv"
            if not path.is_file():
                raise CommandError(f"No labelled set at {path}")
            try:
                results[language] = evaluate(path, language)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(format_report(results))

"""The organisation model's learning curve in `sentiment_eval --learning-curve`, on a small
synthetic source written here (CI never needs the development sets)."""

from __future__ import annotations

import json
import random
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.monitoring.sentiment.evaluation import Row, split_rows
from incidents.monitoring.sentiment.learning_curve import learning_curve


def synthetic(n: int, seed: int = 0) -> list[Row]:
    """A source whose complaints use a word no analyser knows, beside neutral posts."""
    rng = random.Random(seed)
    things = ["order", "parcel", "card", "account", "router", "app"]
    rows = []
    for i in range(n):
        thing = rng.choice(things)
        if i % 3 == 0:
            rows.append(Row(f"my {thing} {i} is blorked again", "negative", "en"))
        elif i % 3 == 1:
            rows.append(Row(f"my {thing} {i} works, see you on friday", "neutral", "en"))
        else:
            rows.append(Row(f"love my {thing} {i}, great and wonderful", "positive", "en"))
    return rows


def test_the_curve_trains_on_the_tune_half_and_scores_the_holdout_half() -> None:
    rows = synthetic(400)

    points = learning_curve(rows, sizes=[30, 60, 10_000])

    assert [p.n for p in points] == [30, 60]  # more than the tune half holds: skipped
    holdout = len(split_rows(rows, "holdout"))
    assert all(p.evaluated == holdout for p in points)
    assert points[-1].model["negative_f1"] >= 0.95
    assert points[-1].default["negative_f1"] == 0.0  # "blorked" is in no lexicon
    assert 0.0 <= points[-1].plain["negative_f1"] <= 1.0


def test_the_command_prints_the_curve_as_a_table_and_as_json(tmp_path: Path) -> None:
    source = tmp_path / "synthetic.jsonl"
    source.write_text(
        "".join(
            json.dumps({"text": r.text, "lang": r.language, "label": r.label}) + "\n"
            for r in synthetic(300)
        )
    )
    table, payload = StringIO(), StringIO()

    call_command("sentiment_eval", str(source), "--learning-curve", "--sizes", "40", stdout=table)
    call_command(
        "sentiment_eval",
        str(source),
        "--learning-curve",
        "--sizes",
        "40,80",
        "--max-eval",
        "50",
        "--json",
        stdout=payload,
    )

    assert "synthetic.jsonl | 40 |" in table.getvalue()
    body = json.loads(payload.getvalue())
    assert [p["n"] for p in body[0]["learning_curve"]] == [40, 80]
    assert body[0]["learning_curve"][0]["evaluated"] == 50
    assert set(body[0]["learning_curve"][0]) >= {"organisation_model", "plain_tfidf_lr", "default"}


@pytest.mark.parametrize("sizes", ["ten", "5", ""])
def test_the_command_refuses_bad_sizes(tmp_path: Path, sizes: str) -> None:
    source = tmp_path / "s.jsonl"
    source.write_text(json.dumps({"text": "x", "lang": "en", "label": "neutral"}) + "\n")
    with pytest.raises(CommandError):
        call_command("sentiment_eval", str(source), "--learning-curve", "--sizes", sizes)


def test_a_balanced_curve_trains_and_scores_each_label_equally_often() -> None:
    rows = synthetic(300) + [
        Row(f"my parcel {i} arrives on friday", "neutral", "en") for i in range(600)
    ]

    (point,) = learning_curve(rows, sizes=[60], balance=True, max_eval=45)

    assert point.evaluated == 45  # 15 of each label from the holdout half
    assert point.model["negative_f1"] >= 0.9

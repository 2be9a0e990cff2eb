"""The routing and dedup commands on a small CSV fixture (60 rows, 3 free-string labels)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from daibiao.routing.classifier import Classifier

FIXTURE = Path(__file__).with_name("routing.csv")


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_evaluate_prints_the_figures_and_the_confusion_table():
    text = run("routing", "evaluate", "--csv", str(FIXTURE), "--folds", "5")
    for needle in ("accuracy", "macro-F1", "top-3 accuracy", "precision", "recall", "confusion"):
        assert needle in text
    for label in ("道路", "饮水", "用电"):
        assert label in text


def test_evaluate_json_has_the_same_figures_and_learns_the_labels():
    result = json.loads(run("routing", "evaluate", "--csv", str(FIXTURE), "--folds", "5", "--json"))
    assert result["rows"] == 60
    assert result["folds"] == 5
    assert set(result["per_label"]) == {"道路", "饮水", "用电"}
    assert all(set(m) == {"precision", "recall", "f1", "support"} for m in result["per_label"].values())
    assert sum(m["support"] for m in result["per_label"].values()) == 60
    matrix = result["confusion"]["matrix"]
    assert len(matrix) == 3
    assert sum(map(sum, matrix)) == 60
    # Three well-separated topics: a model that learned anything gets most of them right.
    assert result["macro_f1"] > 0.8
    assert result["top3_accuracy"] == 1.0


def test_evaluate_baseline_runs_too():
    result = json.loads(
        run("routing", "evaluate", "--csv", str(FIXTURE), "--folds", "3", "--json", "--baseline")
    )
    assert result["model"] == "baseline"
    assert 0 <= result["macro_f1"] <= 1


def test_train_on_a_csv_writes_a_model_that_loads(tmp_path):
    out = tmp_path / "model.bin"
    text = run("routing", "train", "--csv", str(FIXTURE), "--out", str(out))
    assert "60" in text
    model, _none = Classifier.loads_pair(out.read_bytes())
    ranked, reasons = model.rank("东湾村三组停电，变压器坏了", k=3)
    assert ranked[0][0] == "用电"
    assert reasons


def test_a_csv_without_the_header_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="header"):
        run("routing", "evaluate", "--csv", str(bad))
    with pytest.raises(CommandError, match="header"):
        run("dedup", "pairs", "--csv", str(bad))


def test_dedup_pairs_prints_the_planted_repeats_only(tmp_path):
    rows = list(csv.DictReader(FIXTURE.open(encoding="utf-8")))
    extra = [
        {**rows[0], "id": "copy"},  # exact repeat
        {**rows[1], "id": "near", "body": rows[1]["body"].replace("，", "。") + "谢谢"},  # near-exact
    ]
    path = tmp_path / "dups.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["id", "title", "body", "label"])
        writer.writeheader()
        writer.writerows(rows + extra)
    lines = run("dedup", "pairs", "--csv", str(path), "--threshold", "0.8").splitlines()
    assert lines[0] == "id_a,id_b,score"
    found = {tuple(sorted(line.split(",")[:2])) for line in lines[1:]}
    assert tuple(sorted(("r1", "copy"))) in found
    assert tuple(sorted(("r2", "near"))) in found
    assert len(found) == 2, found


@pytest.mark.django_db
def test_train_without_a_csv_trains_each_county_from_its_history_once(cast):
    from daibiao.routing.models import RoutingModel

    first = run("routing", "train")
    assert cast.county.name in first
    assert RoutingModel.objects.filter(county=cast.county).exists()
    assert "自上次训练以来没有变化" in run("routing", "train")  # the command speaks the site language
    with pytest.raises(CommandError):
        run("routing", "train", "--county", "没有这个县")

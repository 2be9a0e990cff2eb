"""The province benchmark's table (``bench/lib_table.py``): each target counts once, and it is
met only when every row that answers it met it."""

from __future__ import annotations

from bench.lib_table import Row, Target, format_table, percentile, targets_met

FAST = Target("fast", "p50 ≤ 100 ms")
SMALL = Target("small", "< 300 MB")
RATE = Target("rate", "≥ 150 req/s")


def row(name, *checks) -> Row:
    return Row(name, 10, "1.0 ms", "2.0 ms", "0.5 ms", 2.0, list(checks))


def test_a_target_answered_by_several_rows_counts_once():
    rows = [row("a", (FAST, True)), row("b", (FAST, True)), row("c", (SMALL, True))]
    assert targets_met(rows) == (2, 2)


def test_one_row_that_misses_fails_its_target_for_every_row():
    rows = [row("a", (FAST, True)), row("b", (FAST, False), (SMALL, True))]
    assert targets_met(rows) == (1, 2)


def test_a_target_not_measured_is_not_met():
    assert targets_met([row("a", (RATE, None)), row("b")]) == (0, 1)


def test_the_table_ends_with_the_count_and_shows_each_verdict():
    rows = [row("overview", (FAST, True)), row("load", (RATE, False), (SMALL, True)), row("detail")]
    lines = format_table(rows).splitlines()
    assert lines[-1] == "targets met: 2 of 3"
    assert lines[0].split() == [
        "operation",
        "rows",
        "p50",
        "p95",
        "cpu",
        "baseline",
        "ratio",
        "target",
        "met",
    ]
    load = next(line for line in lines if line.startswith("load"))
    assert load.endswith("NO yes")
    assert "2.00×" in load
    detail = next(line for line in lines if line.startswith("detail"))
    assert detail.rstrip().endswith("—")
    # Columns line up: every body line is as wide as the header's columns allow.
    assert len({line.index("2.0 ms") for line in lines[2:-1]}) == 1


def test_percentile_by_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 51.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 100) == 100.0
    assert percentile([], 95) != percentile([], 95)  # nan

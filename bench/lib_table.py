"""The province benchmark's one table: a row per operation, the targets it answers, and the
closing line ``targets met: M of N`` in which each target counts once (met only when every
row that answers it met it). Pure: no Django, so that a unit test can check the counting."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """A goal from the brief, e.g. ``Target("list-p95", "list p95 ≤ 50 ms")``."""

    key: str
    text: str


@dataclass
class Row:
    """One operation. ``p50``/``p95``/``baseline``/``cpu`` are ready-made cells (with units);
    ``ratio`` is the operation over its baseline; ``checks`` pairs each target the row answers
    with whether this row met it (``None``: not measured, which counts as not met)."""

    operation: str
    rows: int | str
    p50: str
    p95: str
    baseline: str
    ratio: float | None
    checks: list[tuple[Target, bool | None]] = field(default_factory=list)
    note: str = ""
    cpu: str = "—"


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile by the nearest rank (no interpolation); ``nan`` for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(value: float | None) -> str:
    return "—" if value is None or value != value else f"{value:.1f} ms"


def per_second(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} req/s"


def megabytes(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} MB"


def targets_met(rows: list[Row]) -> tuple[int, int]:
    """(met, total): every target once, in the order first seen; met only if every row that
    answers it says so."""
    verdicts: dict[str, bool] = {}
    for row in rows:
        for target, met in row.checks:
            verdicts[target.key] = verdicts.get(target.key, True) and bool(met)
    return sum(verdicts.values()), len(verdicts)


def _verdict(row: Row) -> tuple[str, str]:
    if not row.checks:
        return "—", ""
    text = "; ".join(target.text for target, _ in row.checks)
    met = " ".join({True: "yes", False: "NO", None: "n/a"}[met] for _, met in row.checks)
    return text, met


def format_table(rows: list[Row]) -> str:
    """The table, its columns sized to their contents, ending with ``targets met: M of N``."""
    header = ("operation", "rows", "p50", "p95", "cpu", "baseline", "ratio", "target", "met")
    body = []
    for row in rows:
        target, met = _verdict(row)
        rows_cell = f"{row.rows:,}" if isinstance(row.rows, int) else str(row.rows)
        ratio = "—" if row.ratio is None or row.ratio != row.ratio else f"{row.ratio:.2f}×"
        operation = f"{row.operation} ({row.note})" if row.note else row.operation
        body.append((operation, rows_cell, row.p50, row.p95, row.cpu, row.baseline, ratio, target, met))
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    right = {1, 2, 3, 4, 5, 6}

    def line(cells) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs]
        return "  ".join(parts).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(cells) for cells in body]
    met, total = targets_met(rows)
    out.append(f"targets met: {met} of {total}")
    return "\n".join(out)

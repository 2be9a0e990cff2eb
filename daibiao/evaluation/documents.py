"""The evaluation's documents: the county-wide bulletin of the units' results (通报), the
report to the county committee (向县委的报告), both .docx in the style of official documents
(``core.docx``), and the rankings workbook (.xlsx, ``core.documents``).

Every document lists the scores it is given in the order it is given them (the evaluation's
rank order); what the reader may see is decided by the caller (``Score.objects.restrict``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.core.documents import build_xlsx
from daibiao.core.docx import OfficialDocument

from .choices import TargetKind
from .models import Evaluation, Score

NAMED = 3  # units named in the bulletin as the best and as the last
TOP_DEPUTIES = 10


def cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def number(value) -> str:
    """A score or a count as people write it: 87.5, 90, 12."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"))
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def rate_text(value, base) -> str:
    """``12/15 = 80%``; a dash when there was nothing to count."""
    if not base:
        return "—"
    return f"{number(value)}/{number(base)} = {number(Decimal(value) * 100 / Decimal(base))}%"


def percent(value, base) -> str:
    if not base:
        return "—"
    return f"{number(Decimal(value) * 100 / Decimal(base))}%"


@dataclass(frozen=True)
class Column:
    """One indicator as a column of a ranking: its measure, label and weight."""

    metric: str
    label: str
    weight: Decimal


def columns_of(scores: Sequence[Score]) -> list[Column]:
    """The indicators of the scores' lines, in the scheme's order (lines prefetched)."""
    seen: dict[str, tuple[int, Column]] = {}
    for score in scores:
        for line in score.lines.all():
            if line.metric not in seen:
                seen[line.metric] = (line.position, Column(line.metric, line.label, line.weight))
    return [column for _, column in sorted(seen.values(), key=lambda pair: pair[0])]


def lines_by_metric(score: Score) -> dict:
    return {line.metric: line for line in score.lines.all()}


def full_marks(columns: Sequence[Column]) -> Decimal:
    return sum((c.weight for c in columns), Decimal(0))


def measured(line) -> str:
    """What a line measured: a rate as a percentage, a count as the count."""
    if line is None:
        return "—"
    if line.base is not None:
        return percent(line.value, line.base)
    return number(line.value)


# --- refusals -------------------------------------------------------------------------------


def bulletin_refusal(evaluation: Evaluation) -> str | None:
    """Why ``evaluation`` has no bulletin (``None``: it has one). Only a published evaluation
    of the units is announced county-wide."""
    if evaluation.scheme.target_kind != TargetKind.UNIT:
        return _("Only an evaluation of the handling units has a bulletin.")
    if not evaluation.is_published:
        return _("Only a published evaluation is announced: publish it first.")
    return None


# --- the bulletin (通报) ----------------------------------------------------------------------


def authority_of(evaluation: Evaluation) -> str:
    return _("{county} People's Congress Standing Committee General Office").format(
        county=evaluation.county.name
    )


def bulletin_filename(evaluation: Evaluation) -> str:
    return _("Bulletin of the {year} evaluation of the units.docx").format(year=evaluation.year)


def _names(scores: Sequence[Score]) -> str:
    return "、".join(score.name for score in scores)


def bulletin(evaluation: Evaluation, scores: Sequence[Score]) -> bytes:
    """The bulletin of a published evaluation of the units: the figures, every unit ranked as
    the evaluation ranks them (with what each indicator measured), the best and the last named,
    and what the units are asked to do."""
    scores = list(scores)
    columns = columns_of(scores)
    full = full_marks(columns)
    published = timezone.localtime(evaluation.published_at or timezone.now()).date()
    authority = authority_of(evaluation)
    doc = OfficialDocument(
        authority=authority,
        number=_("Bulletin [{year}] No. {number}").format(year=published.year, number=evaluation.pk),
    )
    doc.title(
        _(
            "Bulletin on the results of the {year} evaluation of the county units' handling of "
            "deputies' suggestions"
        ).format(year=evaluation.year)
    )
    doc.addressee(_("To every county department and unit:"))
    totals = [score.total for score in scores]
    average = sum(totals, Decimal(0)) / len(totals) if totals else Decimal(0)
    doc.paragraph(
        _(
            "To carry out the deputy-action campaign and its “four inclusions”, the standing committee "
            "evaluated how {n} units handled the deputies' suggestions in {year}, under the scheme "
            "“{scheme}” (full marks {full}), from the records of the closed loop and the deputies' "
            "year-end satisfaction survey. The average score is {average}, the highest {high} and the "
            "lowest {low}. The results are announced as follows."
        ).format(
            n=len(scores),
            year=evaluation.year,
            scheme=evaluation.scheme.name,
            full=number(full),
            average=number(average),
            high=number(max(totals)) if totals else "—",
            low=number(min(totals)) if totals else "—",
        )
    )
    doc.heading(_("1. The results"))
    headers = [_("Rank"), _("Unit"), _("Score"), *(c.label for c in columns)]
    rows = []
    for score in scores:
        lines = lines_by_metric(score)
        rows.append(
            [score.rank, score.name, number(score.total), *(measured(lines.get(c.metric)) for c in columns)]
        )
    doc.grid(headers, rows, size=doc_size(len(headers)))
    best = scores[: min(NAMED, len(scores))]
    last = scores[max(len(best), len(scores) - NAMED) :]
    if best:
        doc.heading(_("2. Units that did well"))
        doc.paragraph(
            _(
                "{names} ranked at the top: they signed for the suggestions promptly, replied on time "
                "with solid answers, and the deputies were satisfied. They are commended in this bulletin."
            ).format(names=_names(best))
        )
    if last:
        doc.heading(_("3. Units that must do better"))
        doc.paragraph(
            _(
                "{names} ranked at the bottom. They are asked to find the causes, put them right, and "
                "report in writing to the deputies' affairs office of the standing committee within one "
                "month."
            ).format(names=_names(last))
        )
    doc.heading(_("4. Requirements"))
    doc.paragraph(
        _(
            "Every unit is to treat the deputies' suggestions as an important part of its work: its "
            "leaders answer for them, each suggestion is handled by a named person, replies are made on "
            "time and solve real problems, and the results are checked on the ground. The evaluation "
            "goes into the year-end evaluation of the county departments."
        )
    )
    doc.signature(authority, cn_date(published))
    return bytes(doc)


def doc_size(n_columns: int):
    """Smaller type for wider tables, so that a ranking fits the A4 page."""
    from docx.shared import Pt

    return Pt(12 if n_columns <= 6 else 10.5 if n_columns <= 9 else 9)


# --- the report to the county committee -----------------------------------------------------


@dataclass
class Part:
    """One published evaluation and its scores, in rank order (lines prefetched)."""

    evaluation: Evaluation
    scores: list[Score]


def committee_report_filename(year: int) -> str:
    return _("Report to the county committee on the {year} evaluation.docx").format(year=year)


BANDS = (Decimal("0.9"), Decimal("0.8"), Decimal("0.6"), Decimal(0))  # shares of the full marks


def band_label(i: int) -> str:
    if i == 0:
        return _("{share} of full marks or more").format(share="90%")
    if i == len(BANDS) - 1:
        return _("under {share}").format(share="60%")
    return _("{low} to {high}").format(low=f"{BANDS[i] * 100:.0f}%", high=f"{BANDS[i - 1] * 100:.0f}%")


def distribution(scores: Sequence[Score], full: Decimal) -> list[tuple[str, int]]:
    """How many totals fall into each band of the full marks."""
    counts = [0] * len(BANDS)
    for score in scores:
        share = Decimal(score.total) / full if full else Decimal(0)
        for i, floor in enumerate(BANDS):
            if share >= floor:
                counts[i] += 1
                break
    return [(band_label(i), n) for i, n in enumerate(counts)]


def committee_report(county, year: int, parts: dict[str, Part], *, serial: int) -> bytes:
    """The year's published evaluations summarised for the county committee: the units in a
    full table, the towns' ranking, the deputies' top ten and how their scores spread."""
    authority = _("{county} People's Congress Standing Committee").format(county=county.name)
    today = timezone.localdate()
    doc = OfficialDocument(
        authority=authority, number=_("Report [{year}] No. {number}").format(year=today.year, number=serial)
    )
    doc.title(_("Report on the {year} year-end evaluation under the “four inclusions”").format(year=year))
    doc.addressee(_("To the county committee:"))
    figures = []
    for kind, label in (
        (TargetKind.UNIT, _("{n} handling units")),
        (TargetKind.TOWN, _("{n} towns")),
        (TargetKind.DEPUTY, _("{n} deputies")),
    ):
        if kind in parts:
            figures.append(label.format(n=len(parts[kind].scores)))
    doc.paragraph(
        _(
            "Under the county committee's plan for the deputy-action campaign, the standing committee "
            "carried out the {year} year-end evaluation under the “four inclusions”: {figures} were "
            "evaluated from the records of the year and the deputies' satisfaction survey, and the "
            "results were published. We report as follows."
        ).format(year=year, figures="、".join(figures) or "—")
    )
    section = 0
    unit_part = parts.get(TargetKind.UNIT)
    if unit_part is not None:
        section += 1
        scores = unit_part.scores
        columns = columns_of(scores)
        doc.heading(_("{n}. The handling units").format(n=cn_numeral(section)))
        doc.paragraph(_summary(unit_part, columns))
        headers = [_("Rank"), _("Unit"), _("Score"), *(c.label for c in columns)]
        rows = []
        for score in scores:
            lines = lines_by_metric(score)
            rows.append(
                [
                    score.rank,
                    score.name,
                    number(score.total),
                    *(measured(lines.get(c.metric)) for c in columns),
                ]
            )
        doc.grid(headers, rows, size=doc_size(len(headers)))
    town_part = parts.get(TargetKind.TOWN)
    if town_part is not None:
        section += 1
        doc.heading(_("{n}. The towns' congress work").format(n=cn_numeral(section)))
        doc.paragraph(_summary(town_part, columns_of(town_part.scores)))
        doc.grid(
            [_("Rank"), _("Town or district"), _("Score")],
            [[s.rank, s.name, number(s.total)] for s in town_part.scores],
        )
    deputy_part = parts.get(TargetKind.DEPUTY)
    if deputy_part is not None:
        section += 1
        scores = deputy_part.scores
        full = full_marks(columns_of(scores))
        doc.heading(_("{n}. The deputies' performance of their duties").format(n=cn_numeral(section)))
        doc.paragraph(_summary(deputy_part, columns_of(scores)))
        spread = "；".join(_("{band}: {n}").format(band=band, n=n) for band, n in distribution(scores, full))
        doc.paragraph(_("How the deputies' scores spread: {spread}.").format(spread=spread))
        top = scores[:TOP_DEPUTIES]
        doc.paragraph(_("The {n} deputies with the highest scores:").format(n=len(top)))
        doc.grid([_("Rank"), _("Deputy"), _("Score")], [[s.rank, s.name, number(s.total)] for s in top])
    if not parts:
        doc.paragraph(_("No evaluation of the year has been published yet."))
    doc.paragraph(
        _(
            "Next year the standing committee will keep the evaluation going, use its results, and "
            "press the units to solve the problems the deputies raise."
        )
    )
    doc.paragraph(_("We submit this report for your review."))
    doc.signature(authority, cn_date(today))
    return bytes(doc)


def _summary(part: Part, columns: Sequence[Column]) -> str:
    totals = [s.total for s in part.scores]
    average = sum(totals, Decimal(0)) / len(totals) if totals else Decimal(0)
    return _(
        "“{title}” ({scheme}, full marks {full}) ranked {n}; the average score is {average}, the "
        "highest {high} ({best}) and the lowest {low} ({last})."
    ).format(
        title=part.evaluation.title,
        scheme=part.evaluation.scheme.name,
        full=number(full_marks(columns)),
        n=len(totals),
        average=number(average),
        high=number(totals[0]) if totals else "—",
        best=part.scores[0].name if totals else "—",
        low=number(totals[-1]) if totals else "—",
        last=part.scores[-1].name if totals else "—",
    )


CN_NUMERALS = "一二三四五六七八九十"


def cn_numeral(n: int) -> str:
    """一, 二, 三 … for the headings of a Chinese document; plain digits in other languages."""
    from django.utils.translation import get_language

    if (get_language() or "").startswith("zh") and 1 <= n <= len(CN_NUMERALS):
        return CN_NUMERALS[n - 1]
    return str(n)


# --- the rankings workbook --------------------------------------------------------------------


def rankings_filename(evaluation: Evaluation) -> str:
    return _("Rankings {year} {kind}.xlsx").format(
        year=evaluation.year, kind=evaluation.scheme.get_target_kind_display()
    )


def rankings_xlsx(evaluation: Evaluation, scores: Sequence[Score]) -> bytes:
    """Every score on one line: rank, name, total, then each indicator's value, base and
    points."""
    scores = list(scores)
    columns = columns_of(scores)
    headers = [_("Rank"), _("Name"), _("Score")]
    for column in columns:
        headers += [
            _("{indicator}: value").format(indicator=column.label),
            _("{indicator}: out of").format(indicator=column.label),
            _("{indicator}: points").format(indicator=column.label),
        ]

    def rows():
        for score in scores:
            lines = lines_by_metric(score)
            row = [score.rank, score.name, float(score.total)]
            for column in columns:
                line = lines.get(column.metric)
                if line is None:
                    row += ["", "", ""]
                else:
                    base = float(line.base) if line.base is not None else ""
                    row += [float(line.value), base, float(line.points)]
            yield row

    return build_xlsx(headers, rows(), title=str(evaluation.year))

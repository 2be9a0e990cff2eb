"""The annual report to constituents (代表向原选区选民述职报告) as a .docx, drafted from the duty
record: the facts are filled in, the closing section is left for the deputy to write."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.core.docx import OfficialDocument

from .duty import DutyRecord

EXAMPLES = 5  # items named in each section; the rest are counted


def cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _names(items, attr="title") -> str:
    return "；".join(f"“{getattr(item, attr)}”" for item in items[:EXAMPLES])


def report_filename(record: DutyRecord) -> str:
    return _("Annual report {year} {name}.docx").format(year=record.year, name=record.deputy.name)


def annual_report(record: DutyRecord) -> bytes:
    """The draft report of ``record.deputy`` for ``record.year``."""
    deputy = record.deputy
    doc = OfficialDocument()
    doc.title(
        _("Report of deputy {name} on performing the duties of a deputy in {year}").format(
            name=deputy.name, year=record.year
        )
    )
    doc.addressee(_("Dear constituents:"))
    levels = "、".join(str(m.get_level_display()) for m in record.mandates) or "—"
    doc.paragraph(
        _(
            "I am {name}, deputy to the people's congress ({levels}), of {town}. As a deputy I answer to you "
            "and report to you on what I did in {year}, and I ask for your comments and your supervision."
        ).format(
            name=deputy.name,
            levels=levels,
            town=deputy.town.name if deputy.town_id else "—",
            year=record.year,
        )
    )
    figures = record.summary()

    doc.heading(_("1. Taking part in the congress's activities"))
    kinds = "、".join(_("{kind} {n}").format(kind=label, n=n) for label, n in record.attended_by_kind)
    doc.paragraph(
        _(
            "In the year I took part in {attended} activities ({kinds}), including {trainings} trainings; "
            "I was on leave for {leave} and missed {missed}."
        ).format(
            attended=figures["activities_attended"],
            kinds=kinds or _("none"),
            trainings=figures["trainings_attended"],
            leave=figures["activities_on_leave"],
            missed=figures["activities_missed"],
        )
    )
    if record.materials_received:
        doc.paragraph(
            _("I received and studied the materials sent to deputies: {titles}.").format(
                titles=_names([r.material for r in record.materials_received])
            )
        )

    doc.heading(_("2. Listening to the people and raising their problems"))
    doc.paragraph(
        _(
            "I collected {clues} problem clues in villages and courtyards, led {led} suggestions and "
            "co-signed {cosigned}; {concluded} of them have been concluded and {implemented} implemented "
            "on the ground."
        ).format(
            clues=figures["clues_recorded"],
            led=figures["suggestions_led"],
            cosigned=figures["suggestions_cosigned"],
            concluded=figures["suggestions_concluded"],
            implemented=figures["suggestions_implemented"],
        )
    )
    for suggestion in record.suggestions[:EXAMPLES]:
        unit = suggestion.lead_unit.name if suggestion.lead_unit_id else _("not yet assigned")
        doc.paragraph(
            _("“{title}”: handled by {unit}; now {state}.").format(
                title=suggestion.title, unit=unit, state=suggestion.get_state_display()
            )
        )
    if len(record.suggestions) > EXAMPLES:
        doc.paragraph(_("and {n} more.").format(n=len(record.suggestions) - EXAMPLES))

    if record.mediation_cases:
        doc.heading(_("3. Helping to settle disputes"))
        clinics = "、".join(dict.fromkeys(case.clinic.name for case in record.mediation_cases))
        doc.paragraph(
            _(
                "As a mediator of {clinics} I took part in {n} cases, of which {resolved} were resolved."
            ).format(
                clinics=clinics, n=figures["mediation_cases"], resolved=figures["mediation_cases_resolved"]
            )
        )

    roles = [
        *(
            _("member of {organization} ({post})").format(
                organization=m.organization.name, post=m.role or "—"
            )
            for m in record.memberships
        ),
        *(_("head of the courtyard {courtyard}").format(courtyard=c.name) for c in record.courtyards_headed),
        *(_("head of {station}").format(station=s.name) for s in record.stations_headed),
    ]
    if roles:
        doc.heading(_("4. Serving where people live and work"))
        doc.paragraph(_("I served as {roles}.").format(roles="；".join(roles)))

    doc.heading(_("5. Shortcomings and what I will do next year"))
    doc.paragraph(_("(To be written by the deputy.)"))
    doc.signature(deputy.name, cn_date(timezone.localdate()))
    return bytes(doc)

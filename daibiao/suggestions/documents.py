"""The assignment letter (交办函): one per unit, as a .docx in the official-document style."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.core.docx import OfficialDocument

from .choices import UnitRole
from .models import Suggestion


def _cn_date(moment) -> str:
    day = timezone.localtime(moment).date() if hasattr(moment, "tzinfo") else moment
    return f"{day.year}年{day.month}月{day.day}日"


def assignment_letter(suggestion: Suggestion, assignment) -> bytes:
    """The letter that gives ``suggestion`` to ``assignment.unit``: what, from whom, its role
    (lead or co-handling), the deadlines, and how to reply."""
    county = suggestion.town.county.name if suggestion.town else ""
    authority = (
        _("{town} People's Congress Presidium").format(town=suggestion.town.name)
        if suggestion.tier in ("village", "town") and suggestion.town
        else _("{county} People's Congress Standing Committee, Deputies' Affairs Office").format(
            county=county
        )
    )
    assigned = suggestion.assigned_at or timezone.now()
    number = _("Letter No. {year}-{id}").format(year=timezone.localtime(assigned).year, id=suggestion.pk)
    doc = OfficialDocument(authority=authority, number=number)
    doc.title(_("Letter assigning the deputy suggestion “{title}”").format(title=suggestion.title))
    doc.addressee(_("{unit}:").format(unit=assignment.unit.name))
    role = _("the lead unit") if assignment.role == UnitRole.LEAD else _("a co-handling unit")
    doc.paragraph(
        _(
            "The suggestion below, raised by deputies during the deputy-action campaign, is assigned to your "
            "unit as {role}. Please acknowledge it within the time given, handle it carefully, keep in touch "
            "with the deputies, and reply in writing."
        ).format(role=role)
    )
    deputies = [suggestion.lead_deputy.name] if suggestion.lead_deputy else []
    deputies += [d.name for d in suggestion.co_signers.all()]
    rows = [
        (_("Suggestion no."), str(suggestion.pk)),
        (_("Title"), suggestion.title),
        (_("Deputies"), "、".join(deputies) or "—"),
        (_("Category"), suggestion.get_category_display()),
        (_("Your role"), str(assignment.get_role_display())),
        (_("Acknowledge by"), _cn_date(assignment.acknowledge_by)),
        (_("Reply by"), _cn_date(suggestion.deadline) if suggestion.deadline else "—"),
    ]
    if assignment.role == UnitRole.CO and assignment.opinion_by:
        rows.append((_("Opinion to the lead unit by"), _cn_date(assignment.opinion_by)))
    doc.table(rows)
    doc.heading(_("The suggestion"))
    for line in suggestion.content.splitlines():
        if line.strip():
            doc.paragraph(line.strip())
    doc.heading(_("Requirements"))
    doc.paragraph(
        _(
            "A unit that finds the item outside its remit returns it, with the reason, within 7 working days "
            "of assignment. The reply states its class: A solved or adopted; B being solved or planned; C "
            "cannot be solved for now, with the reasons; D kept for reference."
        )
    )
    doc.signature(authority, _cn_date(assigned))
    return bytes(doc)

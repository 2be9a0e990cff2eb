"""Every write of the leading group, its supervision, the towns' progress reports and the
oversight items (STYLE habit 1).

Each service runs in one transaction, checks the actor's scope (``actor=None`` is the
system: the demo loader, a command), and leaves its change-log rows through the audit
signals or, for conditional updates that send none, ``audit.write_entry``. A follow-up item
is closed by a conditional update, so of two people closing it at the same moment one does
it and the other is told (``Conflict``, HTTP 409).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.core import audit
from daibiao.core.errors import Conflict
from daibiao.core.errors import refusal as _refuse
from daibiao.core.errors import require as _require
from daibiao.core.files import cleanup_on_failure, store_files
from daibiao.core.models import ChangeAction
from daibiao.core.scoping import Action, can
from daibiao.core.services import delete_record, save_record

from .choices import GroupRole
from .models import (
    FollowUpItem,
    LeadingGroupMember,
    OversightItem,
    ProgressReport,
    ProgressReportFile,
    ReportRound,
    SupervisionVisit,
)


def _text(value) -> str:
    return (value or "").strip()


def _unique(rows) -> list:
    return list({row.pk: row for row in rows or ()}.values())


# --- the leading group ----------------------------------------------------------------------


def _check_towns(campaign, towns, actor) -> list:
    towns = _unique(towns)
    foreign = [t for t in towns if t.county_id != campaign.county_id]
    hidden = actor is not None and any(not can(actor, Action.VIEW, t) for t in towns)
    if foreign or hidden:
        raise ValidationError({"towns": _("Choose towns of the campaign's county.")})
    return towns


def add_member(
    campaign, user, *, actor, role: str = GroupRole.MEMBER, title: str = "", towns: Iterable = ()
) -> LeadingGroupMember:
    """Put ``user`` into the campaign's leading group, with a role, a title and the towns he
    or she answers for. Whoever may change the group's members (county staff) may; a person
    is in a campaign's group once."""
    if actor is not None and not can(actor, Action.VIEW, campaign):
        raise _refuse()
    if user.county_id != campaign.county_id:
        raise ValidationError({"user": _("Choose a person of the campaign's county.")})
    if LeadingGroupMember.objects.filter(campaign=campaign, user=user).exists():
        raise ValidationError({"user": _("This person is already in the leading group.")})
    member = LeadingGroupMember(campaign=campaign, user=user, role=role, title=_text(title))
    member.full_clean(exclude=["campaign", "user"], validate_unique=False)
    towns = _check_towns(campaign, towns, actor)
    with transaction.atomic(), audit.actor_bound(actor):
        try:
            with transaction.atomic():
                member.save()
        except IntegrityError as exc:  # a twin request added the same person first
            raise ValidationError({"user": _("This person is already in the leading group.")}) from exc
        # A member joins through its campaign: the new row must be one the actor may change.
        _require(actor, Action.CHANGE, member)
        if towns:
            member.towns.set(towns)
    return member


def update_member(
    member: LeadingGroupMember, *, actor, role: str, title: str = "", towns: Iterable | None = None
) -> LeadingGroupMember:
    """Change a member's role in the group and title and, when ``towns`` is given, the towns
    he or she answers for."""
    _require(actor, Action.CHANGE, member)
    member.role, member.title = role, _text(title)
    member.full_clean(exclude=["campaign", "user"], validate_unique=False)
    if towns is not None:
        towns = _check_towns(member.campaign, towns, actor)
    with transaction.atomic(), audit.actor_bound(actor):
        member.save(update_fields=["role", "title", "updated_at"])
        if towns is not None:
            member.towns.set(towns)
    return member


def assign_towns(member: LeadingGroupMember, towns: Iterable, *, actor) -> LeadingGroupMember:
    """Set the towns the member answers for (分片包干), replacing the earlier assignment."""
    _require(actor, Action.CHANGE, member)
    towns = _check_towns(member.campaign, towns, actor)
    with transaction.atomic(), audit.actor_bound(actor):
        member.towns.set(towns)
    return member


def remove_member(member: LeadingGroupMember, *, actor) -> None:
    """Take a member out of the group; refused while his or her visits are on record."""
    delete_record(member, actor=actor)


# --- supervision visits ---------------------------------------------------------------------


def _check_follow_up(text, owner, due_on) -> dict:
    errors = {}
    if not _text(text):
        errors["text"] = _("Say what is to be done.")
    if not _text(owner):
        errors["owner"] = _("Say who sees to it.")
    if due_on is None:
        errors["due_on"] = _("Give the day it is due.")
    if errors:
        raise ValidationError(errors)
    return {"text": _text(text), "owner": _text(owner), "due_on": due_on}


def record_visit(
    member: LeadingGroupMember,
    town,
    *,
    actor,
    visited_on: dt.date,
    findings: str,
    follow_ups: Sequence[dict] = (),
) -> SupervisionVisit:
    """Record a member's supervision visit to a town, with its follow-up items (dicts of
    ``text``, ``owner``, ``due_on``). County staff record anyone's; a member records his or
    her own, in the towns he or she answers for."""
    if actor is not None and not can(actor, Action.VIEW, member):
        raise _refuse()
    if visited_on and visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("The visit cannot be in the future.")})
    visit = SupervisionVisit(
        campaign=member.campaign,
        member=member,
        town=town,
        visited_on=visited_on,
        findings=_text(findings),
        recorded_by=actor,
    )
    visit.full_clean()
    items = [_check_follow_up(f.get("text"), f.get("owner"), f.get("due_on")) for f in follow_ups]
    with transaction.atomic(), audit.actor_bound(actor):
        visit.save()
        # Where it now stands it must be the actor's to add: own visit, assigned town.
        if actor is not None and not can(actor, Action.ADD, visit):
            raise PermissionDenied(_("You may record visits only as yourself, in the towns you answer for."))
        for item in items:
            FollowUpItem.objects.create(visit=visit, **item)
    return visit


def delete_visit(visit: SupervisionVisit, *, actor) -> None:
    """Delete a visit recorded by mistake (county staff), its follow-up items with it."""
    delete_record(visit, actor=actor)


def add_follow_up(visit: SupervisionVisit, *, actor, text: str, owner: str, due_on: dt.date) -> FollowUpItem:
    """Add a follow-up item to a visit: whoever may change the visit may."""
    _require(actor, Action.CHANGE, visit)
    values = _check_follow_up(text, owner, due_on)
    with transaction.atomic(), audit.actor_bound(actor):
        return FollowUpItem.objects.create(visit=visit, **values)


def close_follow_up(
    item: FollowUpItem, *, actor, done_on: dt.date | None = None, note: str = ""
) -> FollowUpItem:
    """Mark a follow-up item done on ``done_on`` (default today). Two closings at once make
    one: the second finds it closed and is told (``Conflict``)."""
    _require(actor, Action.CHANGE, item)
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The day it was done cannot be in the future.")})
    if done_on < item.visit.visited_on:
        raise ValidationError({"done_on": _("It cannot have been done before the visit.")})
    note = _text(note)
    with transaction.atomic(), audit.actor_bound(actor):
        changed = FollowUpItem.objects.filter(pk=item.pk, done_on__isnull=True).update(
            done_on=done_on, done_note=note, closed_by=actor, updated_at=timezone.now()
        )
        if changed != 1:
            raise Conflict(_("This item has already been closed. Reload the page to see it."))
        item.done_on, item.done_note, item.closed_by = done_on, note, actor
        # ``update`` sends no signals: the change-log row is written here.
        audit.write_entry(
            item,
            ChangeAction.STATE,
            {"done_on": [None, done_on.isoformat()], "done_note": ["", note]},
        )
    return item


# --- progress reports -----------------------------------------------------------------------


def create_round(campaign, *, actor, title: str, due_on: dt.date) -> ReportRound:
    """Add one report round to the campaign: every town of its county reports by ``due_on``."""
    if actor is not None and not can(actor, Action.VIEW, campaign):
        raise _refuse()
    report_round = ReportRound(campaign=campaign, title=_text(title), due_on=due_on)
    report_round.full_clean(exclude=["campaign"], validate_unique=False)
    if ReportRound.objects.filter(campaign=campaign, due_on=due_on).exists():
        raise ValidationError({"due_on": _("The campaign already has a round due that day.")})
    try:
        return save_record(report_round, actor=actor)
    except IntegrityError as exc:
        raise ValidationError({"due_on": _("The campaign already has a round due that day.")}) from exc


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, kept within the month (31 Jan → 28 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def schedule_rounds(campaign, first_due: dt.date, months: int, *, actor) -> list[ReportRound]:
    """Monthly rounds: ``months`` of them, the first due ``first_due``, each next a month
    later. Safe to run twice: a due day the campaign already has is left as it is. Returns
    the rounds created now."""
    if actor is not None and not can(actor, Action.VIEW, campaign):
        raise _refuse()
    if not 1 <= months <= 24:
        raise ValidationError({"months": _("Schedule between 1 and 24 monthly rounds.")})
    created = []
    with transaction.atomic(), audit.actor_bound(actor):
        taken = set(ReportRound.objects.filter(campaign=campaign).values_list("due_on", flat=True))
        for k in range(months):
            due_on = add_months(first_due, k)
            if due_on in taken:
                continue
            title = _("Progress report, {year}, month {month}").format(year=due_on.year, month=due_on.month)
            created.append(
                save_record(ReportRound(campaign=campaign, title=title, due_on=due_on), actor=actor)
            )
    return created


def submit_report(
    report_round: ReportRound, town, *, actor, text: str, files: Iterable = ()
) -> ProgressReport:
    """Hand in a town's report for a round, or revise it if it is in already. The first
    hand-in's time decides on time or late; a revision replaces the text, adds files, and is
    audited. A town's staff hand in their own town's; county staff any town's of the county."""
    if actor is not None and not can(actor, Action.VIEW, report_round):
        raise _refuse()
    if town.county_id != report_round.campaign.county_id:
        raise ValidationError({"town": _("The town is not in the campaign's county.")})
    text = _text(text)
    if not text:
        raise ValidationError({"text": _("Write the report.")})
    files = list(files)
    existing = ProgressReport.objects.filter(round=report_round, town=town).first()
    if existing is not None:
        return revise_report(existing, actor=actor, text=text, files=files)
    with audit.actor_bound(actor), cleanup_on_failure():
        try:
            with transaction.atomic():
                report = ProgressReport.objects.create(
                    round=report_round, town=town, text=text, submitted_at=timezone.now(), submitted_by=actor
                )
                # A report is handed in by whoever may revise it (see ``models``).
                _require(actor, Action.CHANGE, report)
                store_files(ProgressReportFile, files, actor=actor, report=report)
                return report
        except IntegrityError:  # a twin hand-in made it first: this one revises it
            existing = ProgressReport.objects.get(round=report_round, town=town)
    return revise_report(existing, actor=actor, text=text, files=files)


def revise_report(report: ProgressReport, *, actor, text: str, files: Iterable = ()) -> ProgressReport:
    """Replace a report's text and add files; ``submitted_at`` stays the first hand-in's."""
    _require(actor, Action.CHANGE, report)
    text = _text(text)
    if not text:
        raise ValidationError({"text": _("Write the report.")})
    with transaction.atomic(), audit.actor_bound(actor), cleanup_on_failure():
        report.text, report.revised_at = text, timezone.now()
        report.save(update_fields=["text", "revised_at", "updated_at"])
        rows = store_files(ProgressReportFile, list(files), actor=actor, report=report)
        if rows:
            audit.write_entry(report, ChangeAction.UPDATE, {"files": {"added": [r.name for r in rows]}})
    return report


# --- oversight items ------------------------------------------------------------------------


def propose_oversight_item(
    suggestions: Iterable,
    title: str,
    *,
    actor,
    year: int,
    committee: str,
    subject: str = "",
    units: Iterable = (),
    clues: Iterable = (),
    county=None,
) -> OversightItem:
    """Propose an oversight item drawing on ``suggestions`` (and their clues, and any other
    ``clues`` given), overseeing ``units``. The county is the actor's (or ``county`` for the
    system). Every record named must be of that county and visible to the actor."""
    county_id = getattr(county, "pk", None) or getattr(actor, "county_id", None)
    suggestions, units, clues = _unique(suggestions), _unique(units), _unique(clues)
    if county_id is None and suggestions:
        county_id = suggestions[0].county_id
    item = OversightItem(
        county_id=county_id,
        year=year,
        title=_text(title),
        committee=committee,
        subject=_text(subject),
        created_by=actor,
    )
    item.full_clean()
    errors = {}
    for field, rows in (("suggestions", suggestions), ("units", units), ("clues", clues)):
        foreign = any(row.county_id != county_id for row in rows)
        hidden = actor is not None and any(not can(actor, Action.VIEW, row) for row in rows)
        if foreign or hidden:
            errors[field] = _("Choose among the records of your county.")
    if errors:
        raise ValidationError(errors)
    from daibiao.suggestions.models import Clue

    drawn = list(Clue.objects.filter(suggestion__in=[s.pk for s in suggestions]))
    with transaction.atomic(), audit.actor_bound(actor):
        item.save()
        _require(actor, Action.ADD, item)
        if suggestions:
            item.suggestions.set(suggestions)
        if units:
            item.units.set(units)
        all_clues = _unique([*clues, *drawn])
        if all_clues:
            item.clues.set(all_clues)
    return item

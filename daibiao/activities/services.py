"""Every write of the campaign side (STYLE habit 1): campaigns and town plans, activities,
invitations, attendance and the QR sign-in, materials and their receipts, media articles.

Each service runs in one transaction, checks the actor's scope (``actor=None`` is the system:
the demo loader, a command), and leaves its change-log rows attributed to the actor. Refusals
are Django's ``PermissionDenied`` (403) and ``ValidationError`` (400, with field errors); the
views and the API turn them into messages and JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role
from daibiao.core import audit
from daibiao.core.errors import refusal as _denied
from daibiao.core.errors import require as _check
from daibiao.core.files import CheckedFile, cleanup_on_failure, store_files
from daibiao.core.models import ChangeLog
from daibiao.core.scoping import Action
from daibiao.core.services import save_record
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy

from .choices import AttendanceStatus, ReceiptMethod, ReceiptStatus, SignInMethod
from .models import (
    Activity,
    ActivityFile,
    Attendance,
    Campaign,
    CampaignFile,
    CampaignPlan,
    CampaignPlanFile,
    Material,
    MaterialFile,
    MaterialReceipt,
    MediaArticle,
)

CAMPAIGN_FIELDS = ("theme", "requirement", "starts_on", "ends_on", "town_plans_due_on")
ACTIVITY_FIELDS = (
    "name",
    "kind",
    "at_meeting",
    "campaign",
    "town",
    "station",
    "group",
    "starts_at",
    "ends_at",
    "place",
    "minutes",
)


class SignInRefused(Exception):
    """Why a QR sign-in was refused: ``code`` for programs, ``message`` for the deputy."""

    def __init__(self, code: str, message: str, *, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _set_fields(obj, fields: dict, allowed: Sequence[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(obj, name, value)


# --- campaigns and plans ------------------------------------------------------------------


def create_campaign(*, actor, county=None, documents: Iterable[CheckedFile] = (), **fields) -> Campaign:
    """A new campaign of the actor's county (county staff), with the county plan's documents."""
    county_id = getattr(county, "pk", None) or getattr(actor, "county_id", None)
    campaign = Campaign(county_id=county_id)
    _set_fields(campaign, fields, CAMPAIGN_FIELDS)
    campaign.full_clean()
    with transaction.atomic(), audit.actor_bound(actor), cleanup_on_failure():
        save_record(campaign, actor=actor)
        store_files(CampaignFile, documents, actor=actor, campaign=campaign)
    return campaign


def update_campaign(
    campaign: Campaign, *, actor, documents: Iterable[CheckedFile] = (), **fields
) -> Campaign:
    """Change a campaign's theme, period, requirement or due date, and add plan documents."""
    _check(actor, Action.CHANGE, campaign)
    _set_fields(campaign, fields, CAMPAIGN_FIELDS)
    campaign.full_clean()
    with transaction.atomic(), audit.actor_bound(actor), cleanup_on_failure():
        save_record(campaign, actor=actor)
        store_files(CampaignFile, documents, actor=actor, campaign=campaign)
    return campaign


def submit_town_plan(
    campaign: Campaign, town, *, actor, summary: str, documents: Iterable[CheckedFile] = ()
) -> CampaignPlan:
    """Hand in (or revise) a town's plan for the campaign: its staff, for their own town.

    The first hand-in's time decides on time or late; a revision replaces the summary and adds
    documents. Two hand-ins at the same moment make one plan (the unique constraint decides)."""
    if (
        actor is not None
        and not Campaign.objects.restrict(actor, Action.VIEW).filter(pk=campaign.pk).exists()
    ):
        raise _denied()
    if town.county_id != campaign.county_id:
        raise ValidationError({"town": [_("The town is not in the campaign's county.")]})
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": [_("Summarise the town's plan.")]})
    documents = list(documents)
    with audit.actor_bound(actor), cleanup_on_failure():
        plan = CampaignPlan.objects.filter(campaign=campaign, town=town).first()
        if plan is None:
            try:
                with transaction.atomic():
                    plan = CampaignPlan(
                        campaign=campaign,
                        town=town,
                        summary=summary,
                        submitted_at=timezone.now(),
                        submitted_by=actor,
                    )
                    save_record(plan, actor=actor)
                    store_files(CampaignPlanFile, documents, actor=actor, plan=plan)
                    return plan
            except IntegrityError:
                plan = CampaignPlan.objects.get(campaign=campaign, town=town)
        with transaction.atomic():
            plan.summary = summary
            save_record(plan, actor=actor, update_fields=["summary", "updated_at"])
            store_files(CampaignPlanFile, documents, actor=actor, plan=plan)
    return plan


# --- activities ---------------------------------------------------------------------------


def create_activity(
    *,
    actor,
    county=None,
    files: Iterable[CheckedFile] = (),
    invitees: Iterable[Deputy] = (),
    **fields,
) -> Activity:
    """A new activity organised within the actor's reach (the county, their town, their
    station), with its files and, optionally, the deputies invited."""
    activity = Activity(created_by=actor)
    _set_fields(activity, fields, ACTIVITY_FIELDS)
    activity.fill_derived()
    if not activity.county_id:
        # Organised by the county itself: the county given, or the author's.
        activity.county_id = getattr(county, "pk", None) or getattr(actor, "county_id", None)
    if not activity.county_id:
        raise ValidationError({"town": [_("Say which county, town, station or group organises it.")]})
    activity.full_clean()
    with transaction.atomic(), audit.actor_bound(actor), cleanup_on_failure():
        save_record(activity, actor=actor)
        store_files(ActivityFile, files, actor=actor, activity=activity)
        invitees = list(invitees)
        if invitees:
            invite_deputies(activity, invitees, actor=actor)
    return activity


def update_activity(activity: Activity, *, actor, files: Iterable[CheckedFile] = (), **fields) -> Activity:
    """Change an activity's details, minutes and organiser (within the actor's reach), and
    add photos or documents."""
    _check(actor, Action.CHANGE, activity)
    _set_fields(activity, fields, ACTIVITY_FIELDS)
    activity.full_clean()
    with transaction.atomic(), audit.actor_bound(actor), cleanup_on_failure():
        save_record(activity, actor=actor)
        store_files(ActivityFile, files, actor=actor, activity=activity)
    return activity


def add_activity_files(activity: Activity, *, actor, files: Iterable[CheckedFile]) -> list[ActivityFile]:
    """Photos or documents (minutes, sign-in sheets) for an activity."""
    _check(actor, Action.CHANGE, activity)
    with transaction.atomic(), audit.actor_bound(actor), cleanup_on_failure():
        return store_files(ActivityFile, files, actor=actor, activity=activity)


def area_deputies(activity: Activity):
    """The serving deputies of the organiser's area: its group, station, town or county."""
    deputies = Deputy.objects.filter(county_id=activity.county_id, status=DeputyStatus.SERVING)
    if activity.group_id:
        return deputies.filter(group_id=activity.group_id)
    if activity.station_id:
        return deputies.filter(station_id=activity.station_id)
    if activity.town_id:
        return deputies.filter(town_id=activity.town_id)
    return deputies


def _deputies_for(activity: Activity, deputies, actor) -> list[int]:
    """The ids of ``deputies``, refused unless each is of the activity's county and within
    the actor's reach."""
    ids = {d.pk if isinstance(d, Deputy) else int(d) for d in deputies}
    if not ids:
        return []
    allowed = Deputy.objects.filter(pk__in=ids, county_id=activity.county_id)
    if actor is not None:
        allowed = allowed.restrict(actor, Action.VIEW)
    found = set(allowed.values_list("pk", flat=True))
    if found != ids:
        raise ValidationError({"deputies": [_("Some of these deputies are outside your reach.")]})
    return sorted(ids)


def _bulk_create(rows: list[Attendance]) -> None:
    Attendance.objects.bulk_create(rows, batch_size=500)
    # bulk_create sends no signals: the change log gets its rows here, in the same transaction.
    ChangeLog.objects.bulk_create(audit.bulk_entries(rows, "create"), batch_size=500)


def invite_deputies(activity: Activity, deputies, *, actor) -> int:
    """Invite deputies to an activity (all 1,046 at once if need be); those invited already
    are left as they are. Returns how many were newly invited."""
    _check(actor, Action.CHANGE, activity)
    ids = _deputies_for(activity, deputies, actor)
    with transaction.atomic(), audit.actor_bound(actor):
        known = set(
            Attendance.objects.filter(activity=activity, deputy_id__in=ids).values_list(
                "deputy_id", flat=True
            )
        )
        rows = [
            Attendance(activity=activity, deputy_id=pk, recorded_by=actor) for pk in ids if pk not in known
        ]
        _bulk_create(rows)
    return len(rows)


def record_attendance(activity: Activity, entries: Iterable[dict], *, actor) -> int:
    """Staff tick the list: each entry is ``{"deputy", "status", "leave_reason"}``. A deputy not
    yet on the list joins it (uninvited). Present means signed in now unless already; leave
    needs a reason. Returns how many rows changed."""
    _check(actor, Action.CHANGE, activity)
    entries = list(entries)
    errors = []
    for entry in entries:
        status = entry.get("status")
        if status not in AttendanceStatus.values:
            errors.append(_("Unknown attendance status “{status}”.").format(status=status))
        if status == AttendanceStatus.LEAVE and not (entry.get("leave_reason") or "").strip():
            errors.append(_("Give the reason for leave of {deputy}.").format(deputy=entry.get("deputy")))
    if errors:
        raise ValidationError({"entries": errors})
    ids = _deputies_for(activity, [e["deputy"] for e in entries], actor)
    if len(ids) != len(entries):
        raise ValidationError({"entries": [_("Each deputy may appear once.")]})
    now = timezone.now()
    changed = 0
    with transaction.atomic(), audit.actor_bound(actor):
        # The change log names each row by its activity and deputy: fetch them with the rows.
        existing = {
            a.deputy_id: a
            for a in Attendance.objects.filter(activity=activity, deputy_id__in=ids).select_related(
                "activity", "deputy"
            )
        }
        new_rows = []
        for entry in entries:
            deputy_id = entry["deputy"].pk if isinstance(entry["deputy"], Deputy) else int(entry["deputy"])
            status = entry["status"]
            reason = (entry.get("leave_reason") or "").strip() if status == AttendanceStatus.LEAVE else ""
            row = existing.get(deputy_id)
            if row is None:
                row = Attendance(activity=activity, deputy_id=deputy_id, invited=False)
                new_rows.append(row)
            elif row.status == status and row.leave_reason == reason:
                continue
            row.status, row.leave_reason, row.recorded_by = status, reason, actor
            if status == AttendanceStatus.PRESENT:
                row.signed_in_at = row.signed_in_at or now
                row.method = row.method or SignInMethod.STAFF
            else:
                row.signed_in_at, row.method = None, ""
            if row.pk:
                row.save(
                    update_fields=[
                        "status",
                        "leave_reason",
                        "recorded_by",
                        "signed_in_at",
                        "method",
                        "updated_at",
                    ]
                )
            changed += 1
        _bulk_create(new_rows)
    return changed


def sign_in_by_qr(token: str, *, actor, now=None) -> tuple[Attendance, bool]:
    """A deputy signs in to an activity with its QR code, on his or her own phone, logged in.

    Only a deputy's login may; the code works from shortly before the start until a grace
    period after the end (``Activity.qr_window``). A deputy of the activity's county who was
    not invited may sign in too, and is recorded present as uninvited: people come, and the
    record should say so. Signing in twice changes nothing. Returns the attendance and
    whether this call signed the deputy in."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated or Role.DEPUTY not in actor.roles or not actor.deputy_id:
        raise SignInRefused("not_deputy", _("Only a deputy can sign in with the QR code."), status=403)
    activity = Activity.objects.filter(qr_token=token or "").select_related("county").first()
    if activity is None:
        raise SignInRefused("unknown", _("This sign-in code is not valid."), status=404)
    deputy = actor.deputy
    if deputy.county_id != activity.county_id:
        raise SignInRefused("other_county", _("This activity belongs to another county."), status=403)
    opens, closes = activity.qr_window()
    if now < opens:
        raise SignInRefused(
            "not_open",
            _("Sign-in opens at {time}.").format(time=timezone.localtime(opens).strftime("%Y-%m-%d %H:%M")),
        )
    if now > closes:
        raise SignInRefused(
            "expired",
            _("Sign-in for this activity closed at {time}.").format(
                time=timezone.localtime(closes).strftime("%Y-%m-%d %H:%M")
            ),
        )
    with transaction.atomic(), audit.actor_bound(actor):
        row = Attendance.objects.filter(activity=activity, deputy=deputy).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = Attendance.objects.create(
                        activity=activity,
                        deputy=deputy,
                        invited=False,
                        status=AttendanceStatus.PRESENT,
                        signed_in_at=now,
                        method=SignInMethod.QR,
                        recorded_by=actor,
                    )
                    return row, True
            except IntegrityError:  # the same deputy, signing in twice at once
                row = Attendance.objects.get(activity=activity, deputy=deputy)
        if row.status == AttendanceStatus.PRESENT:
            return row, False
        # Conditional: of two taps at once exactly one moves the row.
        moved = (
            Attendance.objects.filter(pk=row.pk)
            .exclude(status=AttendanceStatus.PRESENT)
            .update(
                status=AttendanceStatus.PRESENT,
                leave_reason="",
                signed_in_at=now,
                method=SignInMethod.QR,
                recorded_by=actor,
                updated_at=now,
            )
        )
        before = audit.snapshot(row)
        row.refresh_from_db()
        if moved:
            audit.write_entry(row, "update", audit.diff(before, audit.snapshot(row)), note="QR sign-in")
        return row, bool(moved)


# --- materials ----------------------------------------------------------------------------


def create_material(
    *, actor, title: str, county=None, campaign=None, description: str = "", files: Iterable[CheckedFile] = ()
) -> Material:
    """A new material of the county (county staff), such as the handbook, with its files."""
    material = Material(
        county_id=getattr(county, "pk", None) or getattr(actor, "county_id", None),
        campaign=campaign,
        title=title,
        description=description,
        created_by=actor,
    )
    material.full_clean()
    with transaction.atomic(), audit.actor_bound(actor), cleanup_on_failure():
        save_record(material, actor=actor)
        store_files(MaterialFile, files, actor=actor, material=material)
    return material


def send_material(material: Material, deputies, *, actor) -> int:
    """Send a material to deputies (all 1,046 at once if need be): a pending receipt for each
    one not sent it yet. Returns how many were newly sent."""
    _check(actor, Action.CHANGE, material)
    ids = {d.pk if isinstance(d, Deputy) else int(d) for d in deputies}
    reachable = Deputy.objects.filter(pk__in=ids, county_id=material.county_id)
    if actor is not None:
        reachable = reachable.restrict(actor, Action.VIEW)
    if set(reachable.values_list("pk", flat=True)) != ids:
        raise ValidationError({"deputies": [_("Some of these deputies are outside your reach.")]})
    with transaction.atomic(), audit.actor_bound(actor):
        known = set(
            MaterialReceipt.objects.filter(material=material, deputy_id__in=ids).values_list(
                "deputy_id", flat=True
            )
        )
        rows = [MaterialReceipt(material=material, deputy_id=pk) for pk in sorted(ids - known)]
        MaterialReceipt.objects.bulk_create(rows, batch_size=500)
        ChangeLog.objects.bulk_create(audit.bulk_entries(rows, "create"), batch_size=500)
    return len(rows)


def _mark_received(receipts, *, actor, method: str) -> int:
    """Pending receipts → received, by one conditional update (two clerks recording the same
    deputy at once record one receipt), with a change-log row for each receipt moved."""
    now = timezone.now()
    pending = list(receipts.filter(status=ReceiptStatus.PENDING).values_list("pk", flat=True))
    moved = MaterialReceipt.objects.filter(pk__in=pending, status=ReceiptStatus.PENDING).update(
        status=ReceiptStatus.RECEIVED,
        received_at=now,
        method=method,
        recorded_by=actor,
        updated_at=now,
    )
    changed = MaterialReceipt.objects.filter(pk__in=pending, received_at=now, recorded_by=actor)
    entries = []
    for row in changed:
        entry = audit.bulk_entries([row], "update")[0]
        entry.changes = {
            "status": [ReceiptStatus.PENDING, ReceiptStatus.RECEIVED],
            "method": ["", method],
            "received_at": [None, now.isoformat()],
        }
        entries.append(entry)
    ChangeLog.objects.bulk_create(entries, batch_size=500)
    return moved


def confirm_receipt(material: Material, *, actor) -> MaterialReceipt:
    """A deputy confirms in the app that he or she has received the material; again changes
    nothing. Only for a material sent to that deputy."""
    if actor is None or not actor.deputy_id or Role.DEPUTY not in actor.roles:
        raise PermissionDenied(_("Only the deputy it was sent to can confirm receiving it."))
    receipts = MaterialReceipt.objects.filter(material=material, deputy_id=actor.deputy_id)
    if not receipts.exists():
        raise PermissionDenied(_("This material was not sent to you."))
    with transaction.atomic(), audit.actor_bound(actor):
        _mark_received(receipts, actor=actor, method=ReceiptMethod.CONFIRMED)
    return receipts.get()


def record_receipt(material: Material, deputies, *, actor) -> int:
    """Staff record that deputies received the material (in bulk): the county's staff for
    anyone, a town's staff for their town's deputies. Returns how many were recorded now."""
    ids = {d.pk if isinstance(d, Deputy) else int(d) for d in deputies}
    if not ids:
        raise ValidationError({"deputies": [_("Choose the deputies who received it.")]})
    receipts = MaterialReceipt.objects.filter(material=material, deputy_id__in=ids)
    if actor is not None:
        if not Material.objects.restrict(actor).filter(pk=material.pk).exists():
            raise _denied()
        receipts = receipts.restrict(actor, Action.CHANGE)
    if set(receipts.values_list("deputy_id", flat=True)) != ids:
        raise ValidationError(
            {"deputies": [_("Some of these deputies were not sent the material, or are outside your reach.")]}
        )
    with transaction.atomic(), audit.actor_bound(actor):
        return _mark_received(receipts, actor=actor, method=ReceiptMethod.RECORDED)


# --- media articles -----------------------------------------------------------------------

MEDIA_FIELDS = ("title", "outlet", "level", "published_on", "url")


def _media_links(article: MediaArticle, deputies, activities, actor) -> None:
    for name, model, chosen in (("deputies", Deputy, deputies), ("activities", Activity, activities)):
        if chosen is None:
            continue
        chosen = list(chosen)
        allowed = model.objects.filter(pk__in=[c.pk for c in chosen], county_id=article.county_id)
        if actor is not None:
            allowed = allowed.restrict(actor, Action.VIEW)
        if allowed.count() != len({c.pk for c in chosen}):
            raise ValidationError({name: [_("Some of these are outside your reach.")]})
        getattr(article, name).set(chosen)


def save_media_article(
    article: MediaArticle | None = None, *, actor, deputies=None, activities=None, **fields
) -> MediaArticle:
    """Record a media article about the campaign, or change one (county staff), with the
    deputies and activities it covers."""
    if article is None:
        article = MediaArticle(county_id=getattr(actor, "county_id", None))
        if "county" in fields:
            article.county = fields.pop("county")
    else:
        _check(actor, Action.CHANGE, article)
    _set_fields(article, fields, MEDIA_FIELDS)
    article.full_clean()
    with transaction.atomic(), audit.actor_bound(actor):
        save_record(article, actor=actor)
        _media_links(article, deputies, activities, actor)
    return article

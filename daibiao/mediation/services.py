"""Every write of the law clinics and their cases (STYLE habit 1).

Each service runs in one transaction, checks the actor's scope (``actor=None`` is the system:
the demo loader, a command), and leaves its change-log rows. The outcome of a case changes by
a conditional update on the outcome the caller last saw, so of two people closing a case at
the same moment one succeeds and the other is told (``Conflict``, HTTP 409).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.core import audit
from daibiao.core.errors import Conflict
from daibiao.core.errors import require as _require
from daibiao.core.files import cleanup_on_failure, store_files
from daibiao.core.models import ChangeAction
from daibiao.core.scoping import Action, can
from daibiao.core.services import delete_record, save_record
from daibiao.registry.models import Deputy

from .choices import CLOSED_OUTCOMES
from .models import LawClinic, MediationAgreement, MediationCase

# The fields of a case that ``update_case`` may change (not its clinic, number or outcome).
CASE_FIELDS = (
    "dispute_type",
    "party_a_name",
    "party_a_phone",
    "party_b_name",
    "party_b_phone",
    "summary",
    "received_on",
)


def _plain(values: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}


def _deputies(deputies: Iterable[Deputy] | None) -> list[Deputy]:
    return list({d.pk: d for d in deputies or ()}.values())


# --- law clinics --------------------------------------------------------------------------


def save_clinic(clinic: LawClinic, *, actor, mediators: Iterable[Deputy] | None = None) -> LawClinic:
    """Create or update a law clinic; ``mediators`` (when given) replace its mediators, who
    must be deputies of the clinic's county whom the actor may see."""
    with transaction.atomic(), audit.actor_bound(actor):
        clinic.full_clean()
        save_record(clinic, actor=actor)
        if mediators is not None:
            mediators = _deputies(mediators)
            foreign = [d for d in mediators if d.county_id != clinic.town.county_id]
            hidden = actor is not None and any(not can(actor, Action.VIEW, d) for d in mediators)
            if foreign or hidden:
                raise ValidationError({"mediators": _("Choose mediators among the county's deputies.")})
            clinic.mediators.set(mediators)
    return clinic


# --- cases --------------------------------------------------------------------------------


def _check_dates(received_on, closed_on=None) -> None:
    today = timezone.localdate()
    if received_on and received_on > today:
        raise ValidationError({"received_on": _("The date received cannot be in the future.")})
    if closed_on is not None:
        if closed_on > today:
            raise ValidationError({"closed_on": _("The closing date cannot be in the future.")})
        if received_on and closed_on < received_on:
            raise ValidationError({"closed_on": _("A case cannot be closed before it was received.")})


def _check_mediators(case: MediationCase, mediators: list[Deputy]) -> None:
    allowed = set(case.clinic.mediators.values_list("pk", flat=True))
    if any(d.pk not in allowed for d in mediators):
        raise ValidationError({"mediators": _("Each mediator of a case must be a mediator of its clinic.")})


def _next_number(clinic, year: int) -> int:
    """The clinic's next free number for ``year`` (as read now: a concurrent case may take it)."""
    taken = MediationCase.objects.filter(clinic=clinic, year=year).aggregate(n=Max("number"))["n"]
    return (taken or 0) + 1


def open_case(
    *,
    actor,
    clinic: LawClinic,
    dispute_type: str,
    party_a_name: str,
    summary: str,
    party_a_phone: str = "",
    party_b_name: str = "",
    party_b_phone: str = "",
    received_on=None,
    mediators: Iterable[Deputy] = (),
) -> MediationCase:
    """Register a dispute brought to ``clinic``. It gets the clinic's next number of the year
    it was received in (2026-001, 2026-002 …); the number is unique per clinic and year, and
    two cases opened at the same moment get two numbers."""
    _require(actor, Action.VIEW, clinic)
    received_on = received_on or timezone.localdate()
    _check_dates(received_on)
    case = MediationCase(
        clinic=clinic,
        dispute_type=dispute_type,
        party_a_name=(party_a_name or "").strip(),
        party_a_phone=(party_a_phone or "").strip(),
        party_b_name=(party_b_name or "").strip(),
        party_b_phone=(party_b_phone or "").strip(),
        summary=(summary or "").strip(),
        received_on=received_on,
        year=received_on.year,
        number=1,
        recorded_by=actor,
    )
    mediators = _deputies(mediators)
    case.full_clean(exclude=["number"])
    _check_mediators(case, mediators)
    with transaction.atomic(), audit.actor_bound(actor):
        for attempt in range(5):
            case.number = _next_number(clinic, case.year)
            try:
                with transaction.atomic():  # a savepoint: a concurrent twin took the number
                    case.save()
                break
            except IntegrityError:
                case.pk = None
                case._state.adding = True
                if attempt == 4:
                    raise
        # Within the actor's reach where it now stands (else the whole write is undone).
        _require(actor, Action.ADD, case)
        if mediators:
            case.mediators.set(mediators)
    return case


def update_case(case: MediationCase, *, actor, mediators: Iterable[Deputy] | None = None, **fields):
    """Correct a case's details (``CASE_FIELDS``) and, when given, its mediators. The clinic,
    number and outcome are not changed here."""
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise ValueError(f"update_case cannot change {sorted(unknown)}")
    _require(actor, Action.CHANGE, case)
    for name, value in fields.items():
        setattr(case, name, value.strip() if isinstance(value, str) else value)
    _check_dates(case.received_on, case.closed_on)
    case.full_clean()
    with transaction.atomic(), audit.actor_bound(actor):
        if fields:
            case.save(update_fields=[*fields, "updated_at"])
        if mediators is not None:
            mediators = _deputies(mediators)
            _check_mediators(case, mediators)
            case.mediators.set(mediators)
    return case


def record_outcome(
    case: MediationCase,
    *,
    actor,
    outcome: str,
    closed_on=None,
    note: str = "",
    files: Sequence = (),
    expected: str | None = None,
) -> MediationCase:
    """Close a case with its outcome (resolved, not resolved, referred) and date, optionally
    with the agreement; or correct the outcome of a closed one. ``expected`` is the outcome
    the caller saw (default: ``case.outcome`` as loaded): if it has changed meanwhile, nothing
    is written and ``Conflict`` says so."""
    if outcome not in CLOSED_OUTCOMES:
        raise ValidationError({"outcome": _("Choose how the case ended.")})
    _require(actor, Action.CHANGE, case)
    closed_on = closed_on or timezone.localdate()
    _check_dates(case.received_on, closed_on)
    expected = case.outcome if expected is None else expected
    note = (note or "").strip()
    before = {"outcome": expected, "closed_on": case.closed_on, "outcome_note": case.outcome_note}
    with transaction.atomic(), audit.actor_bound(actor), cleanup_on_failure():
        changed = MediationCase.objects.filter(pk=case.pk, outcome=expected).update(
            outcome=outcome, closed_on=closed_on, outcome_note=note, updated_at=timezone.now()
        )
        if changed != 1:
            raise Conflict(
                _("Someone else has just recorded this case's outcome. Reload the page to see it.")
            )
        case.outcome, case.closed_on, case.outcome_note = outcome, closed_on, note
        after = {"outcome": outcome, "closed_on": closed_on, "outcome_note": note}
        # ``update`` sends no signals: the change-log row is written here.
        audit.write_entry(case, ChangeAction.STATE, audit.diff(_plain(before), _plain(after)))
        if files:
            _store_agreement(case, files, actor)
    return case


def attach_agreement(case: MediationCase, *, actor, files: Sequence) -> list[MediationAgreement]:
    """Keep the case's mediation agreement (PDF, Word, or a photo of the signed paper)."""
    _require(actor, Action.CHANGE, case)
    if not files:
        raise ValidationError({"files": _("Choose the agreement's file.")})
    with transaction.atomic(), audit.actor_bound(actor), cleanup_on_failure():
        return _store_agreement(case, files, actor)


def _store_agreement(case, files, actor) -> list[MediationAgreement]:
    rows = store_files(MediationAgreement, files, actor=actor, case=case)
    audit.write_entry(case, ChangeAction.UPDATE, {"agreements": {"added": [row.name for row in rows]}})
    return rows


def delete_case(case: MediationCase, *, actor) -> None:
    """Delete a case entered by mistake (staff only), its files with it."""
    delete_record(case, actor=actor)

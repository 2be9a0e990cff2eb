"""Who sees a case's parties in full, and what everyone else sees: the one helper that pages,
exports, the API and the change-log trail all use.

The parties' names and phone numbers (and the summary, which names them) are personal data.
They are shown in full to **the clinic's staff**: the administrator, county staff, the staff
of the clinic's town, and the clinic's mediators (deputies mediating there, or on the case).
Everyone else who may see the case (leaders, station heads) sees them masked: ``张*``,
``138****1234``, and the summary with those names and any number in it masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from daibiao.accounts.choices import Role
from daibiao.core.privacy import mask_name, mask_phone, redact

from .models import LawClinic, MediationCase

# Several people in one field: 张三、李四 / 张三,李四 / 138…；139…
_SEPARATORS = re.compile(r"(\s*[、,，;；/]\s*)")

# The fields that name the parties; the free-text ones (summary, how it ended) are redacted.
PERSONAL_FIELDS = (
    "party_a_name",
    "party_a_phone",
    "party_b_name",
    "party_b_phone",
    "summary",
    "outcome_note",
)


def _each(text: str, mask) -> str:
    parts = _SEPARATORS.split(text or "")
    return "".join(part if i % 2 else mask(part) for i, part in enumerate(parts))


def mask_names(text: str) -> str:
    """Every name in a field that may list several (``张三、李四`` → ``张*、李*``)."""
    return _each(text, mask_name)


def mask_phones(text: str) -> str:
    """Every phone number in a field that may list several."""
    return _each(text, mask_phone)


def _file_type(name) -> str:
    suffix = str(name).rpartition(".")[2] if "." in str(name) else ""
    return f"***.{suffix}" if suffix else "***"


def names_in(text: str) -> list[str]:
    return [part.strip() for part in _SEPARATORS.split(text or "")[::2] if part.strip()]


@dataclass(frozen=True)
class Parties:
    """What one viewer sees of a case's personal data."""

    a_name: str
    a_phone: str
    b_name: str
    b_phone: str
    summary: str
    note: str  # how it ended
    masked: bool


class PartyMasker:
    """For one user: whether each case's parties are shown in full, and the values to show.
    Reads the user's mediator clinics once (one query, only for deputies)."""

    def __init__(self, user):
        self.user = user
        roles = getattr(user, "roles", frozenset())
        self.everything = bool(
            getattr(user, "is_superuser", False) or Role.ADMIN in roles or Role.COUNTY_STAFF in roles
        )
        self.county_id = getattr(user, "county_id", None)
        self.town_id = getattr(user, "town_id", None) if Role.TOWN_STAFF in roles else None
        self.deputy_id = getattr(user, "deputy_id", None) if Role.DEPUTY in roles else None
        self._clinics: set[int] | None = None

    def mediator_clinics(self) -> set[int]:
        if self._clinics is None:
            self._clinics = (
                set(
                    LawClinic.mediators.through.objects.filter(deputy_id=self.deputy_id).values_list(
                        "lawclinic_id", flat=True
                    )
                )
                if self.deputy_id
                else set()
            )
        return self._clinics

    def sees_full(self, case) -> bool:
        """Whether the user is of the case's clinic's staff. Reads ``case.clinic`` (select it)."""
        if self.everything:
            return True
        if self.town_id and case.clinic.town_id == self.town_id:
            return True
        if self.deputy_id:
            if case.clinic_id in self.mediator_clinics():
                return True
            # A mediator on the case itself (prefetched ``mediators`` when listing).
            return any(d.pk == self.deputy_id for d in case.mediators.all())
        return False

    def full_condition(self) -> Q:
        """``sees_full`` as a condition on cases (for a search over the parties)."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        if self.town_id:
            q |= Q(clinic__town_id=self.town_id)
        if self.deputy_id:
            mediated = MediationCase.mediators.through.objects.filter(deputy_id=self.deputy_id)
            q |= Q(clinic_id__in=self.mediator_clinics()) | Q(pk__in=mediated.values("mediationcase_id"))
        return q

    def parties(self, case) -> Parties:
        if self.sees_full(case):
            return Parties(
                case.party_a_name,
                case.party_a_phone,
                case.party_b_name,
                case.party_b_phone,
                case.summary,
                case.outcome_note,
                masked=False,
            )
        names = names_in(case.party_a_name) + names_in(case.party_b_name)
        return Parties(
            mask_names(case.party_a_name),
            mask_phones(case.party_a_phone),
            mask_names(case.party_b_name),
            mask_phones(case.party_b_phone),
            redact(case.summary, names=names),
            redact(case.outcome_note, names=names),
            masked=True,
        )

    def mask_changes(self, case, entries) -> list:
        """Change-log rows of ``case`` with the personal fields masked for this viewer (the
        rows are only read here; the log itself keeps what happened)."""
        entries = list(entries)
        if self.sees_full(case):
            return entries
        maskers = {
            "party_a_name": mask_names,
            "party_b_name": mask_names,
            "party_a_phone": mask_phones,
            "party_b_phone": mask_phones,
        }
        # Every name the parties ever had, so that an old summary's mention is masked too.
        names = names_in(case.party_a_name) + names_in(case.party_b_name)
        for entry in entries:
            for field in ("party_a_name", "party_b_name"):
                pair = (entry.changes or {}).get(field)
                if isinstance(pair, list):
                    names += [n for v in pair if isinstance(v, str) for n in names_in(v)]
        for entry in entries:
            changes = dict(entry.changes or {})
            for field in PERSONAL_FIELDS:
                pair = changes.get(field)
                if isinstance(pair, list):
                    mask = maskers.get(field) or (lambda text: redact(text, names=names))
                    changes[field] = [mask(v) if isinstance(v, str) else v for v in pair]
            # The agreement's file name often names the parties: only its type is shown.
            added = changes.get("agreements")
            if isinstance(added, dict):
                changes["agreements"] = {
                    op: [_file_type(name) for name in names_] for op, names_ in added.items()
                }
            entry.changes = changes
        return entries


def masker_for(request) -> PartyMasker:
    """The request's masker, made once per request."""
    masker = getattr(request, "_party_masker", None)
    if masker is None or masker.user is not request.user:
        masker = PartyMasker(request.user)
        request._party_masker = masker
    return masker

"""The services of the law clinics: numbering, closing, agreements, corrections; each
refused outside the actor's scope, leaving nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from daibiao.core.files import private_storage
from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.core.scoping import Action
from daibiao.mediation import services
from daibiao.mediation.choices import DisputeType, Outcome
from daibiao.mediation.models import LawClinic, MediationAgreement, MediationCase

from .conftest import agreement_pdf, open_case

pytestmark = pytest.mark.django_db


def visible(user, action=Action.VIEW) -> set[str]:
    return {
        f"{c.clinic.name} {c}" for c in MediationCase.objects.restrict(user, action).select_related("clinic")
    }


# --- numbering ----------------------------------------------------------------------------


def test_cases_are_numbered_per_clinic_and_year(cast, clinics):
    assert [clinics.a1.case_number, clinics.a2.case_number] == ["2026-001", "2026-002"]
    assert clinics.b1.case_number == "2026-001"
    earlier = open_case(clinics.a, received_on=dt.date(2025, 12, 30))
    assert earlier.case_number == "2025-001"
    assert open_case(clinics.a).case_number == "2026-003"


def test_the_database_refuses_a_second_case_with_the_same_number(cast, clinics):
    twin = MediationCase(
        clinic=clinics.a,
        year=2026,
        number=1,
        dispute_type=DisputeType.OTHER,
        party_a_name="甲",
        summary="重复编号",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_a_number_taken_meanwhile_is_skipped(cast, clinics, monkeypatch):
    # The first read is stale: another request has just taken 2026-002 (a2 holds it).
    real = services._next_number
    reads = iter([2])
    monkeypatch.setattr(
        services, "_next_number", lambda clinic, year: next(reads, None) or real(clinic, year)
    )
    case = open_case(clinics.a)
    assert case.case_number == "2026-003"
    assert MediationCase.objects.filter(clinic=clinics.a, year=2026).count() == 3


# --- opening ------------------------------------------------------------------------------


def test_town_staff_open_a_case_in_their_clinic_with_its_change_log(cast, clinics):
    case = open_case(clinics.a, actor=cast.users["town_a"], mediators=[cast.deputies["a"]])
    assert case.recorded_by == cast.users["town_a"]
    assert list(case.mediators.all()) == [cast.deputies["a"]]
    entry = ChangeLog.objects.for_object(case).get(action=ChangeAction.CREATE)
    assert entry.actor == cast.users["town_a"]


@pytest.mark.parametrize("who", ["town_b", "leader", "deputy_a", "station_a", "unit_a"])
def test_others_may_not_open_a_case_in_town_a_and_nothing_is_written(cast, clinics, who):
    cases, logs = MediationCase.objects.count(), ChangeLog.objects.count()
    with pytest.raises(PermissionDenied):
        open_case(clinics.a, actor=cast.users[who])
    assert (MediationCase.objects.count(), ChangeLog.objects.count()) == (cases, logs)


def test_a_case_mediator_must_be_a_mediator_of_the_clinic(cast, clinics):
    with pytest.raises(ValidationError) as caught:
        open_case(clinics.a, actor=cast.users["county"], mediators=[cast.deputies["b"]])
    assert "mediators" in caught.value.message_dict


def test_a_case_cannot_be_received_in_the_future(cast, clinics):
    with pytest.raises(ValidationError) as caught:
        open_case(clinics.a, actor=cast.users["county"], received_on=dt.date(2999, 1, 1))
    assert "received_on" in caught.value.message_dict


def test_a_clinic_mediator_must_be_a_deputy_the_actor_sees(cast, clinics):
    with pytest.raises(ValidationError):
        services.save_clinic(clinics.a, actor=cast.users["town_a"], mediators=[cast.deputies["b"]])
    assert set(clinics.a.mediators.all()) == {cast.deputies["a"], cast.deputies["a2"]}


def test_town_staff_may_not_put_a_clinic_in_another_town(cast, clinics):
    clinic = LawClinic(town=cast.towns["b"], name="越界诊所")
    with pytest.raises(PermissionDenied):
        services.save_clinic(clinic, actor=cast.users["town_a"])
    assert not LawClinic.objects.filter(name="越界诊所").exists()


# --- closing ------------------------------------------------------------------------------


def test_recording_the_outcome_closes_the_case_with_its_agreement_and_a_state_row(cast, clinics):
    case = clinics.a2
    services.record_outcome(
        case,
        actor=cast.users["town_a"],
        outcome=Outcome.RESOLVED,
        closed_on=dt.date(2026, 3, 9),
        note="双方达成协议，共同疏通排水沟。",
        files=[agreement_pdf()],
    )
    case.refresh_from_db()
    assert (case.outcome, case.closed_on) == (Outcome.RESOLVED, dt.date(2026, 3, 9))
    assert case.agreements.count() == 1
    state = ChangeLog.objects.for_object(case).get(action=ChangeAction.STATE)
    assert state.changes["outcome"] == ["open", "resolved"]
    assert state.actor == cast.users["town_a"]


def test_two_people_closing_the_same_case_at_once_change_it_once(cast, clinics):
    first = MediationCase.objects.get(pk=clinics.a2.pk)
    second = MediationCase.objects.get(pk=clinics.a2.pk)  # both read it open
    services.record_outcome(first, actor=cast.users["town_a"], outcome=Outcome.RESOLVED)
    with pytest.raises(services.Conflict):
        services.record_outcome(second, actor=cast.users["county"], outcome=Outcome.REFERRED, note="转派出所")
    case = MediationCase.objects.get(pk=clinics.a2.pk)
    assert case.outcome == Outcome.RESOLVED
    assert ChangeLog.objects.for_object(case).filter(action=ChangeAction.STATE).count() == 1


def test_a_closed_outcome_may_be_corrected_by_whoever_saw_it(cast, clinics):
    case = clinics.a2
    services.record_outcome(case, actor=cast.users["town_a"], outcome=Outcome.NOT_RESOLVED)
    services.record_outcome(
        case, actor=cast.users["town_a"], outcome=Outcome.RESOLVED, expected="not_resolved"
    )
    assert MediationCase.objects.get(pk=case.pk).outcome == Outcome.RESOLVED


def test_the_outcome_must_be_a_closing_one_and_dates_must_make_sense(cast, clinics):
    town_a = cast.users["town_a"]
    with pytest.raises(ValidationError):
        services.record_outcome(clinics.a2, actor=town_a, outcome=Outcome.OPEN)
    with pytest.raises(ValidationError) as caught:
        services.record_outcome(
            clinics.a2, actor=town_a, outcome=Outcome.RESOLVED, closed_on=dt.date(2026, 3, 1)
        )
    assert "closed_on" in caught.value.message_dict
    assert MediationCase.objects.get(pk=clinics.a2.pk).outcome == Outcome.OPEN


def test_a_deputy_closes_the_cases_they_mediate_and_only_those(cast, clinics):
    deputy = cast.users["deputy_a"]
    services.record_outcome(clinics.a2, actor=deputy, outcome=Outcome.RESOLVED)
    with pytest.raises(PermissionDenied):
        services.record_outcome(clinics.a1, actor=deputy, outcome=Outcome.RESOLVED)
    assert MediationCase.objects.get(pk=clinics.a1.pk).outcome == Outcome.OPEN


@pytest.mark.parametrize("who", ["leader", "station_a", "town_b", "unit_a", "deputy_b"])
def test_others_may_not_close_a_case(cast, clinics, who):
    with pytest.raises(PermissionDenied):
        services.record_outcome(clinics.a2, actor=cast.users[who], outcome=Outcome.RESOLVED)
    assert MediationCase.objects.get(pk=clinics.a2.pk).outcome == Outcome.OPEN


# --- agreements and corrections -----------------------------------------------------------


def test_attaching_an_agreement_keeps_the_file_and_logs_it(cast, clinics):
    rows = services.attach_agreement(clinics.a2, actor=cast.users["deputy_a"], files=[agreement_pdf()])
    assert private_storage.exists(rows[0].file.name)
    entry = (
        ChangeLog.objects.for_object(clinics.a2).filter(action=ChangeAction.UPDATE).first()
    )  # newest first
    assert entry.changes == {"agreements": {"added": ["调解协议书.pdf"]}}
    with pytest.raises(ValidationError):
        services.attach_agreement(clinics.a2, actor=cast.users["town_a"], files=[])
    with pytest.raises(PermissionDenied):
        services.attach_agreement(clinics.a2, actor=cast.users["leader"], files=[agreement_pdf()])


def test_a_refused_step_keeps_no_file(cast, clinics, monkeypatch):
    files_before = MediationAgreement.objects.count()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.audit, "write_entry", fail)
    stored = []
    real_save = private_storage.save
    monkeypatch.setattr(
        private_storage,
        "save",
        lambda name, content, **kw: stored.append(real_save(name, content, **kw)) or stored[-1],
    )
    with pytest.raises(RuntimeError):
        services.attach_agreement(clinics.a2, actor=cast.users["town_a"], files=[agreement_pdf()])
    assert MediationAgreement.objects.count() == files_before
    assert stored
    assert not private_storage.exists(stored[0])


def test_updating_a_case_corrects_its_details(cast, clinics):
    services.update_case(
        clinics.a1,
        actor=cast.users["town_a"],
        party_b_name="王五",
        dispute_type=DisputeType.CONTRACT,
        mediators=[cast.deputies["a"]],
    )
    case = MediationCase.objects.get(pk=clinics.a1.pk)
    assert (case.party_b_name, case.dispute_type) == ("王五", DisputeType.CONTRACT)
    assert list(case.mediators.all()) == [cast.deputies["a"]]
    with pytest.raises(PermissionDenied):
        services.update_case(case, actor=cast.users["town_b"], party_b_name="赵六")
    with pytest.raises(ValueError, match="outcome"):
        services.update_case(case, actor=cast.users["town_a"], outcome=Outcome.RESOLVED)


def test_staff_delete_a_case_and_others_may_not(cast, clinics):
    with pytest.raises(PermissionDenied):
        services.delete_case(clinics.a1, actor=cast.users["deputy_a"])
    services.delete_case(clinics.a1, actor=cast.users["town_a"])
    assert not MediationCase.objects.filter(pk=clinics.a1.pk).exists()


# --- scoping ------------------------------------------------------------------------------


def test_who_sees_and_who_changes_which_cases(cast, clinics):
    every = {"武安法治诊所 2026-001", "武安法治诊所 2026-002", "九集法治诊所 2026-001"}
    town_a = {"武安法治诊所 2026-001", "武安法治诊所 2026-002"}
    users = cast.users
    assert visible(users["county"]) == visible(users["leader"]) == visible(users["admin"]) == every
    assert visible(users["town_a"]) == visible(users["station_a"]) == town_a
    assert visible(users["deputy_a"]) == town_a  # a mediator of the clinic sees all its cases
    assert visible(users["deputy_b"]) == {"九集法治诊所 2026-001"}
    assert visible(users["unit_a"]) == set()
    assert visible(users["deputy_a"], Action.CHANGE) == {"武安法治诊所 2026-002"}
    assert visible(users["leader"], Action.CHANGE) == visible(users["station_a"], Action.CHANGE) == set()
    assert visible(users["town_a"], Action.CHANGE) == town_a
    assert visible(users["deputy_a"], Action.DELETE) == set()


def test_a_deputy_keeps_sight_of_a_case_they_mediated_after_leaving_the_clinic(cast, clinics):
    services.save_clinic(clinics.a, actor=None, mediators=[cast.deputies["a2"]])
    assert visible(cast.users["deputy_a"]) == {"武安法治诊所 2026-002"}


def test_clinics_are_seen_by_their_towns_county_and_mediators(cast, clinics):
    def names(user):
        return set(LawClinic.objects.restrict(user).values_list("name", flat=True))

    assert names(cast.users["county"]) == names(cast.users["leader"]) == {"武安法治诊所", "九集法治诊所"}
    assert names(cast.users["town_a"]) == names(cast.users["station_a"]) == {"武安法治诊所"}
    assert names(cast.users["deputy_b"]) == {"九集法治诊所"}
    assert names(cast.users["unit_a"]) == set()

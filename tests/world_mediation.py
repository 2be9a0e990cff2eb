"""The matrix world's "代表+" organisations, law clinics and mediation cases (see
``tests/test_scoping_matrix.py``): one of each in every cast town and in the neighbouring
county, made through the services, each with its deputy as member and mediator."""

from __future__ import annotations

import datetime as dt

from daibiao.core.files import check_upload
from daibiao.core.services import save_record
from daibiao.core.testing.files import pdf_bytes, upload
from daibiao.mediation import services as mediation
from daibiao.mediation.choices import DisputeType
from daibiao.mediation.models import LawClinic
from daibiao.registry.choices import OrganizationKind
from daibiao.registry.models import County, Deputy, Organization, Village
from daibiao.registry.services import add_membership


def populate(cast) -> None:
    neighbour = County.objects.get(name="邻县")
    places = [(cast.villages[key], cast.deputies[key]) for key in ("a", "b")]
    places.append(
        (Village.objects.get(town__county=neighbour, name="城关村"), Deputy.objects.get(name="钱多多"))
    )
    for i, (village, deputy) in enumerate(places, start=1):
        town = village.town
        organization = save_record(
            Organization(
                county=town.county,
                town=town,
                village=village,
                name=f"{town.name}农民专业合作社",
                kind=OrganizationKind.ECONOMIC,
            ),
            actor=None,
        )
        add_membership(organization, deputy, actor=None, role="理事", since=dt.date(2025, 3, 1))
        clinic = mediation.save_clinic(
            LawClinic(town=town, village=village, name=f"{village.name}法治诊所", contact_person="刘干事"),
            actor=None,
            mediators=[deputy],
        )
        case = mediation.open_case(
            actor=None,
            clinic=clinic,
            dispute_type=DisputeType.NEIGHBOUR,
            party_a_name=f"周{i}明",
            party_a_phone=f"1390000{i:04d}",
            party_b_name=f"吴{i}华",
            party_b_phone=f"1370000{i:04d}",
            summary="两家因宅基地排水沟发生争执。",
            received_on=dt.date(2025, 6, 1),
            mediators=[deputy],
        )
        mediation.attach_agreement(
            case, actor=None, files=[check_upload(upload("调解协议书.pdf", pdf_bytes(), "application/pdf"))]
        )

"""A law clinic in each cast town, with cases, made through the services.

武安镇's clinic has two mediators, 王小明 (deputy_a's deputy) and 李春兰; its first case is
mediated by 李春兰 only, its second by 王小明. 九集镇's clinic has 张建国 (deputy_b's)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from daibiao.core.files import check_upload
from daibiao.core.testing.files import pdf_bytes, upload
from daibiao.mediation import services
from daibiao.mediation.choices import DisputeType
from daibiao.mediation.models import LawClinic, MediationCase

PHONE_A = "13912345678"
PHONE_B = "13787654321"


@dataclass
class Clinics:
    a: LawClinic
    b: LawClinic
    a1: MediationCase  # mediated by 李春兰
    a2: MediationCase  # mediated by 王小明
    b1: MediationCase


def agreement_pdf(name="调解协议书.pdf"):
    return check_upload(upload(name, pdf_bytes(), "application/pdf"))


def open_case(clinic, actor=None, **kwargs):
    values = {
        "dispute_type": DisputeType.NEIGHBOUR,
        "party_a_name": "欧阳娜娜",
        "party_a_phone": PHONE_A,
        "party_b_name": "张三丰、李四光",
        "party_b_phone": PHONE_B,
        "summary": "欧阳娜娜与张三丰因排水沟争执，电话13912345678。",
        "received_on": dt.date(2026, 3, 2),
    }
    values.update(kwargs)
    return services.open_case(actor=actor, clinic=clinic, **values)


@pytest.fixture
def clinics(cast) -> Clinics:
    a = services.save_clinic(
        LawClinic(town=cast.towns["a"], village=cast.villages["a"], name="武安法治诊所"),
        actor=None,
        mediators=[cast.deputies["a"], cast.deputies["a2"]],
    )
    b = services.save_clinic(
        LawClinic(town=cast.towns["b"], village=cast.villages["b"], name="九集法治诊所"),
        actor=None,
        mediators=[cast.deputies["b"]],
    )
    a1 = open_case(a, mediators=[cast.deputies["a2"]])
    services.attach_agreement(a1, actor=None, files=[agreement_pdf()])
    a2 = open_case(a, mediators=[cast.deputies["a"]], dispute_type=DisputeType.LAND)
    b1 = open_case(b, mediators=[cast.deputies["b"]], dispute_type=DisputeType.FAMILY)
    return Clinics(a=a, b=b, a1=a1, a2=a2, b1=b1)

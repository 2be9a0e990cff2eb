import pytest

from daibiao.core.models import ChangeLog
from daibiao.registry.models import Deputy

pytestmark = pytest.mark.django_db


def form_data(cast, **overrides):
    data = {
        "name": "陈立新",
        "gender": "male",
        "ethnicity": "汉族",
        "party": "cpc",
        "birth_year": "1975",
        "phone": "13912345678",
        "occupation": "教师",
        "employer": "武安镇中心小学",
        "town": str(cast.towns["a"].pk),
        "group": "",
        "station": "",
        "status": "serving",
        "mandates-TOTAL_FORMS": "2",
        "mandates-INITIAL_FORMS": "0",
        "mandates-MIN_NUM_FORMS": "0",
        "mandates-MAX_NUM_FORMS": "4",
        "mandates-0-level": "county",
        "mandates-0-term": "第十九届",
        "mandates-1-level": "town",
        "mandates-1-term": "第十七届",
    }
    data.update(overrides)
    return data


def test_town_staff_adds_a_deputy_with_two_mandates(cast, client_for):
    response = client_for("town_a").post("/registry/deputies/new/", form_data(cast))
    deputy = Deputy.objects.get(phone="13912345678")
    assert response.status_code == 302
    assert response["Location"] == deputy.get_absolute_url()
    assert deputy.levels == ["county", "town"]
    assert deputy.name_initials == "clx"
    entry = ChangeLog.objects.for_object(deputy).get()
    assert entry.actor_name == "town_a"
    assert entry.changes["name"] == [None, "陈立新"]


def test_a_deputy_without_mandate_is_refused_and_nothing_saved(cast, client_for):
    data = form_data(cast, **{"mandates-0-level": "", "mandates-1-level": ""})
    response = client_for("county").post("/registry/deputies/new/", data)
    assert response.status_code == 200
    assert "请至少填写一项代表资格" in response.content.decode()
    assert not Deputy.objects.filter(phone="13912345678").exists()


def test_bad_phone_gets_a_chinese_message(cast, client_for):
    response = client_for("county").post("/registry/deputies/new/", form_data(cast, phone="12345"))
    assert response.status_code == 200
    assert "请输入以 1 开头的 11 位手机号码" in response.content.decode()


def test_town_staff_cannot_place_a_deputy_in_another_town(cast, client_for):
    data = form_data(cast, town=str(cast.towns["b"].pk))
    response = client_for("town_a").post("/registry/deputies/new/", data)
    assert response.status_code == 200  # the form shows the error
    assert not Deputy.objects.filter(phone="13912345678").exists()


def test_editing_replaces_mandates_and_logs_fields(cast, client_for):
    deputy = cast.deputies["a"]
    mandate_ids = {m.level: m.pk for m in deputy.mandates.all()}
    data = form_data(
        cast,
        name=deputy.name,
        phone=deputy.phone,
        occupation="乡村医生",
        **{
            "mandates-TOTAL_FORMS": "2",
            "mandates-INITIAL_FORMS": "2",
            "mandates-0-id": str(mandate_ids["county"]),
            "mandates-0-level": "county",
            "mandates-1-id": str(mandate_ids["town"]),
            "mandates-1-level": "town",
            "mandates-1-DELETE": "on",
        },
    )
    response = client_for("county").post(f"/registry/deputies/{deputy.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    deputy.refresh_from_db()
    assert deputy.levels == ["county"]
    update = ChangeLog.objects.for_object(deputy).filter(action="update").latest("id")
    assert update.changes["occupation"] == ["村党支部书记", "乡村医生"]

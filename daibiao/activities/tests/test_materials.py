"""Materials and receipts: send to deputies, a deputy confirms, staff record; who has not."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from daibiao.activities import services
from daibiao.activities.choices import ReceiptMethod, ReceiptStatus
from daibiao.activities.models import Material, MaterialReceipt
from daibiao.core.models import ChangeLog
from daibiao.core.testing.files import pdf_bytes, photo, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def handbook(cast):
    material = services.create_material(actor=cast.users["county"], title="资料汇编", files=[photo()])
    services.send_material(material, list(cast.deputies.values()), actor=cast.users["county"])
    return material


def statuses(material) -> dict[str, str]:
    return dict(MaterialReceipt.objects.filter(material=material).values_list("deputy__name", "status"))


def test_sending_creates_a_pending_receipt_per_deputy_once(cast, handbook):
    assert set(statuses(handbook).values()) == {ReceiptStatus.PENDING}
    assert len(statuses(handbook)) == 4
    assert services.send_material(handbook, [cast.deputies["a"]], actor=cast.users["county"]) == 0
    receipt = MaterialReceipt.objects.get(material=handbook, deputy=cast.deputies["a"])
    assert ChangeLog.objects.for_object(receipt).get().actor == cast.users["county"]


@pytest.mark.parametrize("role", ["town_a", "leader", "deputy_a", "unit_a"])
def test_only_county_staff_create_and_send_materials(cast, handbook, role):
    with pytest.raises(PermissionDenied):
        services.create_material(actor=cast.users[role], title="x")
    with pytest.raises(PermissionDenied):
        services.send_material(handbook, [cast.deputies["a"]], actor=cast.users[role])
    assert Material.objects.count() == 1


def test_a_deputy_confirms_once(cast, handbook):
    receipt = services.confirm_receipt(handbook, actor=cast.users["deputy_a"])
    assert (receipt.status, receipt.method) == (ReceiptStatus.RECEIVED, ReceiptMethod.CONFIRMED)
    first = receipt.received_at
    logs = ChangeLog.objects.count()
    again = services.confirm_receipt(handbook, actor=cast.users["deputy_a"])
    assert again.received_at == first
    assert ChangeLog.objects.count() == logs
    entry = ChangeLog.objects.for_object(receipt).filter(action="update").get()
    assert entry.actor == cast.users["deputy_a"]
    assert entry.changes["status"] == ["pending", "received"]


def test_only_the_deputy_it_was_sent_to_confirms(cast):
    material = services.create_material(actor=cast.users["county"], title="只发给王小明")
    services.send_material(material, [cast.deputies["a"]], actor=None)
    with pytest.raises(PermissionDenied):
        services.confirm_receipt(material, actor=cast.users["deputy_b"])
    with pytest.raises(PermissionDenied):
        services.confirm_receipt(material, actor=cast.users["town_a"])
    assert statuses(material) == {"王小明": ReceiptStatus.PENDING}


def test_staff_record_receipts_in_bulk_within_their_reach(cast, handbook):
    assert (
        services.record_receipt(
            handbook, [cast.deputies["a"], cast.deputies["a2"]], actor=cast.users["town_a"]
        )
        == 2
    )
    with pytest.raises(ValidationError):  # the other town's deputy
        services.record_receipt(handbook, [cast.deputies["b"]], actor=cast.users["town_a"])
    with pytest.raises(ValidationError):
        services.record_receipt(handbook, [], actor=cast.users["county"])
    with pytest.raises(ValidationError):  # a leader reads, records nothing
        services.record_receipt(handbook, [cast.deputies["b"]], actor=cast.users["leader"])
    # Recording someone already received changes nothing.
    assert (
        services.record_receipt(
            handbook, [cast.deputies["a"], cast.deputies["b"]], actor=cast.users["county"]
        )
        == 1
    )
    assert statuses(handbook) == {
        "王小明": "received",
        "李春兰": "received",
        "张建国": "received",
        "赵秀英": "pending",
    }
    recorded = MaterialReceipt.objects.get(material=handbook, deputy=cast.deputies["a"])
    assert (recorded.method, recorded.recorded_by) == (ReceiptMethod.RECORDED, cast.users["town_a"])


def test_receipt_scope_by_role(cast, handbook):
    def seen(role):
        return set(MaterialReceipt.objects.restrict(cast.users[role]).values_list("deputy__name", flat=True))

    assert seen("county") == seen("leader") == {"王小明", "李春兰", "张建国", "赵秀英"}
    assert seen("town_a") == seen("station_a") == {"王小明", "李春兰"}
    assert seen("deputy_a") == {"王小明"}
    assert seen("unit_a") == set()
    assert not Material.objects.restrict(cast.users["unit_a"]).exists()
    other = services.create_material(actor=cast.users["county"], title="未发给任何人")
    assert other not in Material.objects.restrict(cast.users["deputy_a"])


def test_the_material_page_shows_who_has_not_received_it(cast, handbook, client_for):
    services.confirm_receipt(handbook, actor=cast.users["deputy_a"])
    response = client_for("county").get(handbook.get_absolute_url())
    assert (response.context["received_count"], response.context["pending_count"]) == (1, 3)
    assert [r.deputy.name for r in response.context["pending"]] == ["李春兰", "张建国", "赵秀英"]
    town = client_for("town_a").get(handbook.get_absolute_url())
    assert [r.deputy.name for r in town.context["pending"]] == ["李春兰"]
    export = client_for("county").get(
        reverse("activities:material-receipts-export", args=[handbook.pk]), {"status": "pending"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["李春兰", "张建国", "赵秀英"]


def test_a_deputy_confirms_on_the_page(cast, handbook, client_for):
    client = client_for("deputy_b")
    page = client.get(handbook.get_absolute_url())
    assert 'data-testid="confirm-receipt"' in page.content.decode()
    assert client.post(reverse("activities:material-confirm", args=[handbook.pk])).status_code == 302
    assert statuses(handbook)["张建国"] == "received"
    assert 'data-testid="confirm-receipt"' not in client.get(handbook.get_absolute_url()).content.decode()
    assert (
        client_for("county").post(reverse("activities:material-confirm", args=[handbook.pk])).status_code
        == 403
    )


def test_staff_record_and_send_on_the_page(cast, client_for):
    client = client_for("county")
    response = client.post(
        reverse("activities:material-create"),
        {"title": "履职手册", "files": [upload("手册.pdf", pdf_bytes())], "send_to_all": "on"},
    )
    assert response.status_code == 302
    material = Material.objects.get()
    assert len(statuses(material)) == 4
    response = client_for("town_a").post(
        reverse("activities:material-record", args=[material.pk]), {"deputies": [cast.deputies["a"].pk]}
    )
    assert response.status_code == 302
    assert statuses(material)["王小明"] == "received"
    assert (
        client_for("leader")
        .post(
            reverse("activities:material-record", args=[material.pk]), {"deputies": [cast.deputies["b"].pk]}
        )
        .status_code
        == 403
    )
    assert (
        client_for("town_a")
        .post(reverse("activities:material-send", args=[material.pk]), {"everyone": "on"})
        .status_code
        == 403
    )
    assert statuses(material)["张建国"] == "pending"


def test_materials_api(cast, handbook, api_for):
    services.confirm_receipt(handbook, actor=cast.users["deputy_a"])
    body = api_for("county").get(f"/api/v1/materials/{handbook.pk}/").json()
    assert (body["sent"], body["received"], body["my_receipt"]) == (4, 1, None)
    assert len(body["files"]) == 1
    mine = api_for("deputy_b").get("/api/v1/materials/").json()["results"]
    assert [(m["id"], m["my_receipt"], m["sent"]) for m in mine] == [(handbook.pk, "pending", 1)]
    confirmed = api_for("deputy_b").post(f"/api/v1/materials/{handbook.pk}/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["my_receipt"] == "received"
    assert api_for("county").post(f"/api/v1/materials/{handbook.pk}/confirm/").status_code == 403
    pending = (
        api_for("county").get(f"/api/v1/materials/{handbook.pk}/receipts/", {"status": "pending"}).json()
    )
    assert [r["deputy_name"] for r in pending["results"]] == ["李春兰", "赵秀英"]
    assert (
        api_for("county").get(f"/api/v1/materials/{handbook.pk}/receipts/", {"status": "x"}).status_code
        == 400
    )
    recorded = api_for("town_a").post(
        f"/api/v1/materials/{handbook.pk}/record/", {"deputies": [cast.deputies["a2"].pk]}, format="json"
    )
    assert recorded.status_code == 200
    assert (
        api_for("town_a").post(f"/api/v1/materials/{handbook.pk}/record/", {}, format="json").status_code
        == 400
    )
    assert api_for("unit_a").get(f"/api/v1/materials/{handbook.pk}/").status_code == 404
    created = api_for("county").post("/api/v1/materials/", {"title": "新资料"}, format="json")
    assert created.status_code == 201
    assert api_for("town_a").post("/api/v1/materials/", {"title": "新资料"}, format="json").status_code == 403
    assert api_for("county").post("/api/v1/materials/", {"title": ""}, format="json").json().keys() == {
        "title"
    }

"""The change log: every write through the pages or the API leaves rows naming who, from
where and what changed, field by field; the rows can never be changed or deleted; a refused
write leaves nothing behind."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from daibiao.accounts.models import User
from daibiao.core.models import AppendOnlyError, ChangeAction, ChangeLog
from daibiao.registry.models import Deputy, Mandate
from tests.pages import submission

pytestmark = pytest.mark.django_db

NEW_DEPUTY = {
    "name": "陈立新",
    "gender": "male",
    "ethnicity": "汉族",
    "party": "cpc",
    "birth_year": "1975",
    "phone": "13912345678",
    "occupation": "教师",
    "employer": "武安镇中心小学",
    "status": "serving",
}


def entries(obj):
    return list(ChangeLog.objects.for_object(obj).order_by("id"))


def new_entries(since: int):
    return list(ChangeLog.objects.filter(id__gt=since).order_by("id"))


def last_id() -> int:
    return ChangeLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- through the pages --------------------------------------------------------------------


def test_creating_a_deputy_in_the_ui_logs_every_field_with_actor_and_address(cast, client_for):
    client = client_for("county")
    page = client.get(reverse("registry:deputy-create"))
    data = {
        **submission(page),
        **NEW_DEPUTY,
        "town": cast.towns["a"].pk,
        "mandates-0-level": "county",
        "mandates-0-term": "第十九届",
    }
    since = last_id()
    response = client.post(reverse("registry:deputy-create"), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    deputy = Deputy.objects.get(phone="13912345678")
    [entry] = entries(deputy)
    assert entry.action == ChangeAction.CREATE
    assert entry.actor == cast.users["county"]
    assert entry.actor_name == "county"
    assert entry.remote_addr == "127.0.0.1"
    assert entry.changes["name"] == [None, "陈立新"]
    assert entry.changes["phone"] == [None, "13912345678"]
    assert entry.changes["town_id"] == [None, cast.towns["a"].pk]
    assert "updated_at" not in entry.changes
    # The deputy and the mandate were written by one request, and the log says so.
    written = new_entries(since)
    assert {e.content_type.model for e in written} == {"deputy", "mandate"}
    assert len({e.request_id for e in written}) == 1
    mandate_entry = next(e for e in written if e.content_type.model == "mandate")
    assert mandate_entry.changes["level"] == [None, "county"]


def test_editing_a_deputy_in_the_ui_logs_only_the_changed_fields_before_and_after(cast, client_for):
    deputy = cast.deputies["a"]
    client = client_for("county")
    edit = reverse("registry:deputy-update", args=[deputy.pk])
    data = {**submission(client.get(edit)), "occupation": "种植大户", "employer": "武安镇合作社"}
    since = last_id()
    response = client.post(edit, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    [entry] = new_entries(since)
    assert entry.action == ChangeAction.UPDATE
    assert entry.object_id == str(deputy.pk)
    assert entry.actor == cast.users["county"]
    assert entry.remote_addr == "127.0.0.1"
    assert entry.changes == {
        "occupation": ["村党支部书记", "种植大户"],
        "employer": ["", "武安镇合作社"],
    }


def test_deleting_a_deputy_in_the_ui_logs_its_last_values(cast, client_for):
    deputy = cast.deputies["b2"]
    since = last_id()
    response = client_for("county").post(reverse("registry:deputy-delete", args=[deputy.pk]))
    assert response.status_code == 302
    assert not Deputy.objects.filter(pk=deputy.pk).exists()
    written = new_entries(since)
    [entry] = [e for e in written if e.content_type.model == "deputy"]
    assert entry.action == ChangeAction.DELETE
    assert entry.actor_name == "county"
    assert entry.remote_addr == "127.0.0.1"
    assert entry.object_repr == "赵秀英"
    assert entry.changes["name"] == ["赵秀英", None]
    # Her mandate went with her, and that is on the record too.
    assert [e.action for e in written if e.content_type.model == "mandate"] == [ChangeAction.DELETE]


def test_the_trail_shows_on_the_records_page(cast, client_for):
    deputy = cast.deputies["a"]
    client = client_for("county")
    edit = reverse("registry:deputy-update", args=[deputy.pk])
    client.post(edit, {**submission(client.get(edit)), "occupation": "种植大户"})
    response = client_for("town_a").get(deputy.get_absolute_url())
    assert response.status_code == 200
    trail = list(response.context["changelog"])
    assert trail[0].changes == {"occupation": ["村党支部书记", "种植大户"]}
    assert trail[-1].action == ChangeAction.CREATE
    html = response.content.decode()
    section = html[html.index('class="card mt-3 trail"') :]
    assert "种植大户" in section
    assert "村党支部书记" in section
    assert "county" in section
    assert "127.0.0.1" in section


# --- through the API ----------------------------------------------------------------------


def test_api_writes_log_the_token_user_and_address(cast, api_for):
    client = api_for("county")
    payload = {
        **NEW_DEPUTY,
        "town": cast.towns["b"].pk,
        "mandates": [{"level": "town", "term": "第十七届"}],
    }
    response = client.post(reverse("api:deputy-list"), payload, format="json")
    assert response.status_code == 201, response.content
    deputy = Deputy.objects.get(pk=response.json()["id"])
    [created] = entries(deputy)
    assert created.action == ChangeAction.CREATE
    assert created.actor == cast.users["county"]
    assert created.remote_addr == "127.0.0.1"
    assert created.changes["name"] == [None, "陈立新"]

    detail = reverse("api:deputy-detail", args=[deputy.pk])
    response = client.patch(detail, {"occupation": "乡村医生"}, format="json")
    assert response.status_code == 200, response.content
    updated = entries(deputy)[-1]
    assert updated.action == ChangeAction.UPDATE
    assert updated.actor_name == "county"
    assert updated.remote_addr == "127.0.0.1"
    assert updated.changes == {"occupation": ["教师", "乡村医生"]}

    assert client.delete(detail).status_code == 204
    deleted = entries(deputy)[-1]
    assert deleted.action == ChangeAction.DELETE
    assert deleted.actor_name == "county"
    assert deleted.changes["occupation"] == ["乡村医生", None]


def test_a_refused_api_write_leaves_no_change_and_no_log(cast, api_for):
    """Town staff may not move their deputy to another town: the deputy, the mandates and
    the log stay exactly as they were, even though the deputy row was written before the
    scope check refused it."""
    deputy = cast.deputies["a"]
    mandates_before = sorted(Mandate.objects.filter(deputy=deputy).values_list("level", "term"))
    since = last_id()
    response = api_for("town_a").patch(
        reverse("api:deputy-detail", args=[deputy.pk]),
        {"town": cast.towns["b"].pk, "occupation": "外出务工", "mandates": [{"level": "city", "term": ""}]},
        format="json",
    )
    assert response.status_code == 403, response.content
    assert "detail" in response.json()
    deputy.refresh_from_db()
    assert deputy.town_id == cast.towns["a"].pk
    assert deputy.occupation == "村党支部书记"
    assert sorted(Mandate.objects.filter(deputy=deputy).values_list("level", "term")) == mandates_before
    assert new_entries(since) == []


def test_a_refused_api_create_leaves_no_row_and_no_log(cast, api_for):
    since = last_id()
    response = api_for("town_a").post(
        reverse("api:deputy-list"),
        {**NEW_DEPUTY, "town": cast.towns["b"].pk, "mandates": [{"level": "town"}]},
        format="json",
    )
    assert response.status_code == 403, response.content
    assert not Deputy.objects.filter(phone=NEW_DEPUTY["phone"]).exists()
    assert new_entries(since) == []


# --- append-only --------------------------------------------------------------------------


@pytest.fixture
def entry(cast):
    return ChangeLog.objects.for_object(cast.deputies["a"]).first()


def test_a_saved_entry_cannot_be_saved_again(entry):
    entry.note = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert ChangeLog.objects.get(pk=entry.pk).note == ""


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert ChangeLog.objects.filter(pk=entry.pk).exists()


def test_the_log_cannot_be_updated_or_deleted_in_bulk(entry):
    count = ChangeLog.objects.count()
    with pytest.raises(AppendOnlyError):
        ChangeLog.objects.filter(pk=entry.pk).update(note="tampered")
    with pytest.raises(AppendOnlyError):
        ChangeLog.objects.all().delete()
    entry.note = "tampered"
    # bulk_update runs in a transaction of its own, which the refusal rolls back.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        ChangeLog.objects.bulk_update([entry], ["note"])
    assert ChangeLog.objects.count() == count
    assert not ChangeLog.objects.filter(note="tampered").exists()


@pytest.fixture
def superuser_client(cast):
    root = User.objects.create_superuser("root", password="root-pass-123")
    client = Client()
    client.force_login(root)
    return client


def test_the_admin_shows_an_entry_but_refuses_to_change_or_delete_it(entry, superuser_client):
    change = reverse("admin:core_changelog_change", args=[entry.pk])
    delete = reverse("admin:core_changelog_delete", args=[entry.pk])
    assert superuser_client.get(change).status_code == 200  # read-only view
    response = superuser_client.post(change, {"note": "tampered", "object_repr": "x"})
    assert response.status_code == 403
    assert superuser_client.get(delete).status_code == 403
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert superuser_client.get(reverse("admin:core_changelog_add")).status_code == 403
    stored = ChangeLog.objects.get(pk=entry.pk)
    assert stored.note == ""
    assert stored.object_repr == entry.object_repr


def test_the_admin_list_offers_no_bulk_delete(entry, superuser_client):
    changelist = reverse("admin:core_changelog_changelist")
    response = superuser_client.get(changelist)
    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()
    response = superuser_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert ChangeLog.objects.filter(pk=entry.pk).exists()

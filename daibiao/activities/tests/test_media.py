"""Media articles: county staff record them with the deputies and activities they cover."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from daibiao.activities import services
from daibiao.activities.choices import MediaLevel
from daibiao.activities.models import MediaArticle

from .helpers import activity as make_activity

pytestmark = pytest.mark.django_db


def article(cast, actor="county", **fields):
    values = {
        "title": "人大代表走进屋场",
        "outlet": "湖北日报",
        "level": MediaLevel.PROVINCE,
        "published_on": dt.date(2026, 6, 12),
    }
    values.update(fields)
    return services.save_media_article(actor=cast.users[actor] if actor else None, **values)


def test_county_staff_record_an_article_with_deputies_and_activities(cast):
    activity = make_activity(cast, town=cast.towns["a"])
    saved = article(cast, deputies=[cast.deputies["a"]], activities=[activity], url="https://example.org/1")
    assert saved.county == cast.county
    assert list(saved.deputies.all()) == [cast.deputies["a"]]
    assert list(saved.activities.all()) == [activity]
    services.save_media_article(saved, actor=cast.users["county"], title="改题", deputies=[])
    saved.refresh_from_db()
    assert saved.title == "改题"
    assert not saved.deputies.exists()


@pytest.mark.parametrize("role", ["town_a", "leader", "deputy_a", "unit_a"])
def test_others_record_no_articles(cast, role):
    with pytest.raises(PermissionDenied):
        article(cast, actor=role)
    saved = article(cast)
    with pytest.raises(PermissionDenied):
        services.save_media_article(saved, actor=cast.users[role], title="改")
    assert MediaArticle.objects.get().title == "人大代表走进屋场"


def test_a_bad_link_or_level_is_refused(cast):
    with pytest.raises(ValidationError) as caught:
        article(cast, url="not a link", level="galactic")
    assert set(caught.value.message_dict) == {"url", "level"}


def test_everyone_but_units_reads_the_articles(cast):
    article(cast)
    for role in ("county", "leader", "town_a", "station_a", "deputy_a"):
        assert MediaArticle.objects.restrict(cast.users[role]).count() == 1
    assert not MediaArticle.objects.restrict(cast.users["unit_a"]).exists()


def test_media_pages(cast, client_for):
    client = client_for("county")
    response = client.post(
        reverse("activities:media-create"),
        {
            "title": "代表行动见成效",
            "outlet": "人民网",
            "level": "central",
            "published_on": "2026-06-20",
            "url": "https://example.org/2",
            "deputies": [cast.deputies["b"].pk],
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    saved = MediaArticle.objects.get()
    assert list(saved.deputies.all()) == [cast.deputies["b"]]
    edit = reverse("activities:media-update", args=[saved.pk])
    assert client_for("town_a").get(edit).status_code == 403
    data = {"title": "改过", "outlet": "人民网", "level": "central", "published_on": "2026-06-20"}
    assert client.post(edit, data).status_code == 302
    assert MediaArticle.objects.get().title == "改过"
    listing = client_for("deputy_a").get(reverse("activities:media-list"), {"level": "central"})
    assert [a.title for a in listing.context["object_list"]] == ["改过"]
    delete = reverse("activities:media-delete", args=[saved.pk])
    assert client_for("leader").post(delete).status_code == 403
    assert client.post(delete).status_code == 302
    assert not MediaArticle.objects.exists()


def test_media_api(cast, api_for):
    payload = {"title": "代表进站", "outlet": "襄阳日报", "level": "city", "published_on": "2026-06-01"}
    created = api_for("county").post("/api/v1/media-articles/", payload, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert api_for("deputy_a").get(f"/api/v1/media-articles/{pk}/").json()["outlet"] == "襄阳日报"
    assert api_for("unit_a").get(f"/api/v1/media-articles/{pk}/").status_code == 404
    assert api_for("town_a").post("/api/v1/media-articles/", payload, format="json").status_code == 403
    bad = api_for("county").post("/api/v1/media-articles/", {**payload, "level": "x"}, format="json")
    assert bad.status_code == 400
    assert "level" in bad.json()
    assert api_for("town_a").delete(f"/api/v1/media-articles/{pk}/").status_code == 403
    assert api_for("county").delete(f"/api/v1/media-articles/{pk}/").status_code == 204

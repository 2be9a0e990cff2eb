"""What the schema fuzz test (``tests/robustness/test_api_schema_fuzz.py``) found in the loop's
API, pinned: each answer checked against the schema the API serves."""

from __future__ import annotations

import pytest

from daibiao.core.files import store_files
from daibiao.core.testing.files import photo
from daibiao.suggestions.models import Attachment
from tests.robustness.schema import call_checked

pytestmark = pytest.mark.django_db


def test_a_malformed_clue_id_for_take_up_is_a_json_404_not_a_crash(cast, api_for):
    response = api_for("town_a").post("/api/v1/clues/x/take-up/", {}, format="json")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_suggestion_not_replied_to_yet_fits_the_schema_with_an_empty_reply_class(cast):
    suggestion = cast.suggestions["a"]
    response = call_checked(
        cast.users["county"], "GET", "/api/v1/suggestions/{id}/", path_parameters={"id": suggestion.pk}
    )
    assert response.status_code == 200
    assert response.json()["reply_category"] == ""


def test_the_timeline_is_the_whole_list_of_events_as_documented(cast):
    suggestion = cast.suggestions["a"]
    response = call_checked(
        cast.users["county"],
        "GET",
        "/api/v1/suggestions/{id}/timeline/",
        path_parameters={"id": suggestion.pk},
    )
    events = response.json()
    assert isinstance(events, list)
    assert [e["step"] for e in events] == list(
        suggestion.events.order_by("created_at", "id").values_list("step", flat=True)
    )


def test_an_attachment_downloads_with_its_own_type_as_documented(cast):
    (attachment,) = store_files(Attachment, [photo()], actor=None, suggestion=cast.suggestions["a"])
    response = call_checked(
        cast.users["county"],
        "GET",
        "/api/v1/attachments/{id}/download/",
        path_parameters={"id": attachment.pk},
    )
    assert response.status_code == 200
    assert attachment.content_type == "image/jpeg"  # not the octet-stream the schema used to promise

"""Files of the closed loop: a clue's photos, a reply's documents, the evidence of
implementation. Sent through the API and the pages, kept outside the web root, handed out
only to those who see the clue or the suggestion, and never kept for a step that was refused."""

from __future__ import annotations

import io
import re

import lxml.html
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from PIL import Image

from daibiao.core.files import (
    DOCUMENTS,
    PHOTOS,
    check_upload,
    check_uploads,
    cleanup_on_failure,
    private_storage,
    store_files,
)
from daibiao.core.testing.files import docx_bytes, jpeg_bytes, pdf_bytes, photo, png_bytes, upload
from daibiao.suggestions import services
from daibiao.suggestions.api.serializers import ReplySerializer
from daibiao.suggestions.models import Attachment, Clue, Event, Reply, Suggestion
from daibiao.suggestions.tests.walk import suggestion_in

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
CJK = re.compile(r"[\u4e00-\u9fff]")
MINE = reverse("suggestions:mine")


def kept_files() -> set[str]:
    """Every file under PRIVATE_ROOT, relative to it."""
    root = settings.PRIVATE_ROOT
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def body(response) -> bytes:
    # The test client closes the file once the stream is read; closing the response again
    # would signal the end of a request and close the database connection under PostgreSQL.
    return b"".join(response.streaming_content)


def api_url(suggestion, step: str = "") -> str:
    return f"/api/v1/suggestions/{suggestion.pk}/" + (f"{step}/" if step else "")


def multipart(client, url, data):
    return client.post(url, data, format="multipart")


def no_gps(content: bytes) -> bool:
    exif = Image.open(io.BytesIO(content)).getexif()
    return GPS_IFD not in exif and not exif.get_ifd(GPS_IFD)


@pytest.fixture
def handling(cast, api_for):
    """武安镇's suggestion, acknowledged by its lead unit through the API."""
    suggestion = cast.suggestions["a"]
    r = multipart(api_for("unit_a"), api_url(suggestion, "acknowledge"), {})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "handling"
    return suggestion


# --- replies through the API ------------------------------------------------------------------


def reply_with_documents(handling, api_for):
    docx = docx_bytes("关于修复村道的答复")
    r = multipart(
        api_for("unit_a"),
        api_url(handling, "reply"),
        {
            "category": "A",
            "text": "已修复村道。",
            "files": [upload("答复函.pdf", pdf_bytes()), upload("答复意见.docx", docx)],
        },
    )
    return r, docx


def test_a_unit_replies_with_a_pdf_and_a_docx(cast, api_for, handling):
    r, docx = reply_with_documents(handling, api_for)
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "replied"

    reply = Reply.objects.get(suggestion=handling)
    listed = [a for a in r.json()["attachments"] if a["reply"] == reply.pk]
    assert [(a["name"], a["content_type"], a["step"]) for a in listed] == [
        ("答复函.pdf", "application/pdf", "reply"),
        (
            "答复意见.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "reply",
        ),
    ]
    for a in listed:
        assert a["url"] == f"http://testserver/api/v1/attachments/{a['id']}/download/"
        assert a["event"] == Event.objects.get(suggestion=handling, step="reply").pk
    assert [a["size"] for a in listed] == [len(pdf_bytes()), len(docx)]

    # The reply's own serializer lists them too.
    data = ReplySerializer(reply, context={"request": None}).data
    assert [a["name"] for a in data["attachments"]] == ["答复函.pdf", "答复意见.docx"]
    assert all(a["url"].endswith("/download/") for a in data["attachments"])

    # And the details endpoint.
    details = api_for("town_a").get(f"/api/v1/attachments/{listed[0]['id']}/")
    assert details.status_code == 200
    assert details.json()["name"] == "答复函.pdf"


@pytest.mark.parametrize("who", ["unit_a", "unit_b", "town_a", "county", "deputy_a", "leader", "station_a"])
def test_those_who_see_the_suggestion_download_the_same_bytes(cast, api_for, handling, who):
    r, docx = reply_with_documents(handling, api_for)
    assert r.status_code == 200, r.content
    pdf, word = (a for a in r.json()["attachments"] if a["reply"])
    for listed, expected in ((pdf, pdf_bytes()), (word, docx)):
        response = api_for(who).get(listed["url"])
        assert response.status_code == 200, (who, response)
        assert body(response) == expected
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["Content-Type"] == listed["content_type"]


@pytest.mark.parametrize("who", ["town_b", "deputy_b"])
def test_others_get_404_for_the_file_and_its_details(cast, api_for, handling, who):
    r, _ = reply_with_documents(handling, api_for)
    file_id = r.json()["attachments"][0]["id"]
    assert api_for(who).get(f"/api/v1/attachments/{file_id}/download/").status_code == 404
    assert api_for(who).get(f"/api/v1/attachments/{file_id}/").status_code == 404


def test_anonymous_gets_no_file(cast, api_for, client_for, handling):
    r, _ = reply_with_documents(handling, api_for)
    file_id = r.json()["attachments"][0]["id"]
    assert api_for("anonymous").get(f"/api/v1/attachments/{file_id}/download/").status_code in (401, 403)
    url = reverse("suggestions:attachment", args=[file_id])
    page = client_for("anonymous").get(url)
    assert page.status_code == 302
    assert page["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert not page.streaming


def test_an_exe_renamed_pdf_is_400_and_nothing_is_kept(cast, api_for, handling):
    before = kept_files()
    counts = (Reply.objects.count(), Event.objects.count(), Attachment.objects.count())
    r = multipart(
        api_for("unit_a"),
        api_url(handling, "reply"),
        {
            "category": "A",
            "text": "已修复。",
            "files": [upload("答复函.pdf", pdf_bytes()), upload("说明.pdf", EXE)],
        },
    )
    assert r.status_code == 400, r.content
    assert set(r.json()) == {"files"}
    assert any(m.startswith("不接收“说明.pdf”这种文件") for m in r.json()["files"])
    assert (Reply.objects.count(), Event.objects.count(), Attachment.objects.count()) == counts
    assert Suggestion.objects.get(pk=handling.pk).state == "handling"
    assert kept_files() == before


def test_a_refused_step_keeps_no_file(cast, api_for, handling):
    before = kept_files()
    attachments = Attachment.objects.count()
    # A deputy may not reply: 403.
    r = multipart(
        api_for("deputy_a"),
        api_url(handling, "reply"),
        {"category": "A", "text": "我来答复。", "files": [upload("a.pdf", pdf_bytes())]},
    )
    assert r.status_code == 403, r.content
    # Not the state for it (a verification before any reply): 409.
    r = multipart(
        api_for("town_a"),
        api_url(handling, "verify-implemented"),
        {"evidence": "现场查看。", "files": [upload("现场.jpg", jpeg_bytes())]},
    )
    assert r.status_code == 409, r.content
    assert r.json()["state"] == "handling"
    # Out of scope: 404.
    r = multipart(
        api_for("unit_a"),
        api_url(cast.suggestions["b"], "reply"),
        {"category": "A", "text": "已修复。", "files": [upload("a.pdf", pdf_bytes())]},
    )
    assert r.status_code == 404
    assert Attachment.objects.count() == attachments
    assert kept_files() == before


def test_a_wrong_state_reply_with_a_valid_file_is_409_and_keeps_nothing(cast, api_for):
    suggestion = suggestion_in(cast, "assigned")
    before = kept_files()
    r = multipart(
        api_for("unit_a"),
        api_url(suggestion, "reply"),
        {"category": "A", "text": "已修复。", "files": [upload("答复函.pdf", pdf_bytes())]},
    )
    assert r.status_code == 409, r.content
    assert r.json()["state"] == "assigned"
    assert not Attachment.objects.filter(suggestion=suggestion).exists()
    assert kept_files() == before


# --- what cleanup_on_failure guarantees -----------------------------------------------------------


def test_a_step_that_fails_after_storing_its_files_removes_them(cast, monkeypatch):
    """The bytes are written before the rows; if the second row cannot be saved the whole step
    rolls back and the first file's bytes go with it."""
    suggestion = suggestion_in(cast, "handling")
    before = kept_files()
    saved = []
    original_save = Attachment.save

    def save_once(self, *args, **kwargs):
        if saved:
            raise RuntimeError("disk full")
        saved.append(self.file.name)
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", save_once)
    files = check_uploads([upload("a.pdf", pdf_bytes()), upload("b.pdf", pdf_bytes())], DOCUMENTS)
    with pytest.raises(RuntimeError):
        services.reply_to_suggestion(
            suggestion, actor=cast.users["unit_a"], category="A", text="x", files=files
        )
    assert saved  # the first file really was written before the failure
    assert kept_files() == before
    assert not Reply.objects.filter(suggestion=suggestion).exists()
    assert Suggestion.objects.get(pk=suggestion.pk).state == "handling"


def test_clue_photos_are_removed_when_the_change_log_fails(cast, monkeypatch):
    clue = cast.clues["a"]
    before = kept_files()

    def fail(*args, **kwargs):
        raise RuntimeError("log down")

    monkeypatch.setattr(services.audit, "write_entry", fail)
    with pytest.raises(RuntimeError):
        services.add_clue_photos(clue, actor=cast.users["deputy_a"], photos=[photo()])
    assert kept_files() == before
    assert not clue.attachments.exists()


class Boom(Exception):
    """Raised to make a block fail."""


def test_cleanup_on_failure_removes_what_the_block_wrote(cast):
    clue = cast.clues["a"]
    before = kept_files()
    written = []

    def failing_block():
        with cleanup_on_failure(), transaction.atomic():
            rows = store_files(Attachment, [photo(), photo("b.jpg")], actor=None, clue=clue)
            written.extend(r.file.name for r in rows)
            assert len(kept_files() - before) == 2
            raise Boom

    with pytest.raises(Boom):
        failing_block()
    assert len(written) == 2
    assert not any(private_storage.exists(name) for name in written)
    assert kept_files() == before
    # In a block that succeeds, the files stay.
    with cleanup_on_failure():
        (row,) = store_files(Attachment, [photo()], actor=None, clue=clue)
    assert private_storage.exists(row.file.name)


def test_an_outer_block_that_fails_removes_what_an_inner_service_stored(cast):
    clue = cast.clues["a"]
    before = kept_files()

    def failing_block():
        with cleanup_on_failure(), transaction.atomic():
            services.add_clue_photos(clue, actor=cast.users["deputy_a"], photos=[photo()])
            raise Boom

    with pytest.raises(Boom):
        failing_block()
    assert not clue.attachments.exists()
    assert kept_files() == before


def test_deleting_a_row_removes_its_bytes_after_commit(cast, django_capture_on_commit_callbacks):
    (row,) = services.add_clue_photos(cast.clues["a"], actor=cast.users["deputy_a"], photos=[photo()])
    name = row.file.name
    assert private_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        row.delete()
    assert not private_storage.exists(name)


# --- clues and their photos (API) -----------------------------------------------------------------


def test_a_clue_recorded_with_photos_keeps_them_without_gps(cast, api_for):
    deputy = api_for("deputy_a")
    original = jpeg_bytes(size=(120, 80))
    assert not no_gps(original)
    r = multipart(
        deputy,
        "/api/v1/clues/",
        {
            "title": "桥栏杆断裂",
            "content": "河上小桥栏杆断了两处。",
            "photos": [
                upload("桥.jpg", original, "image/jpeg"),
                upload("细节.png", png_bytes(), "image/png"),
            ],
        },
    )
    assert r.status_code == 201, r.content
    clue = r.json()
    assert [(a["name"], a["content_type"]) for a in clue["attachments"]] == [
        ("桥.jpg", "image/jpeg"),
        ("细节.png", "image/png"),
    ]
    assert "photos" not in clue  # write-only
    row = Attachment.objects.get(pk=clue["attachments"][0]["id"])
    assert row.clue_id == clue["id"]
    assert row.suggestion_id is None
    assert row.uploaded_by == cast.users["deputy_a"]
    with row.file.open("rb") as stored:
        kept = stored.read()
    assert kept != original
    assert no_gps(kept)
    assert Image.open(io.BytesIO(kept)).size == (120, 80)
    assert row.sha256
    assert row.size == len(kept)

    downloaded = deputy.get(clue["attachments"][0]["url"])
    assert downloaded.status_code == 200
    assert body(downloaded) == kept
    # listed on the clue's own page of the API as well
    again = deputy.get(f"/api/v1/clues/{clue['id']}/").json()
    assert [a["id"] for a in again["attachments"]] == [a["id"] for a in clue["attachments"]]


def test_a_clue_with_a_pdf_for_a_photo_is_400_and_not_recorded(cast, api_for):
    before, clues = kept_files(), Clue.objects.count()
    r = multipart(
        api_for("deputy_a"),
        "/api/v1/clues/",
        {
            "title": "桥栏杆断裂",
            "content": "河上小桥栏杆断了两处。",
            "photos": [upload("桥.jpg", jpeg_bytes()), upload("说明.pdf", pdf_bytes())],
        },
    )
    assert r.status_code == 400
    assert "photos" in r.json()
    assert Clue.objects.count() == clues
    assert kept_files() == before


def test_adding_photos_to_a_clue_is_for_those_who_may_change_it(cast, api_for):
    clue = cast.clues["a"]
    url = f"/api/v1/clues/{clue.pk}/photos/"

    r = multipart(api_for("deputy_a"), url, {"photos": [upload("补拍.jpg", jpeg_bytes())]})
    assert r.status_code == 200, r.content
    assert [a["name"] for a in r.json()["attachments"]] == ["补拍.jpg"]
    assert no_gps(Attachment.objects.get(clue=clue).file.read())

    before = kept_files()
    r = multipart(api_for("deputy_b"), url, {"photos": [upload("x.jpg", jpeg_bytes())]})
    assert r.status_code == 404
    r = multipart(api_for("leader"), url, {"photos": [upload("x.jpg", jpeg_bytes())]})
    assert r.status_code == 403, r.content
    r = multipart(api_for("town_a"), url, {"photos": [upload("x.pdf", pdf_bytes())]})
    assert r.status_code == 400
    assert "photos" in r.json()
    r = multipart(api_for("town_a"), url, {})
    assert r.status_code == 400
    assert "photos" in r.json()
    assert clue.attachments.count() == 1
    assert kept_files() == before

    assert (
        multipart(api_for("town_a"), url, {"photos": [upload("镇里.jpg", jpeg_bytes())]}).status_code == 200
    )
    assert clue.attachments.count() == 2


def test_clue_photos_are_seen_only_by_those_who_see_the_clue(cast, api_for):
    (row,) = services.add_clue_photos(cast.clues["a"], actor=cast.users["deputy_a"], photos=[photo()])
    url = f"/api/v1/attachments/{row.pk}/download/"
    for who in ("deputy_a", "town_a", "county"):
        assert api_for(who).get(url).status_code == 200, who
    for who in ("deputy_b", "town_b"):
        assert api_for(who).get(url).status_code == 404, who


# --- steps with files (API) -------------------------------------------------------------------------


def test_evidence_of_implementation_is_kept_on_the_event(cast, api_for, client_for):
    suggestion = suggestion_in(cast, "concluded")
    r = multipart(
        api_for("town_a"),
        api_url(suggestion, "verify-implemented"),
        {
            "evidence": "现场查看，护栏牢固。",
            "files": [upload("现场.jpg", jpeg_bytes()), upload("验收单.pdf", pdf_bytes())],
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "implemented"
    event = Event.objects.get(suggestion=suggestion, step="verify_implemented")
    assert [(a["name"], a["event"], a["step"]) for a in r.json()["attachments"]] == [
        ("现场.jpg", event.pk, "verify_implemented"),
        ("验收单.pdf", event.pk, "verify_implemented"),
    ]
    timeline = api_for("deputy_a").get(api_url(suggestion, "timeline")).json()
    assert timeline[-1]["step"] == "verify_implemented"
    assert timeline[-1]["data"]["files"] == ["现场.jpg", "验收单.pdf"]

    # The suggestion's page shows the evidence with its event.
    html = client_for("town_a").get(suggestion.get_absolute_url()).content.decode()
    for row in event.attachments.all():
        assert f'href="{row.get_absolute_url()}"' in html
    assert "验收单.pdf" in html


def test_progress_and_look_back_take_files_too(cast, api_for):
    suggestion = suggestion_in(cast, "handling")
    r = multipart(
        api_for("unit_a"),
        api_url(suggestion, "progress"),
        {"text": "已完成现场勘查。", "files": [upload("勘查.jpg", jpeg_bytes())]},
    )
    assert r.status_code == 200, r.content
    assert Attachment.objects.get(suggestion=suggestion).step == "progress"

    done = suggestion_in(cast, "implemented")
    r = multipart(
        api_for("deputy_a"),
        api_url(done, "look-back"),
        {"finding": "三个月后回访，护栏完好。", "files": [upload("回访.xlsx", _xlsx())]},
    )
    assert r.status_code == 200, r.content
    (row,) = Attachment.objects.filter(suggestion=done, step="look_back")
    assert row.name == "回访.xlsx"
    assert Event.objects.get(suggestion=done, step="look_back").data["files"] == ["回访.xlsx"]


def test_json_steps_still_work_without_files(cast, api_for, handling):
    r = api_for("unit_a").post(api_url(handling, "progress"), {"text": "进展。"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["attachments"] == []
    assert "files" not in Event.objects.filter(suggestion=handling, step="progress").get().data


def _xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "回访记录"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_suggestion_api_does_not_query_per_attachment(cast, api_for):
    def with_files(n: int) -> Suggestion:
        s = suggestion_in(cast, "handling")
        files = [check_upload(upload(f"{i}.pdf", pdf_bytes()), DOCUMENTS) for i in range(n)]
        services.report_progress(s, actor=cast.users["unit_a"], text="进展。", files=files)
        return s

    one, five = with_files(1), with_files(5)
    client = api_for("town_a")
    client.get(api_url(one))  # warm up (token, content types)
    counts = []
    for s, n in ((one, 1), (five, 5)):
        with CaptureQueriesContext(connection) as queries:
            r = client.get(api_url(s))
        assert r.status_code == 200
        assert len(r.json()["attachments"]) == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- pages -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["town_a", "deputy_a"])
def test_photos_added_through_the_clue_page_show_on_it(cast, client_for, who):
    clue = cast.clues["a"]
    client = client_for(who)
    r = client.post(
        reverse("suggestions:clue-photos", args=[clue.pk]),
        {"photos-photos": [upload("现场.jpg", jpeg_bytes(), "image/jpeg")]},
    )
    assert r.status_code == 302
    assert r["Location"] == clue.get_absolute_url()
    (row,) = clue.attachments.all()
    assert row.uploaded_by == cast.users[who]

    html = client.get(clue.get_absolute_url()).content.decode()
    assert f'<img src="{row.get_absolute_url()}"' in html

    shown = client.get(row.get_absolute_url())
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert no_gps(body(shown))
    download = client.get(row.get_absolute_url() + "?download=1")
    assert download["Content-Disposition"].startswith("attachment")
    assert body(download)  # read to the end: the client then closes the file

    for other in ("town_b", "deputy_b"):
        assert client_for(other).get(row.get_absolute_url()).status_code == 404


def test_an_invalid_photo_re_renders_the_clue_page_with_the_error(cast, client_for):
    clue = cast.clues["a"]
    before = kept_files()
    r = client_for("town_a").post(
        reverse("suggestions:clue-photos", args=[clue.pk]),
        {"photos-photos": [upload("photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")]},
    )
    assert r.status_code == 200
    html = r.content.decode()
    with translation.override("zh-hans"):  # the site's language
        expected = check_error("photo.jpg")
    assert expected in html
    assert r.context["photos_form"].errors["photos"] == [expected]
    assert not clue.attachments.exists()
    assert kept_files() == before


def test_the_clue_page_error_is_in_chinese(cast, client_for):
    with translation.override("zh-hans"):
        expected = check_error("photo.jpg")
    assert CJK.search(expected.replace("photo.jpg", ""))
    r = client_for("town_a").post(
        reverse("suggestions:clue-photos", args=[cast.clues["a"].pk]),
        {"photos-photos": [upload("photo.jpg", b"<html></html>", "image/jpeg")]},
    )
    assert expected in r.content.decode()


def check_error(name: str) -> str:
    from django.core.exceptions import ValidationError

    try:
        check_upload(upload(name, b"<html></html>"), PHOTOS)
    except ValidationError as exc:
        return exc.messages[0]
    raise AssertionError("not refused")


def test_a_clue_photos_post_by_someone_who_may_not_change_it(cast, client_for):
    clue = cast.clues["a"]
    url = reverse("suggestions:clue-photos", args=[clue.pk])
    r = client_for("leader").post(url, {"photos-photos": [upload("x.jpg", jpeg_bytes())]})
    assert r.status_code == 403
    r = client_for("deputy_b").post(url, {"photos-photos": [upload("x.jpg", jpeg_bytes())]})
    assert r.status_code == 404
    assert not clue.attachments.exists()


def test_the_reply_form_takes_files_and_the_reply_card_links_them(cast, client_for):
    suggestion = cast.suggestions["a"]
    services.acknowledge_suggestion(suggestion, actor=cast.users["unit_a"])
    client = client_for("unit_a")
    page = client.get(suggestion.get_absolute_url()).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="reply-files"' in page

    r = client.post(
        reverse("suggestions:suggestion-reply", args=[suggestion.pk]),
        {
            "reply-category": "A",
            "reply-text": "已修复村道。",
            "reply-files": [upload("答复函.pdf", pdf_bytes()), upload("现场.jpg", jpeg_bytes())],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    reply = Reply.objects.get(suggestion=suggestion)
    pdf, jpg = reply.attachments.order_by("id")
    assert (pdf.name, jpg.name) == ("答复函.pdf", "现场.jpg")

    for who in ("unit_a", "deputy_a", "town_a"):
        tree = lxml.html.fromstring(client_for(who).get(suggestion.get_absolute_url()).content)
        (card,) = tree.xpath('//*[@data-testid="reply"]')
        links = {a.get("href"): a.text_content() for a in card.iter("a")}
        assert pdf.get_absolute_url() in links, who
        assert "答复函.pdf" in links[pdf.get_absolute_url()]
        assert any(img.get("src") == jpg.get_absolute_url() for img in card.iter("img"))
        # The reply's files are shown with the reply, not a second time in the timeline.
        page = lxml.html.tostring(tree, encoding="unicode")
        assert page.count(f'href="{pdf.get_absolute_url()}"') == 1


def test_a_bad_file_on_the_reply_form_shows_the_form_again(cast, client_for):
    suggestion = cast.suggestions["a"]
    services.acknowledge_suggestion(suggestion, actor=cast.users["unit_a"])
    before = kept_files()
    r = client_for("unit_a").post(
        reverse("suggestions:suggestion-reply", args=[suggestion.pk]),
        {"reply-category": "A", "reply-text": "已修复。", "reply-files": [upload("答复.pdf", EXE)]},
    )
    assert r.status_code == 200
    assert "答复.pdf" in r.content.decode()
    form = next(p["form"] for p in r.context["steps"] if p["step"] == "reply")
    assert "files" in form.errors
    assert not Reply.objects.filter(suggestion=suggestion).exists()
    assert kept_files() == before


def test_a_deputy_records_a_clue_with_a_photo_on_the_mine_page(cast, client_for):
    client = client_for("deputy_a")
    page = client.get(MINE).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="clue-photos"' in page

    r = client.post(
        MINE,
        {
            "clue-title": "水渠堵塞",
            "clue-content": "村东水渠被垃圾堵住。",
            "clue-photos": [upload("水渠.jpg", jpeg_bytes(), "image/jpeg")],
        },
    )
    assert r.status_code == 302
    assert r["Location"] == MINE
    clue = Clue.objects.get(title="水渠堵塞")
    assert clue.recorded_by == cast.deputies["a"]
    (row,) = clue.attachments.all()
    assert row.name == "水渠.jpg"
    assert no_gps(row.file.read())
    html = client.get(clue.get_absolute_url()).content.decode()
    assert f'<img src="{row.get_absolute_url()}"' in html


def test_the_mine_page_refuses_a_pdf_as_a_photo_and_records_nothing(cast, client_for):
    clues = Clue.objects.count()
    r = client_for("deputy_a").post(
        MINE,
        {
            "clue-title": "水渠堵塞",
            "clue-content": "村东水渠被垃圾堵住。",
            "clue-photos": [upload("水渠.pdf", pdf_bytes())],
        },
    )
    assert r.status_code == 200
    assert r.context["clue_form"].errors["photos"]
    assert Clue.objects.count() == clues

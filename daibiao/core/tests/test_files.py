"""Uploaded files are judged by their bytes: photos are decoded and written again (no EXIF, no
GPS, upright, at most 3000 px), PDFs must be whole, Word and Excel files must be real OOXML
packages, anything else is refused with a message naming the file. No database here."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

import openpyxl
import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from PIL import Image, PngImagePlugin
from rest_framework import serializers

from daibiao.core import files
from daibiao.core.files import (
    DOCUMENTS,
    EXCEL,
    EXCEL_TYPE,
    IMAGE,
    OLD_OFFICE,
    OLE_MAGIC,
    PDF,
    PHOTOS,
    WORD,
    WORD_TYPE,
    CheckedFile,
    FilesField,
    check_upload,
    check_uploads,
    clean_name,
    private_storage,
    serve,
    uploads_field,
)
from daibiao.core.testing.files import docx_bytes, jpeg_bytes, pdf_bytes, png_bytes, upload

GPS_IFD = 0x8825
ORIENTATION = 0x0112
CJK = re.compile(r"[\u4e00-\u9fff]")
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English here; one test checks their Chinese."""
    with translation.override("en"):
        yield


def refusal(content: bytes, name: str, kinds=DOCUMENTS) -> list[str]:
    with pytest.raises(ValidationError) as info:
        check_upload(upload(name, content), kinds)
    return info.value.messages


def reopen(checked: CheckedFile) -> Image.Image:
    image = Image.open(io.BytesIO(checked.content))
    image.load()
    return image


def image_bytes(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "代表建议"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes], *, encrypted: bool = False) -> bytes:
    """A zip of ``entries``; ``encrypted`` sets the "encrypted" flag of every entry, in the local
    and central headers, as a password-protected Office file has (zipfile cannot write one)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in entries.items():
            package.writestr(name, data)
    data = bytearray(out.getvalue())
    if encrypted:
        for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            start = data.find(signature)
            while start != -1:
                data[start + flags_at] |= 0x1
                start = data.find(signature, start + 4)
    return bytes(data)


# --- photos -------------------------------------------------------------------------------------


def test_a_phones_jpeg_loses_its_exif_and_gps_but_still_decodes():
    original = jpeg_bytes(size=(64, 48))
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()  # the helper really carries GPS

    checked = check_upload(upload("现场.jpg", original, "image/jpeg"), PHOTOS)

    assert (checked.kind, checked.content_type, checked.name) == (IMAGE, "image/jpeg", "现场.jpg")
    image = reopen(checked)
    assert image.format == "JPEG"
    assert image.size == (64, 48)
    exif = image.getexif()
    assert GPS_IFD not in exif
    assert not exif.get_ifd(GPS_IFD)
    assert dict(exif) == {}  # the maker, too: nothing of the phone's metadata is kept
    assert b"PhoneMaker" not in checked.content
    assert "exif" not in image.info


def test_xmp_and_png_text_chunks_do_not_survive_either():
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="31,46.2N"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    jpeg = image_bytes(Image.new("RGB", (20, 20)), "JPEG", xmp=xmp)
    assert b"GPSLatitude" in jpeg
    assert b"GPSLatitude" not in check_upload(upload("a.jpg", jpeg), PHOTOS).content

    text = PngImagePlugin.PngInfo()
    text.add_text("Location", "31.77N 111.83E")
    png = image_bytes(Image.new("RGB", (20, 20)), "PNG", pnginfo=text)
    assert b"31.77N" in png
    assert b"31.77N" not in check_upload(upload("a.png", png), PHOTOS).content


def test_a_sideways_photo_is_turned_upright():
    # Stored 40 wide and 20 high, left half red, right half blue; EXIF orientation 6 says
    # "turn 90° clockwise to show", so the upright photo is 20 × 40 with red on top.
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    checked = check_upload(upload("sideways.jpg", image_bytes(image, "JPEG", exif=exif)), PHOTOS)

    upright = reopen(checked).convert("RGB")
    assert upright.size == (20, 40)
    red, _, blue = upright.getpixel((10, 5))
    assert red > 200
    assert blue < 60
    red, _, blue = upright.getpixel((10, 35))
    assert red < 60
    assert blue > 200
    assert ORIENTATION not in reopen(checked).getexif()  # not turned a second time by a viewer


def test_a_very_wide_image_shrinks_to_3000_px_keeping_its_proportions():
    checked = check_upload(upload("panorama.jpg", jpeg_bytes(size=(5000, 100), gps=False)), PHOTOS)
    width, height = reopen(checked).size
    assert max(width, height) <= files.MAX_IMAGE_SIDE == 3000
    assert (width, height) == (3000, 60)


def test_a_png_with_transparency_stays_a_png_with_its_alpha():
    checked = check_upload(upload("logo.png", png_bytes()), PHOTOS)
    assert (checked.content_type, checked.name) == ("image/png", "logo.png")
    image = reopen(checked)
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    assert image.getpixel((5, 5))[3] == 128


def test_a_webp_photo_is_kept_as_a_jpeg_and_named_so():
    webp = image_bytes(Image.new("RGB", (30, 30), (10, 200, 10)), "WEBP")
    checked = check_upload(upload("微信图片.webp", webp), PHOTOS)
    assert checked.content_type == "image/jpeg"
    assert checked.name.endswith(".jpg")
    assert reopen(checked).format == "JPEG"


def test_an_animated_gif_keeps_its_frames():
    frames = [Image.new("RGB", (10, 10), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    gif = image_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    checked = check_upload(upload("anim.gif", gif), PHOTOS)
    assert checked.content_type == "image/gif"
    assert Image.open(io.BytesIO(checked.content)).n_frames == 3


def test_a_gifs_comment_is_dropped():
    gif = image_bytes(Image.new("RGB", (10, 10)), "GIF", comment=b"taken at 31.77N 111.83E")
    checked = check_upload(upload("a.gif", gif), PHOTOS)
    assert b"31.77N" not in checked.content


def test_a_damaged_photo_is_refused():
    (message,) = refusal(b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"garbage" * 20, "broken.jpg", PHOTOS)
    assert "could not be read" in message


# --- documents ----------------------------------------------------------------------------------


def test_a_pdf_passes_unchanged():
    checked = check_upload(upload("答复函.PDF", pdf_bytes(), "application/pdf"))
    assert (checked.kind, checked.content_type, checked.name) == (PDF, "application/pdf", "答复函.pdf")
    assert checked.content == pdf_bytes()
    assert checked.size == len(pdf_bytes())
    assert len(checked.sha256) == 64


def test_a_truncated_pdf_is_refused():
    cut = pdf_bytes()[: pdf_bytes().index(b"%%EOF")]
    (message,) = refusal(cut, "答复函.pdf")
    assert "PDF is incomplete" in message


def test_a_real_docx_passes_as_docx_whatever_it_is_called():
    docx = docx_bytes()
    checked = check_upload(upload("reply.pdf", docx, "application/pdf"))
    assert checked.kind == WORD
    assert checked.content_type == WORD_TYPE
    assert checked.name.endswith(".docx")
    assert checked.name == "reply.pdf.docx"
    assert checked.content == docx  # documents are kept byte for byte


def test_a_real_xlsx_passes_as_xlsx():
    checked = check_upload(upload("台账.xlsx", xlsx_bytes()))
    assert (checked.kind, checked.content_type, checked.name) == (EXCEL, EXCEL_TYPE, "台账.xlsx")


def test_a_zip_that_is_not_ooxml_is_refused():
    (message,) = refusal(zip_bytes({"readme.txt": b"hello", "run.sh": b"rm -rf /"}), "report.docx")
    assert "not a Word or Excel document" in message


def test_a_damaged_zip_is_refused():
    (message,) = refusal(b"PK\x03\x04" + b"\x00" * 100, "report.docx")
    assert "could not be read" in message


def test_an_encrypted_package_is_refused():
    entries = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    assert check_upload(upload("open.docx", zip_bytes(entries))).kind == WORD
    package = zip_bytes(entries, encrypted=True)
    assert all(e.flag_bits & 0x1 for e in zipfile.ZipFile(io.BytesIO(package)).infolist())
    (message,) = refusal(package, "secret.docx")
    assert "Encrypted" in message


def test_a_package_that_unpacks_to_too_much_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_UNZIPPED_BYTES", 1000)
    package = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b" " * 5000})
    (message,) = refusal(package, "bomb.docx")
    assert "implausible size" in message


def test_an_old_office_file_keeps_its_claimed_extension_when_it_is_one():
    ole = OLE_MAGIC + b"\x00" * 504
    checked = check_upload(upload("旧台账.xls", ole))
    assert (checked.kind, checked.name, checked.content_type) == (
        OLD_OFFICE,
        "旧台账.xls",
        "application/vnd.ms-excel",
    )
    assert check_upload(upload("noname.bin", ole)).name == "noname.bin.doc"


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "what"), [(HTML, "html"), (EXE, "exe")])
def test_html_or_an_exe_renamed_photo_jpg_is_refused_with_a_clear_message(content, what):
    for kinds in (PHOTOS, DOCUMENTS):
        (message,) = refusal(content, "photo.jpg", kinds)
        assert "“photo.jpg” is not an accepted file" in message, what
        assert "Accepted:" in message
        assert "JPEG" in message


def test_a_pdf_where_only_photos_are_accepted_is_refused():
    (message,) = refusal(pdf_bytes(), "现场.pdf", PHOTOS)
    assert "“现场.pdf” is not an accepted file" in message
    assert "photo (JPEG, PNG, WebP, GIF)" in message
    assert "PDF" not in message.split("Accepted:")[1]


def test_svg_is_not_a_photo():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert "not an accepted file" in refusal(svg, "icon.svg", DOCUMENTS)[0]


def test_an_empty_file_is_refused():
    (message,) = refusal(b"", "空.pdf")
    assert message == "“空.pdf” is empty."


@override_settings(UPLOAD_MAX_BYTES=1024 * 1024)
def test_a_file_over_the_limit_is_refused():
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    (message,) = refusal(big, "big.pdf")
    assert message == "“big.pdf” is larger than 1.0\xa0MB."

    class Stream(io.BytesIO):  # an upload that does not say its size: read, then refused
        name = "stream.pdf"

    with pytest.raises(ValidationError) as info:
        check_upload(Stream(big))
    assert info.value.messages == ["“stream.pdf” is larger than 1.0\xa0MB."]

    exact = b"%PDF-1.4\n" + b"0" * (1024 * 1024 - 20) + b"\n%%EOF\n"
    assert len(exact) <= 1024 * 1024
    assert check_upload(upload("exact.pdf", exact)).kind == PDF


def test_ten_files_are_refused_when_nine_are_allowed():
    assert check_uploads([upload(f"{i}.pdf", pdf_bytes()) for i in range(9)]) != []
    with pytest.raises(ValidationError) as info:
        check_uploads([upload(f"{i}.pdf", pdf_bytes()) for i in range(10)])
    assert info.value.messages == ["Attach at most 9 files."]
    with override_settings(UPLOAD_MAX_FILES=2), pytest.raises(ValidationError):
        check_uploads([upload(f"{i}.pdf", pdf_bytes()) for i in range(3)])
    with pytest.raises(ValidationError) as info:
        check_uploads([upload("a.pdf", pdf_bytes()), upload("b.pdf", pdf_bytes())], max_count=1)
    assert info.value.messages == ["Attach at most 1 file."]


def test_several_bad_files_report_all_their_messages():
    good = upload("ok.pdf", pdf_bytes())
    with pytest.raises(ValidationError) as info:
        check_uploads(
            [
                upload("page.jpg", HTML),
                good,
                upload("empty.docx", b""),
                upload("cut.pdf", b"%PDF-1.4\nno end"),
                upload("setup.pdf", EXE),
            ]
        )
    messages = info.value.messages
    assert len(messages) == 4
    assert "“page.jpg” is not an accepted file" in messages[0]
    assert messages[1] == "“empty.docx” is empty."
    assert "PDF is incomplete" in messages[2]
    assert "“setup.pdf” is not an accepted file" in messages[3]


def test_check_uploads_skips_empty_slots_and_returns_checked_files_in_order():
    checked = check_uploads([None, upload("a.pdf", pdf_bytes()), upload("b.docx", docx_bytes())])
    assert [c.name for c in checked] == ["a.pdf", "b.docx"]
    assert [c.kind for c in checked] == [PDF, WORD]


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("C:\\Users\\me\\Desktop\\现场.JPG", "jpg", "现场.jpg"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("/var/www/reply.pdf", "pdf", "reply.pdf"),
        ("a\x00b\nc\x1b.pdf", "pdf", "abc.pdf"),
        ('<img src=x onerror="1">.pdf', "pdf", "img src=x onerror=1.pdf"),
        ("reply.pdf", "docx", "reply.pdf.docx"),
        ("photo.jpg", "png", "photo.jpg.png"),
        ("", "png", "file.png"),
        (None, "pdf", "file.pdf"),
        ("...", "pdf", "file.pdf"),
        (" .hidden. ", "pdf", "hidden.pdf"),
    ],
)
def test_clean_name_strips_folders_and_control_characters_and_fixes_the_extension(name, extension, expected):
    assert clean_name(name, extension) == expected


def test_clean_name_keeps_long_names_short():
    name = clean_name("很长的文件名" * 30 + ".pdf", "pdf")
    assert name.endswith(".pdf")
    assert len(name) <= 80
    assert name == ("很长的文件名" * 12)[:70] + ".pdf"


def test_a_checked_file_is_named_from_its_content_not_its_claim():
    checked = check_upload(upload("../evil\x00.exe", jpeg_bytes()), PHOTOS)
    assert checked.name == "evil.exe.jpg"
    assert checked.extension == "jpg"


# --- disguises and polyglots: the name and the browser's word count for nothing ----------------

TEXT = "会议纪要：村道维修，下周开工。\n".encode()


@pytest.mark.parametrize(
    ("content", "what"), [(TEXT, "text"), (HTML, "html"), (b"GIF89a=alert(1)//", "gif-js")]
)
def test_a_text_or_html_file_named_png_and_sent_as_image_png_is_refused(content, what):
    for kinds in (PHOTOS, DOCUMENTS):
        with pytest.raises(ValidationError):
            check_upload(upload("photo.png", content, "image/png"), kinds)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (TEXT, "text"),
        (HTML, "html"),
        (b"{\\rtf1\\ansi hello}", "rtf"),
        (EXE, "exe"),
        (b"<?xml version='1.0'?><w:document/>", "bare xml"),
    ],
)
def test_a_docx_that_is_not_a_zip_is_refused(content, what):
    with pytest.raises(ValidationError) as info:
        check_upload(upload("答复.docx", content, WORD_TYPE), DOCUMENTS)
    (message,) = info.value.messages
    assert "“答复.docx” is not an accepted file" in message, what


def test_a_photo_with_html_or_a_zip_appended_keeps_only_the_photo():
    """A picture that is also a page or an archive (a "GIFAR"): decoding and writing it again
    leaves only the picture, so neither the page nor the archive is ever stored."""
    archive = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    for base in (png_bytes(), jpeg_bytes(gps=False)):
        for payload in (HTML, archive):
            polyglot = base + payload
            assert payload in polyglot
            if payload is archive:
                assert zipfile.is_zipfile(io.BytesIO(polyglot))  # it really is both
            checked = check_upload(upload("photo.html", polyglot, "text/html"), PHOTOS)
            assert checked.kind == IMAGE
            assert checked.content_type in ("image/png", "image/jpeg")
            assert b"<script" not in checked.content
            assert b"PK\x03\x04" not in checked.content
            assert not zipfile.is_zipfile(io.BytesIO(checked.content))
            assert reopen(checked).size == Image.open(io.BytesIO(base)).size


def test_html_behind_an_image_signature_is_refused():
    for magic in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a"):
        with pytest.raises(ValidationError) as info:
            check_upload(upload("photo.png", magic + HTML, "image/png"), PHOTOS)
        assert "could not be read" in info.value.messages[0]


def test_a_pdf_that_is_also_a_page_is_kept_as_a_pdf_only():
    """A PDF carrying HTML passes as a PDF, but it is named, typed and served as one: a
    browser told ``application/pdf`` with ``nosniff`` never runs it as a page."""
    polyglot = b"%PDF-1.4\n" + HTML + b"\n" + pdf_bytes()[len(b"%PDF-1.4\n") :]
    checked = check_upload(upload("page.html", polyglot, "text/html"))
    assert (checked.kind, checked.content_type, checked.name) == (PDF, "application/pdf", "page.html.pdf")
    row = stored(checked.name, checked.content, checked.content_type)
    try:
        response = serve(row)
        response.file_to_stream.close()
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["Content-Disposition"].startswith("attachment;")
    finally:
        private_storage.delete(row.file.name)


@pytest.mark.parametrize(
    "client_name",
    ["../../../etc/cron.d/evil", "shell.php", "现场.jpg", "index.html", "C:\\Windows\\x.exe", ".htaccess"],
)
def test_the_stored_name_is_never_the_clients(client_name):
    """The bytes are stored under a random name with the content's extension; the client's
    name, cleaned, is only what the download is called."""
    checked = check_upload(upload(client_name, jpeg_bytes(gps=False), "image/jpeg"), PHOTOS)
    assert checked.name.endswith(".jpg")
    assert "/" not in checked.name
    assert "\\" not in checked.name
    row = stored(checked.name, checked.content, checked.content_type)
    try:
        stem = PurePath(client_name.replace("\\", "/")).stem.strip(".")
        assert re.fullmatch(r"suggestions/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", row.file.name)
        assert stem not in row.file.name
        assert row.name == checked.name
    finally:
        private_storage.delete(row.file.name)


# --- translation --------------------------------------------------------------------------------


def test_messages_are_in_chinese_under_zh_hans():
    msgid = "“%(name)s” is larger than %(limit)s."
    with translation.override("zh-hans"):
        translated = translation.gettext(msgid) != msgid
        with override_settings(UPLOAD_MAX_BYTES=1024 * 1024):
            messages = refusal(b"%PDF-" + b"0" * (1024 * 1024) + b"%%EOF", "big.pdf")
    assert translated
    (message,) = messages
    assert "MB" in message
    assert "big.pdf" in message
    assert CJK.search(message)


# --- fields -------------------------------------------------------------------------------------


class PhotoForm(forms.Form):
    photos = FilesField(kinds=PHOTOS)


class DocumentForm(forms.Form):
    files = FilesField(required=True, max_count=2)


def test_the_forms_field_gives_checked_files_and_tells_the_browser_what_to_offer():
    form = PhotoForm(
        data={},
        files=MultiValueDict({"photos": [upload("a.jpg", jpeg_bytes()), upload("b.png", png_bytes())]}),
    )
    assert form.is_valid(), form.errors
    assert [c.name for c in form.cleaned_data["photos"]] == ["a.jpg", "b.png"]
    attrs = PhotoForm().fields["photos"].widget.attrs
    assert attrs["accept"] == "image/*"
    assert attrs["multiple"] is True
    assert ".pdf" in DocumentForm().fields["files"].widget.attrs["accept"]
    assert ".docx" in DocumentForm().fields["files"].widget.attrs["accept"]


def test_the_forms_field_is_optional_unless_required_and_refuses_bad_files():
    empty = PhotoForm(data={}, files=MultiValueDict())
    assert empty.is_valid()
    assert empty.cleaned_data["photos"] == []

    assert not DocumentForm(data={}, files=MultiValueDict()).is_valid()
    form = PhotoForm(data={}, files=MultiValueDict({"photos": [upload("a.pdf", pdf_bytes())]}))
    assert not form.is_valid()
    assert "not an accepted file" in form.errors["photos"][0]
    form = DocumentForm(
        data={}, files=MultiValueDict({"files": [upload(f"{i}.pdf", pdf_bytes()) for i in range(3)]})
    )
    assert not form.is_valid()
    assert form.errors["files"] == ["Attach at most 2 files."]


class UploadSerializer(serializers.Serializer):
    files = uploads_field(kinds=DOCUMENTS)


def test_the_api_field_checks_like_the_forms():
    ok = UploadSerializer(data={"files": [upload("a.pdf", pdf_bytes()), upload("b.docx", docx_bytes())]})
    assert ok.is_valid(), ok.errors
    assert [c.kind for c in ok.validated_data["files"]] == [PDF, WORD]

    bad = UploadSerializer(data={"files": [upload("a.pdf", EXE), upload("b.jpg", HTML)]})
    assert not bad.is_valid()
    assert len(bad.errors["files"]) == 2
    assert all("not an accepted file" in str(m) for m in bad.errors["files"])

    assert UploadSerializer(data={}).is_valid()  # optional


# --- serving ------------------------------------------------------------------------------------


def stored(name: str, content: bytes, content_type: str):
    """An unsaved row whose bytes are in the private storage (no database needed)."""
    from django.core.files.base import ContentFile

    from daibiao.suggestions.models import Attachment

    row = Attachment(name=name, content_type=content_type, size=len(content))
    row.file.save(name, ContentFile(content), save=False)
    return row


def test_serve_hands_out_files_that_a_browser_will_not_sniff_or_run():
    row = stored("答复函.pdf", pdf_bytes(), "application/pdf")
    try:
        response = serve(row)
        assert b"".join(response.streaming_content) == pdf_bytes()
        response.file_to_stream.close()  # not close(): that signals the end of a request
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert "default-src 'none'" in response["Content-Security-Policy"]
        assert response["Content-Disposition"].startswith("attachment;")
        assert "filename*=utf-8''%E7%AD%94%E5%A4%8D%E5%87%BD.pdf" in response["Content-Disposition"]
        assert response["Cache-Control"].startswith("private")
    finally:
        private_storage.delete(row.file.name)


def test_serve_shows_photos_inline_unless_asked_to_download():
    row = stored("现场.jpg", jpeg_bytes(gps=False), "image/jpeg")
    try:
        inline = serve(row)
        inline.file_to_stream.close()
        assert inline["Content-Disposition"].startswith("inline")
        assert inline["X-Content-Type-Options"] == "nosniff"
        download = serve(row, inline=False)
        download.file_to_stream.close()
        assert download["Content-Disposition"].startswith("attachment")
    finally:
        private_storage.delete(row.file.name)


def test_stored_files_get_unguessable_names_outside_the_web_root():
    from django.conf import settings

    row = stored("现场.jpg", jpeg_bytes(gps=False), "image/jpeg")
    try:
        path = private_storage.path(row.file.name)
        assert str(path).startswith(str(settings.PRIVATE_ROOT))
        assert not str(path).startswith(str(settings.MEDIA_ROOT))
        assert "现场" not in row.file.name
        assert re.fullmatch(r"suggestions/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", row.file.name)
    finally:
        private_storage.delete(row.file.name)

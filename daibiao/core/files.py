"""Uploaded files: checked by what they contain, kept out of the web root, handed out only to
those allowed to see what they belong to.

- ``check_upload`` reads an upload and decides its type from its bytes, never from its name
  or the browser's word: photos must decode (and are re-encoded, which drops EXIF data such
  as the GPS position a phone writes into every picture), PDFs must look like PDFs, Word and
  Excel files must be the zip packages they claim to be (with a cap on the unpacked size).
- ``StoredFile`` is the abstract model of a kept file; each app's concrete model says what the
  file belongs to, and its queryset's scope decides who may fetch it.
- ``FilesField`` (forms) and ``UploadsField`` (API) take several files at once and give the
  caller checked files; services store them with ``store_files`` inside their transaction,
  and the stored bytes are removed again if that transaction fails.
- ``serve`` answers a download with headers that stop a browser from sniffing or running it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import threading
import uuid
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.db import models, transaction
from django.db.models import Q
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from daibiao.accounts.choices import Role

from .scoping import Action, ScopedQuerySet, scope_through

IMAGE = "image"
PDF = "pdf"
WORD = "word"
EXCEL = "excel"
OLD_OFFICE = "old-office"  # .doc / .xls / .wps from older office suites (OLE2 files)

PHOTOS = (IMAGE,)
DOCUMENTS = (IMAGE, PDF, WORD, EXCEL, OLD_OFFICE)

KIND_LABELS = {
    IMAGE: _("photo (JPEG, PNG, WebP, GIF)"),
    PDF: _("PDF"),
    WORD: _("Word document (.docx)"),
    EXCEL: _("Excel workbook (.xlsx)"),
    OLD_OFFICE: _("older Office or WPS file (.doc, .xls, .wps)"),
}

MAX_IMAGE_SIDE = 3000  # px: more than any screen or A4 print needs; phone photos shrink
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # an honest .docx/.xlsx unpacks to far less
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLD_OFFICE_TYPES = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "wps": "application/vnd.ms-works",
    "et": "application/vnd.ms-excel",
}
WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXCEL_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def max_upload_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


@dataclasses.dataclass(frozen=True)
class CheckedFile:
    """An upload that passed ``check_upload``: the bytes to keep and what they are."""

    name: str  # the file name to show and to download as (original stem, true extension)
    content: bytes
    content_type: str
    kind: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def extension(self) -> str:
        return PurePath(self.name).suffix.lstrip(".")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def clean_name(name: str, extension: str) -> str:
    """A display name from what the browser sent: no folders, no control characters, at most
    80 characters, ending in the extension the content really has."""
    base = PurePath(str(name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    suffix = PurePath(base).suffix.lower().lstrip(".")
    same = suffix == extension or (suffix, extension) in {("jpeg", "jpg"), ("jpe", "jpg"), ("tif", "tiff")}
    stem = PurePath(base).stem if same else base
    stem = stem[:70] or "file"
    return f"{stem}.{extension}"


def _refuse(message, **params) -> ValidationError:
    return ValidationError(message, code="invalid_file", params=params)


def _image(data: bytes) -> tuple[bytes, str, str]:
    """Decode the photo fully, turn it upright, shrink it to MAX_IMAGE_SIDE and write it again
    without its metadata. GIFs keep their frames but lose their comments."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ) as exc:
            raise _refuse(_("The photo could not be read; it may be damaged.")) from exc
    fmt = image.format
    if fmt not in {"JPEG", "PNG", "WEBP", "GIF", "MPO"}:
        raise _refuse(_("Photos must be JPEG, PNG, WebP or GIF."))
    out = io.BytesIO()
    if fmt == "GIF":
        animated = getattr(image, "is_animated", False)
        if not animated:
            image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
        image.save(out, format="GIF", save_all=animated, comment=b"")
        return out.getvalue(), "image/gif", "gif"
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    if (
        fmt == "PNG"
        or (image.mode in ("RGBA", "LA", "P") and "transparency" in image.info)
        or image.mode
        in (
            "RGBA",
            "LA",
        )
    ):
        image.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png", "png"
    image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), "image/jpeg", "jpg"


def _zip_package(data: bytes) -> tuple[str, str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = package.infolist()
            names = {entry.filename for entry in entries}
            if sum(entry.file_size for entry in entries) > MAX_UNZIPPED_BYTES:
                raise _refuse(_("The document unpacks to an implausible size."))
            if any(entry.flag_bits & 0x1 for entry in entries):
                raise _refuse(_("Encrypted documents cannot be accepted; save it without a password."))
    except zipfile.BadZipFile as exc:
        raise _refuse(_("The document could not be read; it may be damaged.")) from exc
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return WORD, WORD_TYPE, "docx"
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return EXCEL, EXCEL_TYPE, "xlsx"
    raise _refuse(_("This zip file is not a Word or Excel document."))


def check_upload(upload, kinds: Sequence[str] = DOCUMENTS) -> CheckedFile:
    """The upload's bytes as a ``CheckedFile`` of one of ``kinds``, or ``ValidationError``
    with a message for the person who chose the file."""
    limit = max_upload_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(
            _("“%(name)s” is larger than %(limit)s."), name=upload.name, limit=filesizeformat(limit)
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(
            _("“%(name)s” is larger than %(limit)s."), name=upload.name, limit=filesizeformat(limit)
        )
    if not data:
        raise _refuse(_("“%(name)s” is empty."), name=upload.name)
    name = getattr(upload, "name", "") or ""
    claimed = PurePath(name).suffix.lower().lstrip(".")
    if data.startswith(b"%PDF-"):
        kind, content_type, ext = PDF, "application/pdf", "pdf"
        if b"%%EOF" not in data[-2048:]:
            raise _refuse(_("The PDF is incomplete; it may have been cut off while uploading."))
    elif data.startswith(b"PK\x03\x04"):
        kind, content_type, ext = _zip_package(data)
    elif data.startswith(OLE_MAGIC):
        kind, ext = OLD_OFFICE, claimed if claimed in OLD_OFFICE_TYPES else "doc"
        content_type = OLD_OFFICE_TYPES[ext]
    elif data.startswith(IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        kind = IMAGE
        if IMAGE in kinds:
            data, content_type, ext = _image(data)
    else:
        kind = None
    if kind not in kinds:
        accepted = "、".join(str(KIND_LABELS[k]) for k in kinds)
        raise _refuse(
            _("“%(name)s” is not an accepted file. Accepted: %(accepted)s."), name=name, accepted=accepted
        )
    return CheckedFile(name=clean_name(name, ext), content=data, content_type=content_type, kind=kind)


def check_uploads(
    uploads: Iterable, kinds: Sequence[str] = DOCUMENTS, *, max_count: int | None = None
) -> list:
    """Every upload checked; all messages together, so one bad file does not hide another."""
    uploads = [u for u in uploads if u]
    max_count = max_count or settings.UPLOAD_MAX_FILES
    if len(uploads) > max_count:
        raise ValidationError(
            ngettext("Attach at most %(n)d file.", "Attach at most %(n)d files.", max_count)
            % {"n": max_count},
            code="too_many_files",
        )
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload, kinds))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return checked


# --- storage and the abstract model -------------------------------------------------------


class PrivateStorage(LazyObject):
    """The ``private`` storage of ``STORAGES``, looked up when first used (so tests' settings
    apply), under PRIVATE_ROOT unless configured otherwise."""

    def _setup(self):
        if "private" in settings.STORAGES:
            self._wrapped = storages["private"]
        else:
            self._wrapped = FileSystemStorage(location=settings.PRIVATE_ROOT / "files", base_url=None)


private_storage = PrivateStorage()


def _get_private_storage():
    return private_storage


def upload_path(instance, filename: str) -> str:
    """A name nobody can guess or collide with; the display name lives in ``name``."""
    ext = PurePath(filename).suffix.lower()
    return f"{instance._meta.app_label}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{ext}"


class StoredFile(models.Model):
    """A kept file. Subclasses add what it belongs to and a scoped queryset."""

    file = models.FileField(_("file"), storage=_get_private_storage, upload_to=upload_path, max_length=200)
    name = models.CharField(_("file name"), max_length=100)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


_local = threading.local()  # names written by ``store_files`` inside ``cleanup_on_failure``


def _pending() -> list[list[str]]:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


@contextmanager
def cleanup_on_failure():
    """Remove the files stored inside the block if the block raises."""
    written: list[str] = []
    _pending().append(written)
    try:
        yield
    except BaseException:
        for stored in written:
            private_storage.delete(stored)
        raise
    finally:
        _pending().remove(written)
    # Nested in another block: its failure must remove these too (they share its transaction).
    if _pending():
        _pending()[-1].extend(written)


def store_files(model: type[StoredFile], files: Iterable[CheckedFile], *, actor, **owner) -> list[StoredFile]:
    """Rows of ``model`` for ``files``, owned by ``owner`` (its foreign keys). Call inside the
    step's transaction and within ``cleanup_on_failure`` so that a refused step keeps no bytes."""
    rows = []
    for checked in files:
        row = model(
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
            **owner,
        )
        row.file.save(checked.name, ContentFile(checked.content), save=False)
        if _pending():
            _pending()[-1].append(row.file.name)
        row.save()
        rows.append(row)
    return rows


def delete_stored(instance: StoredFile) -> None:
    """Remove a deleted row's bytes once its deletion has committed."""
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: private_storage.delete(name))


def serve(stored: StoredFile, *, inline: bool | None = None) -> FileResponse:
    """The file as a download (photos inline, to show in pages), never sniffed or run."""
    inline = stored.is_image if inline is None else inline
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=not inline,
        filename=stored.name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- input fields -------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files in one input; ``clean`` gives a list of ``CheckedFile``."""

    widget = MultipleFileInput

    def __init__(self, *, kinds: Sequence[str] = DOCUMENTS, max_count: int | None = None, **kwargs):
        self.kinds = tuple(kinds)
        self.max_count = max_count
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        accept = []
        if IMAGE in self.kinds:
            accept.append("image/*")
        accept += [f".{e}" for k, e in ((PDF, "pdf"), (WORD, "docx"), (EXCEL, "xlsx")) if k in self.kinds]
        if OLD_OFFICE in self.kinds:
            accept += [".doc", ".xls", ".wps"]
        self.widget.attrs.update(accept=",".join(accept), multiple=True)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return check_uploads(uploads, self.kinds, max_count=self.max_count)


def uploads_field(*, kinds: Sequence[str] = DOCUMENTS, help_text: str = ""):
    """The API's field for the same: a list of files (multipart), checked like the forms'."""
    from rest_framework import serializers

    class UploadsField(serializers.ListField):
        child = serializers.FileField(allow_empty_file=False, use_url=False)

        def to_internal_value(self, data):
            files = super().to_internal_value(data)
            try:
                return check_uploads(files, kinds)
            except ValidationError as exc:
                raise serializers.ValidationError(exc.messages) from exc

    return UploadsField(required=False, write_only=True, help_text=help_text or None)


def delete_receiver(sender, instance, **kwargs) -> None:
    if isinstance(instance, StoredFile):
        delete_stored(instance)


class ParentFilesQuerySet(ScopedQuerySet):
    """The files of a parent record, which come and go with it through its services: read by
    whoever reads the parent, changed by an administrator only. ``of(parent, lookup)`` makes
    the queryset class for one model (``lookup``: its foreign key to the parent)."""

    parent = None
    lookup = ""

    @classmethod
    def of(cls, parent, lookup: str) -> type[ParentFilesQuerySet]:
        return type(f"{parent.__name__}FilesQuerySet", (cls,), {"parent": parent, "lookup": lookup})

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        return scope_through(self.parent, self.lookup, role, user, action) if action == Action.VIEW else None

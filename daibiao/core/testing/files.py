"""Small real files for tests: a photo with GPS data in its EXIF, a PDF, a .docx."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from PIL import Image

from daibiao.core.files import PHOTOS, CheckedFile, check_upload


def jpeg_bytes(size=(64, 48), color=(200, 60, 40), *, gps: bool = True) -> bytes:
    """A JPEG; with ``gps`` its EXIF carries a position, as a phone's photo does."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 46.0, 12.0), 3: "E", 4: (111.0, 50.0, 6.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bytes(size=(40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 128)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def docx_bytes(text: str = "答复意见") -> bytes:
    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def photo(name: str = "现场.jpg") -> CheckedFile:
    """A checked photo, ready for a service's ``photos`` or ``files``."""
    return check_upload(upload(name, jpeg_bytes(), "image/jpeg"), PHOTOS)

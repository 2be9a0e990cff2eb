"""QR codes for activity sign-in, drawn by segno (pure Python, no image library needed for SVG)."""

from __future__ import annotations

import io

import segno

CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def qr_image(url: str, kind: str = "svg") -> tuple[bytes, str]:
    """The QR code of ``url`` as SVG or PNG bytes, large enough to scan off a projector."""
    code = segno.make(url, error="m")
    out = io.BytesIO()
    if kind == "svg":
        code.save(out, kind="svg", scale=8, border=2, xmldecl=False, title="QR")
    else:
        code.save(out, kind="png", scale=10, border=2)
    return out.getvalue(), CONTENT_TYPES[kind]

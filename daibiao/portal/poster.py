"""A printable A4 poster of a station's (or a deputy's) QR code, as SVG: no PDF library is
needed, every browser prints it, and print shops take it. Drawn by ``segno`` and a template;
only presentation attributes are used (no inline styles), so the content security policy
lets it show when opened directly."""

from __future__ import annotations

import segno
from django.template.loader import render_to_string

from daibiao.registry.models import LiaisonStation

QR_SIZE = 130  # mm: scannable from a couple of metres


def _qr_element(url: str, *, x: float, y: float, size: float) -> str:
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=1, border=2, omitsize=True)
    # Placed and sized inside the page by the nested <svg>'s own attributes.
    return svg.replace("<svg ", f'<svg x="{x}" y="{y}" width="{size}" height="{size}" ', 1)


def _font_size(text: str, width: float, largest: float) -> float:
    """The largest size (mm) at which ``text``, as wide characters, fits ``width``."""
    return round(min(largest, width / max(1, len(text))), 1)


def poster_svg(target, url: str) -> bytes:
    """The poster of ``target`` (a station, or a serving deputy) leading to ``url``."""
    if isinstance(target, LiaisonStation):
        station, deputy = target, None
    else:
        station, deputy = target.station, target
    title = deputy.name if deputy is not None else station.name
    subtitle = (
        station.name if deputy is not None and station is not None else (station.town.name if station else "")
    )
    ctx = {
        "title": title,
        "title_size": _font_size(title, 180, 16),
        "subtitle": subtitle,
        "deputy": deputy,
        "station": station,
        "qr": _qr_element(url, x=(210 - QR_SIZE) / 2, y=88, size=QR_SIZE),
        "url": url,
    }
    return render_to_string("portal/poster.svg", ctx).encode()

"""The take-up's rows for the scoping matrix: a citizen's clue waiting at each cast station,
taken up by nobody yet (the reports a station's deputies take up, 接办)."""

from __future__ import annotations

from daibiao.core.testing.cast import Cast
from daibiao.suggestions.services import public


def populate(cast: Cast) -> None:
    for key in ("a", "b"):
        public.submit_public_clue(
            content=f"{cast.towns[key].name}村口水沟堵了，下雨就漫到路上。",
            village=cast.villages[key],
            station=cast.stations[key],
            contact_phone="13912345678",
        )

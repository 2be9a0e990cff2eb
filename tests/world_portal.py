"""The portal's rows for the scoping matrix: a citizen's clue in each cast town, taken up by
the town's deputy, replied to, and answered by the citizen ("not solved" in 武安镇, "solved"
in 九集镇), all through the services; each answer reaches whom its clue reaches."""

from __future__ import annotations

from daibiao.core.testing.cast import Cast
from daibiao.portal.tests.loop import reply_to_citizen
from daibiao.suggestions.services import public


def populate(cast: Cast) -> None:
    for key, answer in (("a", "not_solved"), ("b", "solved")):
        clue = public.submit_public_clue(
            content=f"{cast.towns[key].name}村口路灯坏了半个月。",
            village=cast.villages[key],
            station=cast.stations[key],
            contact_phone="13812345678",
        )
        reply_to_citizen(cast, clue, key)
        public.record_citizen_feedback(
            clue, answer=answer, comment="还是不亮" if answer == "not_solved" else ""
        )

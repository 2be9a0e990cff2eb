"""A citizen's clue driven round the loop through the services, for the tests, the matrix's
world and the browser test: taken up by the station's deputy, made a suggestion, assigned,
acknowledged and replied to."""

from __future__ import annotations

from daibiao.suggestions import services as loop
from daibiao.suggestions.models import Clue, Suggestion


def reply_to_citizen(
    cast, clue: Clue, key: str = "a", *, text: str = "已修复路灯，恢复照明。", **reply
) -> Suggestion:
    """Town ``key``'s deputy takes ``clue`` up and raises it; the town assigns it to unit
    ``key``, which acknowledges and replies (class A unless told)."""
    deputy, town, unit = (cast.users[f"{role}_{key}"] for role in ("deputy", "town", "unit"))
    if clue.recorded_by_id is None:
        loop.take_up_clue(clue, actor=deputy)
    suggestion = loop.create_suggestion(
        actor=deputy,
        title=f"解决{clue.title}",
        content=clue.content,
        clues=[clue],
        tier="town",
        category="utilities",
        submit=True,
    )
    loop.assign_suggestion(suggestion, actor=town, lead_unit=cast.units[key])
    loop.acknowledge_suggestion(suggestion, actor=unit)
    loop.reply_to_suggestion(suggestion, actor=unit, category=reply.pop("category", "A"), text=text, **reply)
    suggestion.refresh_from_db()
    return suggestion

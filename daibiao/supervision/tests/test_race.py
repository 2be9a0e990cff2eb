"""Two people close the same follow-up item at the same moment: exactly one closes it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.supervision import services
from daibiao.supervision.models import FollowUpItem


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_on_file")  # SQLite: threads share a file, not a locked memory table
def test_two_simultaneous_closings_make_one(cast, world):
    item = world.visit_a.follow_ups.get()
    actors = [cast.users["town_a"], cast.users["county"]]
    copies = [FollowUpItem.objects.select_related("visit").get(pk=item.pk) for _ in actors]
    barrier = threading.Barrier(len(actors))
    outcomes: list[str] = []

    def close(copy, actor):
        try:
            barrier.wait(timeout=10)
            services.close_follow_up(copy, actor=actor, note=actor.username)
            outcomes.append("closed")
        except services.Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=pair) for pair in zip(copies, actors, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["closed", "conflict"]
    item.refresh_from_db()
    assert item.done_note in {"town_a", "county"}
    assert ChangeLog.objects.for_object(item).filter(action=ChangeAction.STATE).count() == 1

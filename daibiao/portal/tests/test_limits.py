"""The portal's rate limits: per address and overall, on the database, with a log that a flood
cannot grow without bound; and the challenge on the report form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.utils import timezone

from daibiao.portal import challenge, limits
from daibiao.portal.models import Attempt, Kind, Outcome, UsedChallenge

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 5, 9, 30, tzinfo=dt.UTC)


def admitted(address, kind=Kind.CLUE, now=NOW) -> bool:
    try:
        limits.admit(address, kind, now=now)
    except limits.RateLimited:
        return False
    return True


def test_an_address_gets_its_share_in_ten_minutes_and_then_a_wait():
    rule = limits.RULES[Kind.CLUE]
    results = [
        admitted("10.0.0.1", now=NOW + dt.timedelta(seconds=i)) for i in range(rule.per_ten_minutes + 3)
    ]
    assert results == [True] * rule.per_ten_minutes + [False] * 3
    with pytest.raises(limits.RateLimited) as refused:
        limits.admit("10.0.0.1", Kind.CLUE, now=NOW + dt.timedelta(minutes=1))
    assert 0 < refused.value.retry_after <= 11 * 60
    assert "分钟" in refused.value.message or "minutes" in refused.value.message
    # Another address is not held back by the first.
    assert admitted("10.0.0.2", now=NOW + dt.timedelta(minutes=1))
    # Eleven minutes on, the first address is let in again.
    assert admitted("10.0.0.1", now=NOW + dt.timedelta(minutes=11))


def test_the_daily_limit_holds_across_the_ten_minute_windows():
    rule = limits.RULES[Kind.CLUE]
    moments = [
        NOW + dt.timedelta(minutes=11 * (i // rule.per_ten_minutes) + i % 5) for i in range(rule.per_day + 2)
    ]
    results = [admitted("10.0.0.9", now=moment) for moment in moments]
    assert results.count(True) == rule.per_day
    assert results[-2:] == [False, False]
    assert admitted("10.0.0.9", now=NOW + dt.timedelta(days=1, hours=1))


def test_a_thousand_requests_leave_a_handful_of_rows():
    for i in range(1000):
        admitted("10.0.0.1", now=NOW + dt.timedelta(milliseconds=50 * i))
    rows = Attempt.objects.filter(address="10.0.0.1")
    assert rows.count() <= 2 * 2  # admitted and refused, in at most two minutes
    assert (
        sum(r.count for r in rows if r.outcome == Outcome.ADMITTED) == limits.RULES[Kind.CLUE].per_ten_minutes
    )
    assert (
        sum(r.count for r in rows if r.outcome == Outcome.REFUSED)
        == 1000 - limits.RULES[Kind.CLUE].per_ten_minutes
    )


def test_the_overall_cap_keeps_a_share_for_addresses_new_in_the_hour(settings):
    settings.PORTAL_LIMITS = {Kind.CLUE: limits.Rule(per_ten_minutes=5, per_day=20, per_hour_overall=10)}
    # Eight addresses use eight of ten: the reserved fifth is left.
    for i in range(8):
        assert admitted(f"10.0.1.{i}")
    # An address that has sent something this hour waits; new ones get the rest.
    assert not admitted("10.0.1.0")
    assert admitted("10.0.2.1")
    assert admitted("10.0.2.2")
    # Full: nobody gets in, and the refusals pile up on one row, not one row per address.
    for i in range(50):
        assert not admitted(f"10.0.3.{i}")
    assert Attempt.objects.filter(address__startswith="10.0.3.").count() == 0
    assert Attempt.objects.get(address=limits.GLOBAL, outcome=Outcome.REFUSED).count == 50
    assert admitted("10.0.3.1", now=NOW + dt.timedelta(hours=1, minutes=1))


def test_an_ipv6_network_counts_as_one_address():
    rule = limits.RULES[Kind.CLUE]
    for i in range(rule.per_ten_minutes):
        assert admitted(f"2001:db8:1:2::{i + 1:x}")
    assert not admitted("2001:db8:1:2:ffff::1")
    assert admitted("2001:db8:1:3::1")
    assert limits.network_of("::ffff:10.0.0.1") == "10.0.0.1"
    assert limits.network_of(None) == limits.network_of("garbage") == "unknown"


def test_each_kind_has_its_own_limits():
    for _ in range(limits.RULES[Kind.CLUE].per_ten_minutes):
        assert admitted("10.0.0.1", Kind.CLUE)
    assert not admitted("10.0.0.1", Kind.CLUE)
    assert admitted("10.0.0.1", Kind.LOOKUP)


def test_photos_stop_at_the_daily_total(settings):
    settings.PORTAL_DAILY_PHOTO_BYTES = 1000
    now = timezone.now()
    assert limits.photo_bytes_left(now=now) == 1000
    limits.count_photos("10.0.0.1", 700, now=now)
    limits.count_photos("10.0.0.2", 200, now=now)
    assert limits.photo_bytes_left(now=now) == 100


def test_the_log_is_pruned_after_a_month():
    admitted("10.0.0.1", now=NOW - dt.timedelta(days=40))
    admitted("10.0.0.1", now=NOW)
    UsedChallenge.objects.create(nonce="old", created_at=NOW - dt.timedelta(days=1))
    UsedChallenge.objects.create(nonce="new", created_at=NOW)
    assert limits.prune(now=NOW) == 2
    assert Attempt.objects.count() == 1
    assert list(UsedChallenge.objects.values_list("nonce", flat=True)) == ["new"]


# --- the challenge --------------------------------------------------------------------------


def answer_of(question: str) -> int:
    import re

    a, b = (int(n) for n in re.findall(r"\d+", question))
    return a + b


def test_the_right_answer_passes_once():
    asked = challenge.new_challenge()
    nonce = challenge.check_challenge(asked.token, str(answer_of(asked.question)))
    challenge.use_challenge(nonce)
    with pytest.raises(challenge.ChallengeFailed):
        challenge.use_challenge(challenge.check_challenge(asked.token, str(answer_of(asked.question))))


def test_full_width_digits_are_read():
    asked = challenge.new_challenge()
    wide = "".join(chr(0xFF10 + int(d)) for d in str(answer_of(asked.question)))
    assert challenge.check_challenge(asked.token, wide)


@pytest.mark.parametrize("wrong", ["", "abc", "-1", "99"])
def test_a_wrong_or_missing_answer_fails(wrong):
    asked = challenge.new_challenge()
    with pytest.raises(challenge.ChallengeFailed):
        challenge.check_challenge(asked.token, wrong)


def test_a_forged_or_expired_token_fails(monkeypatch):
    asked = challenge.new_challenge()
    right = str(answer_of(asked.question))
    with pytest.raises(challenge.ChallengeFailed):
        challenge.check_challenge(asked.token[:-2] + "xx", right)
    with pytest.raises(challenge.ChallengeFailed):
        challenge.check_challenge(signing.dumps({"n": "x", "h": "y"}, salt="other"), right)
    later = timezone.now() + challenge.MAX_AGE + dt.timedelta(minutes=1)
    monkeypatch.setattr(signing.time, "time", lambda: later.timestamp())
    with pytest.raises(challenge.ChallengeFailed, match=r"expired|过期"):
        challenge.check_challenge(asked.token, right)


def test_the_token_carries_a_nonce_and_a_keyed_digest_only():
    asked = challenge.new_challenge()
    data = signing.loads(asked.token, salt=challenge.SALT)
    assert set(data) == {"n", "h"}
    assert len(data["h"]) == 32
    assert int(data["h"], 16) >= 0


def test_the_prune_job_runs_through_the_task_backend():
    from daibiao.portal.jobs import prune_public_log

    admitted("10.0.0.1", now=timezone.now() - dt.timedelta(days=40))
    result = prune_public_log.enqueue()
    assert result.return_value == 1
    assert not Attempt.objects.exists()

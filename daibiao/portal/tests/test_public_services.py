"""The loop's public path (``suggestions.services.public``): a citizen's clue recorded without
a login, taken up by one deputy of its station, followed by its code and the phone's last
four digits, and answered "solved / partly / not solved" once replied."""

from __future__ import annotations

import pytest

from daibiao.accounts.choices import Role
from daibiao.core.models import ChangeLog
from daibiao.core.testing.files import photo
from daibiao.notifications.models import Notification
from daibiao.suggestions import services as loop
from daibiao.suggestions.errors import Conflict, Forbidden, Invalid
from daibiao.suggestions.models import Attachment, CitizenFeedback, Clue
from daibiao.suggestions.services import public

from .loop import reply_to_citizen

pytestmark = pytest.mark.django_db


def raise_clue(cast, key="a", **fields):
    values = {
        "content": "村口路灯坏了半个月，晚上看不见路。",
        "village": cast.villages[key],
        "station": cast.stations[key],
        "contact_phone": "138 1234 5678",
    }
    values.update(fields)
    return public.submit_public_clue(**values)


# --- raising --------------------------------------------------------------------------------


def test_a_citizens_clue_is_recorded_for_the_station_without_a_recorder(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        clue = raise_clue(cast, photos=[photo()])
    clue.refresh_from_db()
    assert clue.from_public
    assert clue.state == "open"
    assert (clue.station_id, clue.town_id, clue.county_id) == (
        cast.stations["a"].pk,
        cast.towns["a"].pk,
        cast.county.pk,
    )
    assert clue.recorded_by_id is None
    assert clue.created_by_id is None
    assert clue.raised_by == ""
    assert clue.contact_phone == "13812345678"
    assert clue.title == "村口路灯坏了半个月，晚上看不见路。"
    assert len(clue.tracking_code) == 10
    assert Attachment.objects.filter(clue=clue).count() == 1
    assert ChangeLog.objects.for_object(clue).filter(action="create").exists()
    # The station's deputies, its head and the town's presidium hear of it, in the inbox only.
    told = dict(Notification.objects.filter(data__clue=clue.pk).values_list("recipient__username", "link"))
    assert set(told) == {"deputy_a", "station_a", "town_a"}
    # Each is sent where the clue can be read: the deputy, who cannot yet, to his own page.
    assert told["town_a"] == told["station_a"] == clue.get_absolute_url()
    assert told["deputy_a"] == "/loop/mine/"


def test_html_is_stripped_and_the_title_is_the_start_of_the_report(cast):
    clue = raise_clue(
        cast,
        content="<script>alert(1)</script><b>桥面</b>塌了&lt;img src=x onerror=alert(1)&gt;，"
        + "很危险" * 20,
    )
    assert "<" not in clue.content
    assert "script" not in clue.content.replace("alert(1)", "")
    assert clue.content.startswith("alert(1)桥面塌了，很危险")
    assert len(clue.title) == public.TITLE_CHARS
    assert clue.title.endswith("…")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"content": "好"}, "content"),
        ({"content": "很" * (public.CONTENT_MAX + 1)}, "content"),
        ({"content": "<p></p>"}, "content"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": "138123456789"}, "contact_phone"),
        ({"category": "weather"}, "category"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_saved(cast, fields, field):
    before = Clue.objects.count()
    with pytest.raises(Invalid) as refused:
        raise_clue(cast, **fields)
    assert field in refused.value.errors
    assert Clue.objects.count() == before


def test_a_village_of_another_town_is_refused(cast):
    with pytest.raises(Invalid) as refused:
        raise_clue(cast, village=cast.villages["b"])
    assert "village" in refused.value.errors


def test_a_landline_with_its_area_code_and_full_width_digits_are_accepted(cast):
    assert raise_clue(cast, contact_phone="0710-1234567").contact_phone == "07101234567"
    assert raise_clue(cast, contact_phone="１３９１２３４５６７８").contact_phone == "13912345678"
    assert raise_clue(cast, contact_phone="").contact_phone == ""


def test_a_clue_sent_to_a_deputy_is_that_deputys_at_once(cast):
    clue = raise_clue(cast, station=None, deputy=cast.deputies["a"])
    assert clue.recorded_by_id == cast.deputies["a"].pk
    assert clue.station_id == cast.stations["a"].pk
    assert clue.taken_up_at is not None
    # So the deputy sees it among his own clues.
    assert Clue.objects.restrict(cast.users["deputy_a"]).filter(pk=clue.pk).exists()


# --- taking up ------------------------------------------------------------------------------


def test_a_deputy_of_the_station_takes_it_up_and_then_sees_and_raises_it(cast):
    clue = raise_clue(cast)
    deputy = cast.users["deputy_a"]
    assert list(public.clues_to_take_up(deputy)) == [clue]
    assert not Clue.objects.restrict(deputy).filter(pk=clue.pk).exists()
    loop.take_up_clue(clue, actor=deputy)
    clue.refresh_from_db()
    assert clue.recorded_by_id == cast.deputies["a"].pk
    assert clue.taken_up_at is not None
    assert Clue.objects.restrict(deputy).filter(pk=clue.pk).exists()
    assert list(public.clues_to_take_up(deputy)) == []
    assert ChangeLog.objects.for_object(clue).filter(actor=deputy, action="update").exists()
    suggestion = loop.create_suggestion(actor=deputy, title="修路灯", content="修", clues=[clue], submit=True)
    assert suggestion.lead_deputy_id == cast.deputies["a"].pk


def test_a_second_deputy_cannot_take_it_up_again(cast):
    clue = raise_clue(cast)
    loop.take_up_clue(clue, actor=cast.users["deputy_a"])
    stale = Clue.objects.get(pk=clue.pk)
    Clue.objects.filter(pk=clue.pk).update(recorded_by=None)  # as if read before the first took it
    loop.take_up_clue(stale, actor=cast.users["town_a"], deputy=cast.deputies["a2"])
    with pytest.raises(Conflict):
        loop.take_up_clue(Clue.objects.get(pk=clue.pk), actor=cast.users["deputy_a"])
    assert Clue.objects.get(pk=clue.pk).recorded_by_id == cast.deputies["a2"].pk


def test_a_deputy_of_another_station_may_not_take_it_up(cast):
    clue = raise_clue(cast)
    with pytest.raises(Forbidden):
        loop.take_up_clue(clue, actor=cast.users["deputy_b"])
    with pytest.raises(Forbidden):
        loop.take_up_clue(clue, actor=cast.users["unit_a"], deputy=cast.deputies["a"])
    with pytest.raises(Forbidden):  # the other town's presidium
        loop.take_up_clue(clue, actor=cast.users["town_b"], deputy=cast.deputies["a"])
    assert Clue.objects.get(pk=clue.pk).recorded_by_id is None


def test_the_presidium_hands_it_only_to_a_deputy_of_its_town(cast):
    clue = raise_clue(cast)
    with pytest.raises(Invalid):
        loop.take_up_clue(clue, actor=cast.users["town_a"], deputy=cast.deputies["b"])
    loop.take_up_clue(clue, actor=cast.users["town_a"], deputy=cast.deputies["a2"])
    assert Clue.objects.get(pk=clue.pk).recorded_by_id == cast.deputies["a2"].pk


def test_a_deputys_own_clue_is_not_taken_up(cast):
    with pytest.raises(Conflict):
        loop.take_up_clue(cast.clues["a"], actor=cast.users["town_a"], deputy=cast.deputies["a2"])


# --- finding it again -----------------------------------------------------------------------


def test_the_code_and_the_phones_last_four_digits_find_it_and_nothing_else_does(cast):
    clue = raise_clue(cast)
    code = clue.tracking_code
    assert public.find_public_clue(code, "5678") == clue
    assert public.find_public_clue(f" {code.lower()[:5]}-{code.lower()[5:]} ", "5678") == clue
    for wrong_code, suffix in ((code, "5679"), (code, ""), (code, None), (code, "678"), ("2" * 10, "5678")):
        assert public.find_public_clue(wrong_code, suffix) is None


def test_a_clue_without_a_phone_is_found_by_its_code_with_no_digits(cast):
    clue = raise_clue(cast, contact_phone="")
    assert public.find_public_clue(clue.tracking_code, "") == clue
    assert public.find_public_clue(clue.tracking_code, "1234") is None


# --- its progress, in plain words -----------------------------------------------------------


def steps(progress):
    return {s.key: s.done for s in progress.steps}


def test_the_progress_follows_the_loop_in_plain_steps(cast):
    clue = raise_clue(cast)
    progress = public.public_progress(clue)
    assert progress.status == "received"
    assert [s.key for s in progress.steps] == list(public.MAIN_STEPS)
    assert steps(progress) == {k: k == "received" for k in public.MAIN_STEPS}
    assert progress.phone == "138****5678"
    assert not progress.may_answer

    loop.take_up_clue(clue, actor=cast.users["deputy_a"])
    assert public.public_progress(Clue.objects.get(pk=clue.pk)).status == "taken_up"

    suggestion = reply_to_citizen(
        cast, Clue.objects.get(pk=clue.pk), text="已修复，联系人李师傅13900001111。"
    )
    progress = public.public_progress(Clue.objects.get(pk=clue.pk))
    assert progress.status == "replied"
    assert steps(progress) == {
        "received": True,
        "taken_up": True,
        "merged": True,
        "assigned": True,
        "replied": True,
        "concluded": False,
        "implemented": False,
    }
    assert [s.note for s in progress.steps if s.key == "assigned"] == ["县交通运输局"]
    [reply] = progress.replies
    assert reply.public
    assert "139****1111" in reply.text
    assert "13900001111" not in reply.text
    assert progress.may_answer
    assert progress.answer is None

    loop.rate_reply(suggestion, actor=cast.users["deputy_a"], attitude="satisfied", result="satisfied")
    loop.conclude_suggestion(suggestion, actor=cast.users["town_a"])
    loop.verify_implemented(suggestion, actor=cast.users["town_a"], evidence="现场查看，路灯已亮。")
    progress = public.public_progress(Clue.objects.get(pk=clue.pk))
    assert progress.status == "implemented"
    assert all(steps(progress).values())


def test_a_confidential_reply_is_not_shown(cast):
    clue = raise_clue(cast)
    reply_to_citizen(cast, clue, text="涉密答复内容", confidential=True)
    [reply] = public.public_progress(Clue.objects.get(pk=clue.pk)).replies
    assert not reply.public
    assert reply.text == ""


def test_a_clue_answered_on_the_spot_shows_what_was_done_masked(cast):
    clue = raise_clue(cast)
    loop.take_up_clue(clue, actor=cast.users["deputy_a"])
    loop.solve_clue_on_spot(
        Clue.objects.get(pk=clue.pk), actor=cast.users["deputy_a"], outcome="已联系电工13911112222修好。"
    )
    progress = public.public_progress(Clue.objects.get(pk=clue.pk))
    assert progress.status == "solved_on_spot"
    assert progress.steps[-1].note == "已联系电工139****2222修好。"


def test_the_progress_of_a_deputys_clue_masks_the_names_it_was_raised_by(cast):
    clue = loop.create_clue(
        actor=cast.users["deputy_a"],
        title="张三家门口排水沟堵塞",
        content="村民张三反映排水沟堵塞，电话13812340000。",
        town=cast.towns["a"],
        raised_by="村民张三",
        contact_phone="13812340000",
    )
    progress = public.public_progress(clue)
    assert "张三" not in progress.content + progress.title
    assert "张*" in progress.content
    assert "138****0000" in progress.content


# --- the citizen's answer -------------------------------------------------------------------


def test_the_answer_waits_for_a_reply(cast):
    clue = raise_clue(cast)
    with pytest.raises(Conflict):
        public.record_citizen_feedback(clue, answer="solved")
    assert not CitizenFeedback.objects.exists()


def test_not_solved_is_flagged_to_the_towns_presidium_once(cast, django_capture_on_commit_callbacks):
    clue = raise_clue(cast)
    reply_to_citizen(cast, clue)
    with django_capture_on_commit_callbacks(execute=True):
        feedback = public.record_citizen_feedback(
            clue, answer="not_solved", comment="<b>路灯</b>还是不亮" + "\x00"
        )
    assert feedback.flagged
    assert feedback.comment == "路灯还是不亮"
    told = Notification.objects.filter(data__citizen_feedback=feedback.pk)
    assert {n.recipient.username for n in told} == {"town_a"}
    assert all(Role.TOWN_STAFF in n.recipient.roles for n in told)
    with pytest.raises(Conflict):
        public.record_citizen_feedback(clue, answer="solved")
    assert CitizenFeedback.objects.filter(clue=clue).count() == 1
    # Staff of the town read it; the other town does not.
    assert CitizenFeedback.objects.restrict(cast.users["town_a"]).filter(pk=feedback.pk).exists()
    assert not CitizenFeedback.objects.restrict(cast.users["town_b"]).filter(pk=feedback.pk).exists()


def test_solved_is_recorded_and_flags_nobody(cast, django_capture_on_commit_callbacks):
    clue = raise_clue(cast)
    reply_to_citizen(cast, clue)
    with django_capture_on_commit_callbacks(execute=True):
        feedback = public.record_citizen_feedback(clue, answer="solved")
    assert not feedback.flagged
    assert not Notification.objects.filter(data__citizen_feedback=feedback.pk).exists()
    progress = public.public_progress(Clue.objects.get(pk=clue.pk))
    assert progress.answer == feedback
    assert not progress.may_answer


@pytest.mark.parametrize(("answer", "comment"), [("maybe", ""), ("solved", "很" * (public.COMMENT_MAX + 1))])
def test_a_bad_answer_is_refused(cast, answer, comment):
    clue = raise_clue(cast)
    reply_to_citizen(cast, clue)
    with pytest.raises(Invalid):
        public.record_citizen_feedback(clue, answer=answer, comment=comment)
    assert not CitizenFeedback.objects.exists()


# --- the public replies ---------------------------------------------------------------------


def test_only_published_replies_of_live_items_are_listed_and_searchable(cast):
    open_clue, secret_clue = raise_clue(cast), raise_clue(cast, content="涉密的事情需要处理一下")
    reply_to_citizen(cast, open_clue, text="路灯已更换。")
    reply_to_citizen(cast, secret_clue, text="涉密。", confidential=True)
    listed = list(public.public_replies())
    assert [r.public_text for r in listed] == ["路灯已更换。"]
    assert list(public.search_public_replies(public.public_replies(), "更换")) == listed
    assert list(public.search_public_replies(public.public_replies(), "更换 桥梁")) == []

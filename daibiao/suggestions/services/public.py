"""The closed loop as citizens reach it through the public portal: a problem raised at a
liaison station (or by scanning its code), taken up by one of its deputies, followed with
the tracking code, and answered "solved / partly / not solved" once replied.

The portal has no rules of its own: it calls these. What a citizen reads is built here too
(``public_progress``), with personal data masked and confidential replies left out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from daibiao.accounts.choices import Role
from daibiao.core import audit, privacy
from daibiao.core.files import CheckedFile, cleanup_on_failure, store_files
from daibiao.core.models import ChangeAction
from daibiao.core.scoping import Action, can
from daibiao.registry.choices import DeputyStatus

from ..choices import Category, ClueState, State
from ..errors import Conflict, Forbidden, Invalid
from ..models import Attachment, CitizenFeedback, Clue, Reply, Suggestion
from .base import _clean, _require, roles_of

CONTENT_MIN = 5  # characters: "路灯坏了" is a report; "好" is not
CONTENT_MAX = 1000  # a citizen's report; a deputy's clue may run to 5,000
COMMENT_MAX = 500
TITLE_CHARS = 30  # the clue's title is the start of the report
MAX_PHOTOS = 3
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # models.new_tracking_code's

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n{3,}")
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}[1-9][0-9]{6,7}")


# --- input --------------------------------------------------------------------------------


def plain_text(value: str | None) -> str:
    """Text as a citizen meant it: HTML tags (also ones hidden behind entities) and control
    characters removed, line ends kept, at most one blank line in a row."""
    text = strip_tags(html.unescape(strip_tags(value or "")))
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _text(value, name: str, *, minimum: int, maximum: int, errors: dict) -> str:
    text = plain_text(value)
    if len(text) < minimum:
        errors[name] = [_("Please write at least {n} characters.").format(n=minimum)]
    elif len(text) > maximum:
        errors[name] = [_("Please keep it within {n} characters.").format(n=maximum)]
    return text


def normalise_phone(value: str | None) -> str:
    """A mainland mobile (11 digits) or a landline with its area code, digits only; ``""``
    for none; ``Invalid`` for anything else."""
    text = _PHONE_SEPARATORS.sub("", str(value or "").translate({0xFF10 + i: str(i) for i in range(10)}))
    if text.startswith("+86"):
        text = text[3:]
    if not text:
        return ""
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):
        return text
    raise Invalid(
        {"contact_phone": [_("Enter a mobile number of 11 digits, or a landline with its area code.")]}
    )


def normalise_code(value: str | None) -> str:
    """A tracking code as typed: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-]", "", str(value or "")).upper()[:12]


def _title(content: str) -> str:
    first = content.splitlines()[0] if content else ""
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1] + "…"


# --- raising and taking up a clue -----------------------------------------------------------


def submit_public_clue(
    *,
    content: str,
    village,
    station=None,
    deputy=None,
    category: str = "",
    contact_phone: str = "",
    photos: Sequence[CheckedFile] = (),
) -> Clue:
    """A citizen's clue from the portal, attributed to ``station`` (a station's code) or to
    ``deputy`` (a deputy's code: the clue is that deputy's at once). No names are asked for;
    the phone is optional and is only ever shown masked. The station's deputies and head and
    the town's presidium hear of it in their inboxes."""
    if station is None and deputy is None:
        raise Invalid({"station": [_("Choose a liaison station.")]})
    if deputy is not None and deputy.status != DeputyStatus.SERVING:
        raise Invalid({"deputy": [_("This deputy no longer takes reports here.")]})
    if station is None:
        station = deputy.station
    town = station.town if station is not None else deputy.town
    errors: dict = {}
    content = _text(content, "content", minimum=CONTENT_MIN, maximum=CONTENT_MAX, errors=errors)
    if village is None or village.town_id != town.pk:
        errors["village"] = [_("Choose a village or community of {town}.").format(town=town.name)]
    if category and category not in Category.values:
        errors["category"] = [_("Choose one of the categories.")]
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("Attach at most {n} photos.").format(n=MAX_PHOTOS)]
    try:
        phone = normalise_phone(contact_phone)
    except Invalid as exc:
        errors.update(exc.errors)
        phone = ""
    _require(errors)
    now = timezone.now()
    with cleanup_on_failure(), transaction.atomic(), audit.actor_bound(None):
        clue = Clue(
            title=_title(content),
            content=content,
            category=category,
            town=town,
            county_id=town.county_id,
            village=village,
            station=station,
            contact_phone=phone,
            recorded_by=deputy,
            taken_up_at=now if deputy is not None else None,
            from_public=True,
        )
        _clean(clue, exclude=["tracking_code"])
        clue.save()
        store_files(Attachment, photos, actor=None, clue=clue)
        transaction.on_commit(lambda: _tell_the_station(clue.pk))
    return clue


def _tell_the_station(clue_id: int) -> None:
    """The inbox of whoever should take a citizen's clue up: the deputy it was addressed to,
    or the station's deputies and head; and the town's presidium. Inbox only: a report from
    the public sends no text messages."""
    from daibiao.notifications.choices import Channel, NotificationKind
    from daibiao.notifications.services import notify

    clue = Clue.objects.select_related("station", "town").get(pk=clue_id)
    User = get_user_model()
    if clue.recorded_by_id:
        who = Q(deputy_id=clue.recorded_by_id, role_grants__role=Role.DEPUTY)
    elif clue.station_id:
        who = Q(deputy__station_id=clue.station_id, deputy__status=DeputyStatus.SERVING) & Q(
            role_grants__role=Role.DEPUTY
        )
        who |= Q(station_id=clue.station_id, role_grants__role=Role.STATION_HEAD)
    else:
        who = Q(pk__in=[])
    who |= Q(town_id=clue.town_id, role_grants__role=Role.TOWN_STAFF)
    users = list(User.objects.filter(who, is_active=True).distinct())
    place = clue.station.name if clue.station_id else clue.town.name
    # Whoever reads the clue is sent to it; the station's deputies, who read it only once
    # one of them has taken it up, to their own page.
    readers = [u for u in users if can(u, Action.VIEW, clue)]
    others = [u for u in users if u not in readers]
    for recipients, link in ((readers, clue.get_absolute_url()), (others, reverse("suggestions:mine"))):
        notify(
            recipients,
            kind=NotificationKind.GENERAL,
            subject=_("A citizen raised a problem at {place}").format(place=place)[:200],
            body=clue.title,
            link=link,
            data={"clue": clue.pk},
            dedupe_key=f"public-clue:{clue.pk}",
            channels=[Channel.INBOX],
        )


def clues_to_take_up(user):
    """The citizens' clues waiting for a deputy at the user's station (for a deputy's list)."""
    deputy = getattr(user, "deputy", None) if getattr(user, "deputy_id", None) else None
    if deputy is None or deputy.station_id is None or Role.DEPUTY not in roles_of(user):
        return Clue.objects.none()
    return Clue.objects.filter(
        from_public=True, recorded_by__isnull=True, state=ClueState.OPEN, station_id=deputy.station_id
    )


def take_up_clue(clue: Clue, *, actor, deputy=None) -> Clue:
    """A deputy takes up a citizen's clue (接办): it becomes his or hers, to solve on the spot,
    dismiss with a reason, or bring into a suggestion. A deputy takes up clues of his or her
    own station; the town's presidium (or the county) may hand one to any serving deputy of
    the town. Once only: a second taker gets ``Conflict``."""
    roles = roles_of(actor)
    staff = bool(roles & {Role.TOWN_STAFF, Role.COUNTY_STAFF, Role.ADMIN}) and (
        actor is None or can(actor, Action.CHANGE, clue)
    )
    if deputy is None:
        deputy = getattr(actor, "deputy", None) if getattr(actor, "deputy_id", None) else None
    if deputy is None:
        raise Invalid({"deputy": [_("Choose the deputy who takes it up.")]})
    if not staff and (
        Role.DEPUTY not in roles
        or deputy.pk != actor.deputy_id
        or clue.station_id is None
        or deputy.station_id != clue.station_id
    ):
        raise Forbidden(_("Only a deputy of the station where it was raised may take this clue up."))
    if deputy.town_id != clue.town_id or deputy.status != DeputyStatus.SERVING:
        raise Invalid({"deputy": [_("Choose a serving deputy of {town}.").format(town=clue.town.name)]})
    if not clue.from_public:
        raise Conflict(_("Only clues raised by citizens through the portal are taken up."))
    now = timezone.now()
    with transaction.atomic(), audit.actor_bound(actor):
        if (
            Clue.objects.filter(pk=clue.pk, state=ClueState.OPEN, recorded_by__isnull=True).update(
                recorded_by=deputy, taken_up_at=now, updated_at=now
            )
            != 1
        ):
            clue.refresh_from_db()
            raise Conflict(_("This clue has been taken up already, or is no longer open."))
        clue.recorded_by, clue.taken_up_at = deputy, now
        audit.write_entry(
            clue, ChangeAction.UPDATE, {"recorded_by": [None, deputy.pk]}, note=str(_("Taken up"))
        )
    return clue


# --- what a citizen reads -------------------------------------------------------------------


def find_public_clue(code: str | None, phone_last4: str | None) -> Clue | None:
    """The clue with this tracking code, if ``phone_last4`` matches the last four digits of the
    phone left with it (or is empty when none was left); else ``None``, the same for a wrong
    code as for a wrong suffix, so that the answer says nothing about which was wrong."""
    code = normalise_code(code)
    suffix = re.sub(r"\D", "", str(phone_last4 or ""))
    if len(code) != 10 or any(ch not in CODE_ALPHABET for ch in code):
        return None
    clue = (
        Clue.objects.select_related("town", "village", "station", "suggestion")
        .filter(tracking_code=code)
        .first()
    )
    if clue is None:
        return None
    digits = re.sub(r"\D", "", clue.contact_phone)
    expected = digits[-4:] if digits else ""
    return clue if constant_time_compare(expected, suffix) else None


# The steps a citizen reads, in order; ``key`` is what pages and the API carry.
STEP_WORDS = {
    "received": gettext_lazy("We have received it"),
    "taken_up": gettext_lazy("A deputy has taken it up"),
    "solved_on_spot": gettext_lazy("Answered on the spot"),
    "dismissed": gettext_lazy("Not taken further"),
    "merged": gettext_lazy("Brought into a suggestion"),
    "assigned": gettext_lazy("Given to a handling unit"),
    "transferred": gettext_lazy("Passed on to a higher authority"),
    "replied": gettext_lazy("The handling unit has replied"),
    "concluded": gettext_lazy("Handling concluded"),
    "implemented": gettext_lazy("Done and checked on the ground"),
    "withdrawn": gettext_lazy("Closed without further handling"),
}
MAIN_STEPS = ("received", "taken_up", "merged", "assigned", "replied", "concluded", "implemented")


@dataclass
class PublicStep:
    key: str
    label: str
    done: bool
    at: object = None  # datetime, or None while not reached
    note: str = ""


@dataclass
class PublicReply:
    category: str  # the class's label (A · solved or adopted …)
    text: str  # the published text; "" when the reply is confidential
    at: object
    unit: str
    public: bool


@dataclass
class PublicProgress:
    """A clue as its citizen reads it: the steps, the public replies, and whether the
    "was it solved?" form is open (and what was answered already)."""

    code: str
    title: str
    content: str
    station: str
    town: str
    village: str
    phone: str  # masked
    raised_at: object
    steps: list[PublicStep] = field(default_factory=list)
    replies: list[PublicReply] = field(default_factory=list)
    status: str = "received"  # the key of the last step reached
    may_answer: bool = False
    answer: CitizenFeedback | None = None
    answer_comment: str = ""  # the answer's comment, masked like everything published
    reply_id: int | None = None  # the reply an answer now is about

    @property
    def status_label(self) -> str:
        return str(STEP_WORDS[self.status])


def carrier(clue: Clue) -> Suggestion | None:
    """The suggestion that carries the clue now: its own, or the one that was merged into."""
    item, seen = clue.suggestion, set()
    while item is not None and item.merged_into_id and item.pk not in seen:
        seen.add(item.pk)
        item = Suggestion.objects.select_related("lead_unit").get(pk=item.merged_into_id)
    return item


def _names(clue: Clue) -> list[str]:
    return privacy.redact_contact_names(clue.raised_by)


def public_progress(clue: Clue) -> PublicProgress:
    """What the tracking page and the API show of ``clue``: personal data masked (the phone,
    numbers and the names of whoever raised it), confidential replies left out."""
    names = _names(clue)
    progress = PublicProgress(
        code=clue.tracking_code,
        title=privacy.redact(clue.title, names=names),
        content=privacy.redact(clue.content, names=names),
        station=clue.station.name if clue.station_id else "",
        town=clue.town.name,
        village=clue.village.name if clue.village_id else "",
        phone=privacy.mask_phone(clue.contact_phone),
        raised_at=clue.created_at,
    )
    steps = progress.steps

    def add(key, at=None, note="", done=True):
        steps.append(PublicStep(key, str(STEP_WORDS[key]), done, at, note))

    add("received", clue.created_at)
    taken = clue.recorded_by_id is not None
    add("taken_up", (clue.taken_up_at or clue.created_at) if taken else None, done=taken)
    if clue.state in (ClueState.SOLVED, ClueState.DISMISSED):
        key = "solved_on_spot" if clue.state == ClueState.SOLVED else "dismissed"
        add(key, clue.updated_at, privacy.redact(clue.outcome, names=names))
        progress.status = key
        return progress
    item = carrier(clue) if clue.state == ClueState.MERGED else None
    add("merged", clue.suggestion.created_at if item is not None else None, done=item is not None)
    if item is None:
        progress.status = "taken_up" if taken else "received"
        _rest_undone(add, "assigned")
        return progress
    if item.state == State.WITHDRAWN:
        add("withdrawn", item.state_entered_at)
        progress.status = "withdrawn"
        return progress
    if item.transferred_to:
        add("transferred", item.state_entered_at, privacy.redact(item.transferred_to))
    else:
        unit = item.lead_unit.name if item.lead_unit_id else ""
        add("assigned", item.assigned_at, unit, done=item.assigned_at is not None)
    replies = list(Reply.objects.filter(suggestion=item).select_related("unit").order_by("id"))
    for reply in replies:
        public = not reply.confidential and not item.confidential
        progress.replies.append(
            PublicReply(
                category=reply.get_category_display(),
                text=reply.public_text if public else "",
                at=reply.created_at,
                unit=reply.unit.name,
                public=public,
            )
        )
    add("replied", replies[0].created_at if replies else None, done=bool(replies))
    add("concluded", item.concluded_at, done=item.concluded_at is not None)
    add("implemented", item.implemented_at, done=item.implemented_at is not None)
    progress.status = [s.key for s in steps if s.done][-1]
    if replies:
        progress.reply_id = replies[-1].pk
        progress.answer = CitizenFeedback.objects.filter(clue=clue, reply_id=replies[-1].pk).first()
        progress.may_answer = progress.answer is None
        if progress.answer is not None:
            progress.answer_comment = privacy.redact(progress.answer.comment, names=names)
    return progress


def _rest_undone(add, first: str) -> None:
    for key in MAIN_STEPS[MAIN_STEPS.index(first) :]:
        add(key, done=False)


def record_citizen_feedback(clue: Clue, *, answer: str, comment: str = "") -> CitizenFeedback:
    """The citizen says whether the problem was solved, once per reply. "Not solved" is
    flagged, and the town's presidium is told in its inbox (after commit)."""
    errors: dict = {}
    if answer not in CitizenFeedback.Answer.values:
        errors["answer"] = [_("Choose solved, partly solved or not solved.")]
    comment = _text(comment, "comment", minimum=0, maximum=COMMENT_MAX, errors=errors)
    _require(errors)
    item = carrier(clue) if clue.state == ClueState.MERGED else None
    reply = Reply.objects.filter(suggestion=item).order_by("-id").first() if item is not None else None
    if reply is None:
        raise Conflict(_("You can answer once the handling unit has replied."))
    flagged = answer == CitizenFeedback.Answer.NOT_SOLVED
    with transaction.atomic(), audit.actor_bound(None):
        try:
            with transaction.atomic():
                feedback = CitizenFeedback.objects.create(
                    clue=clue, reply=reply, answer=answer, comment=comment, flagged=flagged
                )
        except IntegrityError as exc:
            raise Conflict(_("You have already answered on this reply. Thank you.")) from exc
        if flagged:
            transaction.on_commit(lambda: _tell_the_presidium(feedback.pk))
    return feedback


def _tell_the_presidium(feedback_id: int) -> None:
    from daibiao.notifications.choices import Channel, NotificationKind
    from daibiao.notifications.services import notify

    feedback = CitizenFeedback.objects.select_related("clue", "clue__town").get(pk=feedback_id)
    clue = feedback.clue
    users = (
        get_user_model()
        .objects.filter(town_id=clue.town_id, role_grants__role=Role.TOWN_STAFF, is_active=True)
        .distinct()
    )
    notify(
        users,
        kind=NotificationKind.SUGGESTION_STEP,
        subject=_("A citizen says the problem is not solved: {title}").format(title=clue.title)[:200],
        body=feedback.comment,
        link=clue.get_absolute_url(),
        data={"clue": clue.pk, "citizen_feedback": feedback.pk},
        dedupe_key=f"citizen-feedback:{feedback.pk}",
        channels=[Channel.INBOX, Channel.EMAIL],
    )


# --- the public list of replies -------------------------------------------------------------


def public_replies():
    """Replies fit to publish: neither they nor their suggestions confidential, and with a
    public text; newest first."""
    return (
        Reply.objects.filter(confidential=False, suggestion__confidential=False)
        .exclude(public_text="")
        .exclude(suggestion__state__in=[State.WITHDRAWN, State.MERGED, State.DRAFT])
        .select_related("suggestion", "suggestion__town", "unit")
        .order_by("-created_at", "-id")
    )


def search_public_replies(queryset, text: str | None):
    """Replies whose suggestion's title or published text contain each word of ``text``."""
    for word in plain_text(text)[:100].split()[:5]:
        queryset = queryset.filter(Q(suggestion__title__icontains=word) | Q(public_text__icontains=word))
    return queryset


def public_titles(replies) -> dict[int, str]:
    """The suggestions' titles of ``replies``, fit to publish (one query for the page): numbers
    and the names of the people behind their clues masked."""
    ids = {r.suggestion_id for r in replies}
    names: dict[int, set[str]] = {pk: set() for pk in ids}
    rows = Clue.objects.filter(Q(suggestion__in=ids) | Q(suggestion__merged_into__in=ids)).values_list(
        "suggestion_id", "suggestion__merged_into_id", "raised_by"
    )
    for own, into, raised_by in rows:
        for pk in (own, into):
            if pk in names:
                names[pk].update(privacy.redact_contact_names(raised_by))
    return {
        r.suggestion_id: privacy.redact(r.suggestion.title, names=names[r.suggestion_id]) for r in replies
    }

"""Pages of the closed loop: thin adapters over the scoped base views and the services.

Every page reads through ``restrict(user, action)`` (the scoped base classes); every write
is a call to ``services``. The steps of a suggestion share one view, driven by ``STEPS``:
the step's form, the service it calls (its fields are the service's keyword arguments) and
whether the button asks before it acts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from daibiao.accounts.choices import Role
from daibiao.core import privacy
from daibiao.core.files import serve
from daibiao.core.scoping import Action, can
from daibiao.core.views import Column, ScopedDetailView, ScopedListView, ScopedMixin
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy, Unit
from daibiao.routing.duplicates import likely_duplicates, propose_groups
from daibiao.routing.services import recommend_many
from daibiao.supervision.models import oversight_items_citing

from . import forms, services, workflow
from .choices import (
    CONCLUDED_STATES,
    OPEN_STATES,
    AssignmentState,
    ClueState,
    State,
    Step,
)
from .errors import Conflict, Forbidden, Invalid, StepRefused
from .filtersets import ClueFilterSet, SuggestionFilterSet
from .models import (
    Assignment,
    Attachment,
    CitizenFeedback,
    Clue,
    Event,
    Extension,
    Rating,
    Reply,
    Suggestion,
)

# --- who the pages are for ------------------------------------------------------------------


def loop_roles(user) -> dict[str, bool]:
    """Which of the loop's desks the user sits at: the presidium's (town or county staff),
    a unit's, or a deputy's. Drives the links between the pages and who may open each."""
    roles = services.roles_of(user)
    return {
        "staff": bool(roles & workflow.STAFF),
        "unit": Role.UNIT_STAFF in roles and bool(getattr(user, "unit_id", None)),
        "deputy": Role.DEPUTY in roles and bool(getattr(user, "deputy_id", None)),
    }


class LoopContextMixin:
    """Puts ``loop`` (the user's desks) into every page, for the links in the headers."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["desks"] = loop_roles(self.request.user)
        return ctx


class AudienceMixin:
    """A page for one desk only: everyone else gets 403 (after the log-in check, which
    ``ScopedMixin`` puts first in the method resolution order)."""

    audience = "staff"

    def dispatch(self, request, *args, **kwargs):
        if not loop_roles(request.user)[self.audience]:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def safe_next(request, fallback: str) -> str:
    """Where to go after a POST: the page the form came from, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def refused_page(request, exc: StepRefused, obj=None):
    """The 403 page, saying why."""
    return TemplateResponse(
        request, "suggestions/refused.html", {"message": exc.message, "object": obj}, status=403
    )


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def local_date(value) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


YES_NO_CHOICES = [("", gettext_lazy("All")), ("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))]


# --- the steps ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    form: type[forms.StepForm]
    service: Any
    confirm: Any = None  # the question a destructive step asks first
    button: str = "btn-primary"


STEPS: dict[Step, StepSpec] = {
    Step.SUBMIT: StepSpec(forms.EmptyForm, services.submit_suggestion),
    Step.ASSIGN: StepSpec(forms.AssignForm, services.assign_suggestion),
    Step.TRANSFER: StepSpec(
        forms.TransferForm,
        services.transfer_suggestion,
        gettext_lazy("Transfer this suggestion out of the county? Its units will not handle it."),
        "btn-outline-secondary",
    ),
    Step.ACKNOWLEDGE: StepSpec(forms.EmptyForm, services.acknowledge_suggestion),
    Step.RETURN: StepSpec(
        forms.ReasonForm,
        services.return_suggestion,
        gettext_lazy("Return this item as not your unit's remit?"),
        "btn-outline-danger",
    ),
    Step.PROGRESS: StepSpec(forms.ProgressForm, services.report_progress, button="btn-outline-primary"),
    Step.REQUEST_EXTENSION: StepSpec(
        forms.ExtensionForm, services.request_extension, button="btn-outline-secondary"
    ),
    Step.DECIDE_EXTENSION: StepSpec(forms.DecideExtensionForm, services.decide_extension),
    Step.CO_OPINION: StepSpec(forms.CoOpinionForm, services.send_co_opinion),
    Step.REPLY: StepSpec(forms.ReplyForm, services.reply_to_suggestion),
    Step.RECLASSIFY: StepSpec(
        forms.ReclassifyForm, services.reclassify_reply, button="btn-outline-secondary"
    ),
    Step.RATE: StepSpec(forms.RateForm, services.rate_reply),
    Step.CONCLUDE: StepSpec(forms.ConcludeForm, services.conclude_suggestion),
    Step.VERIFY_IMPLEMENTED: StepSpec(forms.EvidenceForm, services.verify_implemented),
    Step.LOOK_BACK: StepSpec(forms.FindingForm, services.look_back, button="btn-outline-primary"),
    Step.URGE: StepSpec(forms.UrgeForm, services.urge_suggestion, button="btn-outline-warning"),
    Step.WITHDRAW: StepSpec(
        forms.OptionalReasonForm,
        services.withdraw_suggestion,
        gettext_lazy("Withdraw this suggestion? It leaves the closed loop."),
        "btn-outline-danger",
    ),
    Step.MERGE: StepSpec(
        forms.MergeForm,
        services.merge_suggestion,
        gettext_lazy("Merge this suggestion into the chosen one? It is carried on there."),
        "btn-outline-secondary",
    ),
}


def step_url_name(step: str) -> str:
    return f"suggestions:suggestion-{step.replace('_', '-')}"


def make_step_form(step: str, suggestion: Suggestion, user, data=None, files=None) -> forms.StepForm:
    step = Step(step)
    return STEPS[step].form(data, files, user=user, suggestion=suggestion, prefix=step.value)


# What happens next, for whoever reads the page (and cannot take a step right now).
NEXT = {
    State.DRAFT: gettext_lazy("A draft: its leading deputy or the presidium submits it."),
    State.SUBMITTED: gettext_lazy("Waiting for the presidium to assign it to a handling unit."),
    State.ASSIGNED: gettext_lazy("Waiting for the lead unit to acknowledge it."),
    State.TRANSFERRED: gettext_lazy(
        "Transferred out of the county; progress is noted here until the presidium concludes it."
    ),
    State.HANDLING: gettext_lazy("The lead unit is handling it and replies by the deadline."),
    State.REPLIED: gettext_lazy("Waiting for the leading deputy to rate the reply."),
    State.RATED: gettext_lazy("Rated; the presidium concludes it."),
    State.CONCLUDED: gettext_lazy("Concluded. An item solved (class A) can be verified on the ground."),
    State.IMPLEMENTED: gettext_lazy("Verified on the ground. It may be looked back at later."),
    State.WITHDRAWN: gettext_lazy("Withdrawn: it left the closed loop."),
    State.MERGED: gettext_lazy("Merged: the suggestion it went into carries it on."),
}


# --- suggestions ----------------------------------------------------------------------------


class SuggestionList(LoopContextMixin, ScopedListView):
    """Every suggestion in scope, with quick tabs, filters and the Excel export."""

    model = Suggestion
    filterset_class = SuggestionFilterSet
    template_name = "suggestions/suggestion_list.html"
    paginate_by = 30
    export_name = "suggestions"
    export_columns = [
        Column(gettext_lazy("ID"), "id"),
        Column(gettext_lazy("Title"), "title"),
        Column(gettext_lazy("Town"), "town.name"),
        Column(gettext_lazy("Leading deputy"), "lead_deputy.name"),
        Column(gettext_lazy("Category"), "category"),
        Column(gettext_lazy("Tier"), "tier"),
        Column(gettext_lazy("State"), "state"),
        Column(gettext_lazy("Lead unit"), "lead_unit.name"),
        Column(gettext_lazy("Deadline"), lambda s: local_date(s.deadline)),
        Column(gettext_lazy("Overdue"), lambda s: yes_no(s.is_overdue)),
        Column(gettext_lazy("Reply class"), "reply_category"),
        Column(gettext_lazy("Key supervision"), lambda s: yes_no(s.key_supervision)),
    ]

    PRIMARY_FILTERS = ("search", "town", "unit", "category")

    def base_queryset(self):
        return Suggestion.objects.with_related().order_by("-id")

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        fields = filterset.form.fields
        for name in ("overdue", "concluded", "implemented", "key"):
            fields[name].widget = djforms.Select(choices=YES_NO_CHOICES)
        fields["state"].widget = djforms.CheckboxSelectMultiple(choices=fields["state"].choices)
        fields["deadline_before"].widget = djforms.DateInput(attrs={"type": "date"})
        return filterset

    def tabs(self):
        now = timezone.now()
        counts = self.get_queryset().aggregate(
            all=Count("pk"),
            submitted=Count("pk", filter=Q(state=State.SUBMITTED)),
            handling=Count("pk", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("pk", filter=Q(state__in=OPEN_STATES, deadline__lt=now)),
            concluded=Count("pk", filter=Q(state__in=CONCLUDED_STATES)),
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        current = sorted((k, sorted(query.getlist(k))) for k in query if any(query.getlist(k)))
        tabs = []
        for key, label, params in (
            ("all", _("All"), []),
            ("submitted", _("Waiting for assignment"), [("state", ["submitted"])]),
            ("handling", _("In handling"), [("state", sorted(OPEN_STATES))]),
            ("overdue", _("Overdue"), [("overdue", ["true"])]),
            ("concluded", _("Concluded"), [("concluded", ["true"])]),
        ):
            href = "&".join(f"{k}={v}" for k, values in params for v in values)
            tabs.append(
                {
                    "key": key,
                    "label": label,
                    "count": counts[key],
                    "href": f"?{href}" if href else "?",
                    "active": current == params,
                }
            )
        return tabs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = self.filterset.form
        ctx["tabs"] = self.tabs()
        ctx["primary_filters"] = [form[name] for name in self.PRIMARY_FILTERS]
        ctx["more_filters"] = [form[name] for name in form.fields if name not in self.PRIMARY_FILTERS]
        # A quick tab is a filter too, but its link is enough: the filter bar stays folded.
        ctx["tab_active"] = any(t["active"] for t in ctx["tabs"] if t["key"] != "all")
        ctx["more_open"] = not ctx["tab_active"] and any(
            self.request.GET.get(name) for name in form.fields if name not in self.PRIMARY_FILTERS
        )
        ctx["extra_actions"] = "suggestions/_loop_links.html"
        return ctx


class SuggestionDetail(LoopContextMixin, ScopedDetailView):
    """A suggestion's whole story, and the buttons for the steps the user may take now."""

    model = Suggestion
    template_name = "suggestions/suggestion_detail.html"

    def base_queryset(self):
        return (
            Suggestion.objects.with_related()
            .select_related("merged_into", "responsible_leader")
            .prefetch_related(
                "co_signers",
                Prefetch("assignments", queryset=Assignment.objects.select_related("unit")),
                Prefetch("clues", queryset=Clue.objects.select_related("village", "recorded_by")),
                Prefetch(
                    "replies", queryset=Reply.objects.select_related("unit").prefetch_related("attachments")
                ),
                Prefetch("ratings", queryset=Rating.objects.select_related("deputy")),
                Prefetch("extensions", queryset=Extension.objects.select_related("unit")),
                Prefetch(
                    "events",
                    queryset=Event.objects.order_by("created_at", "id").prefetch_related("attachments"),
                ),
            )
        )

    def step_panels(self, bound: forms.StepForm | None = None) -> list[dict]:
        suggestion, user = self.object, self.request.user
        panels = []
        steps = services.allowed_steps(suggestion, user)
        # ``?step=assign`` opens that step's form (the board sends a new suggestion here).
        wanted = self.request.GET.get("step") if bound is None else None
        if bound is not None and bound.prefix not in steps:
            steps.append(bound.prefix)
        for step in steps:
            spec = STEPS[Step(step)]
            form = (
                bound
                if bound is not None and bound.prefix == step
                else make_step_form(step, suggestion, user)
            )
            panels.append(
                {
                    "step": step,
                    "label": Step(step).label,
                    "form": form,
                    "url": reverse(step_url_name(step), args=[suggestion.pk]),
                    "confirm": spec.confirm,
                    "button": spec.button,
                    "open": form is bound or step == wanted,
                }
            )
        return panels

    def get_context_data(self, bound=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        suggestion, user = self.object, self.request.user
        ctx["steps"] = self.step_panels(bound)
        ctx["next_hint"] = NEXT.get(suggestion.state, "")
        ctx["next_url"] = self.request.POST.get("next", "") if bound is not None else ""
        clues = list(suggestion.clues.all())
        visible = set(
            Clue.objects.restrict(user, Action.VIEW)
            .filter(suggestion=suggestion)
            .values_list("pk", flat=True)
        )
        for clue in clues:
            clue.visible = clue.pk in visible
        ctx["clues"] = clues
        ctx["merged"] = Suggestion.objects.restrict(user, Action.VIEW).filter(merged_into=suggestion)
        ctx["assignments"] = sorted(suggestion.assignments.all(), key=lambda a: (a.role != "lead", a.pk))
        ctx["ratings"] = list(suggestion.ratings.all())
        ctx["replies"] = list(suggestion.replies.all())
        ctx["events"] = list(suggestion.events.all())
        # The oversight items that cite it, those the user may see (one query).
        ctx["oversight_items"] = oversight_items_citing(suggestion, user)
        # What the citizens behind its clues (and those of suggestions merged into it) said.
        ctx["citizen_feedback"] = citizen_feedback(
            user, Q(clue__suggestion=suggestion) | Q(clue__suggestion__merged_into=suggestion)
        )
        return ctx


def citizen_feedback(user, where: Q) -> list[CitizenFeedback]:
    """The citizens' answers to "was it solved?" on the clues ``where`` picks, those whose clue
    the user reads, newest first (one query). A comment shows as the portal publishes it:
    numbers and the names of whoever raised the clue masked, on every page alike."""
    rows = list(
        CitizenFeedback.objects.restrict(user, Action.VIEW)
        .filter(where)
        .select_related("clue")
        .order_by("-created_at", "-id")
    )
    for row in rows:
        names = privacy.redact_contact_names(row.clue.raised_by)
        row.shown_comment = privacy.redact(row.comment, names=names)
    return rows


class SuggestionStep(SuggestionDetail):
    """POST only: take one step of the loop. Out of scope: 404. The role may never take
    the step: 403. The state does not allow it now (or someone was quicker): a message and
    back to the page. Wrong input: the page again, with the form open and its errors."""

    http_method_names = ["post"]
    step: str = ""

    def post(self, request, *args, **kwargs):
        self.object = suggestion = self.get_object()
        step = Step(self.step)
        user = request.user
        if not workflow.role_may(step, services.roles_of(user)):
            return refused_page(request, Forbidden(_("Your role may not take this step.")), suggestion)
        form = make_step_form(step.value, suggestion, user, request.POST, request.FILES)
        if form.is_valid():
            try:
                STEPS[step].service(suggestion, actor=user, **form.cleaned_data)
            except Invalid as exc:
                add_errors(form, exc.errors)
            except Forbidden as exc:
                return refused_page(request, exc, suggestion)
            except Conflict as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(safe_next(request, suggestion.get_absolute_url()))
            else:
                messages.success(
                    request,
                    _("Done: {step}. The suggestion is now “{state}”.").format(
                        step=step.label, state=suggestion.get_state_display()
                    ),
                )
                return HttpResponseRedirect(self.after(suggestion))
        # Wrong input: the page again, fresh from the database, with this form open.
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data(object=self.object, bound=form))

    def after(self, suggestion) -> str:
        """The page the form came from, or the suggestion's; a step that takes the item out
        of the user's reach (a unit returning it) leads to the list instead."""
        fallback = suggestion.get_absolute_url()
        if not Suggestion.objects.restrict(self.request.user, Action.VIEW).filter(pk=suggestion.pk).exists():
            fallback = reverse("suggestions:suggestion-list")
        return safe_next(self.request, fallback)


def add_errors(form, errors: dict) -> None:
    for field, messages_ in errors.items():
        form.add_error(field if field in form.fields else None, messages_)


class SuggestionCreate(LoopContextMixin, ScopedMixin, AudienceMixin, generic.FormView):
    """A new suggestion: a deputy's own (from his or her open clues), or the presidium's."""

    model = Suggestion
    template_name = "suggestions/suggestion_form.html"
    form_class = forms.SuggestionForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            desks = loop_roles(request.user)
            self.audience = "staff" if desks["staff"] else "deputy"
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, deputy_picker=self.audience == "staff")
        return kwargs

    def get_initial(self):
        return {"clues": self.request.GET.getlist("clue"), "submit": True}

    def form_valid(self, form):
        try:
            suggestion = services.create_suggestion(actor=self.request.user, **form.service_kwargs())
        except Invalid as exc:
            add_errors(form, exc.errors)
            return self.form_invalid(form)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        except Conflict as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except Forbidden as exc:
            return refused_page(self.request, exc)
        messages.success(
            self.request,
            _("Suggestion #{id} saved: “{state}”.").format(
                id=suggestion.pk, state=suggestion.get_state_display()
            ),
        )
        return HttpResponseRedirect(suggestion.get_absolute_url())


# --- the triage board -----------------------------------------------------------------------

# Two-character words that say nothing about which problem a clue is about.
STOP_WORDS = frozenset(
    [
        "问题",
        "建议",
        "群众",
        "村民",
        "居民",
        "反映",
        "希望",
        "解决",
        "存在",
        "需要",
        "要求",
        "情况",
        "没有",
        "一个",
        "不能",
        "修复",
        "维修",
        "尽快",
        "及时",
    ]
)
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z0-9]{2,}")


def title_words(clue: Clue) -> set[str]:
    """The two-character words (every pair of neighbouring Chinese characters, and Latin or
    digit words) of the clue's title, less the place names (every clue of a town names the
    town) and words that say nothing about the problem. Pairs rather than a segmenter: the
    titles are short, and a segmenter splits 路灯不亮 as 路 / 灯不亮."""
    title = clue.title
    for place in (getattr(clue.town, "name", ""), getattr(clue.village, "name", "")):
        if place:
            title = title.replace(place, " ")
            if len(place) > 2:
                title = title.replace(place[:-1], " ")  # 武安镇 → 武安
    words = {w.lower() for w in _LATIN.findall(title)}
    for run in _CJK.findall(title):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words - STOP_WORDS


@dataclass
class ClueGroup:
    clues: list
    reasons: list  # why the rule put them together, for the label
    recommendation: Any = None  # routing.services.Recommendation for the group's text


RECOMMEND_GROUPS = 40  # the board recommends a category and a unit for this many groups


def recommend_for(groups: list[ClueGroup], county, units) -> None:
    """The recommended category and lead unit of each group (the first ``RECOMMEND_GROUPS``),
    from the text of its clues."""
    if county is None:
        return
    shown = groups[:RECOMMEND_GROUPS]
    items = [(g.clues[0].title, "\n".join(f"{c.title}。{c.content}" for c in g.clues)) for g in shown]
    for group, recommendation in zip(shown, recommend_many(county, items, k=1, units=units), strict=True):
        group.recommendation = recommendation


def likely_same_problem(clues: list[Clue]) -> list[ClueGroup]:
    """Group open clues that are likely about the same problem: the same village and the same
    category, a shared two-character word in their titles, or texts the duplicate finder
    (``routing.duplicates``) finds alike. A hint for the person triaging, not a decision.
    Groups of two or more come first, then the single clues."""
    parent = list(range(len(clues)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reasons: dict[int, set] = defaultdict(set)
    words = [title_words(c) for c in clues]
    for i in range(len(clues)):
        for j in range(i + 1, len(clues)):
            a, b = clues[i], clues[j]
            why = set()
            if a.village_id and a.village_id == b.village_id and a.category and a.category == b.category:
                why.add(_("same village and category"))
            shared = words[i] & words[j]
            if shared:
                why.add(_("both mention “{words}”").format(words="、".join(sorted(shared))))
            if why:
                ri, rj = find(i), find(j)
                parent[rj] = ri
                reasons[ri] |= reasons.pop(rj, set()) | why
    # And what the duplicate finder sees as the same problem told in other words.
    index = {clue.pk: i for i, clue in enumerate(clues)}
    for group in propose_groups(clues):
        members = [index[c.pk] for c in group.clues]
        for other in members[1:]:
            ri, rj = find(members[0]), find(other)
            if ri != rj:
                parent[rj] = ri
                reasons[ri] |= reasons.pop(rj, set())
        reasons[find(members[0])].add(group.reason)
    groups: dict[int, list] = defaultdict(list)
    for i, clue in enumerate(clues):
        groups[find(i)].append(clue)
    result = [ClueGroup(members, sorted(reasons.get(root, ()))) for root, members in groups.items()]
    result.sort(key=lambda g: (len(g.clues) < 2, -max(c.pk for c in g.clues)))
    return result


class Triage(LoopContextMixin, ScopedMixin, AudienceMixin, generic.TemplateView):
    """The presidium's board: new clues (grouped by a simple rule), merged into suggestions,
    solved on the spot or dismissed; submitted suggestions waiting to be assigned."""

    model = Clue
    template_name = "suggestions/triage.html"
    audience = "staff"
    LIMIT = 200

    @cached_property
    def open_clues(self):
        return list(
            forms.open_clues(self.request.user)
            .select_related("town", "village", "recorded_by")
            .order_by("-occurred_on", "-id")[: self.LIMIT]
        )

    def merge_form(self, data=None):
        form = forms.SuggestionForm(
            data, user=self.request.user, deputy_picker=True, require_clues=True, prefix="merge"
        )
        del form.fields["submit"]  # the board submits what it merges: it goes on to be assigned
        return form

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.setdefault("merge_form", self.merge_form())
        ctx["clues"] = self.open_clues
        ctx["groups"] = likely_same_problem(self.open_clues)
        recommend_for(
            ctx["groups"], user.county, Unit.objects.restrict(user, Action.VIEW).filter(is_active=True)
        )
        ctx["waiting"] = list(
            Suggestion.objects.restrict(user, Action.VIEW)
            .with_related()
            .filter(state=State.SUBMITTED)
            .order_by("state_entered_at", "id")
        )
        ctx["units"] = list(
            Unit.objects.restrict(user, Action.VIEW).filter(is_active=True).order_by("kind", "name")
        )
        ctx["triage_url"] = reverse("suggestions:triage")
        selected = ctx["merge_form"]["clues"].value() or []
        ctx["selected"] = {str(pk) for pk in selected}
        return ctx

    def post(self, request, *args, **kwargs):
        form = self.merge_form(request.POST)
        if form.is_valid():
            kwargs = form.service_kwargs()
            kwargs["submit"] = True
            try:
                suggestion = services.create_suggestion(actor=request.user, **kwargs)
            except Invalid as exc:
                add_errors(form, exc.errors)
            except (Forbidden, ValidationError) as exc:
                form.add_error(None, getattr(exc, "message", None) or exc)
            except Conflict as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(reverse("suggestions:triage"))
            else:
                messages.success(
                    request,
                    _("Suggestion #{id} made of {n} clue(s) and submitted. Assign it to a unit now.").format(
                        id=suggestion.pk, n=len(kwargs["clues"])
                    ),
                )
                return HttpResponseRedirect(f"{suggestion.get_absolute_url()}?step={Step.ASSIGN}")
        return self.render_to_response(self.get_context_data(merge_form=form))


# --- the unit's inbox -----------------------------------------------------------------------

REPLIED_STATES = (State.REPLIED, State.RATED, State.CONCLUDED, State.IMPLEMENTED)


class UnitInbox(LoopContextMixin, ScopedMixin, AudienceMixin, generic.TemplateView):
    """A unit's items: to acknowledge, in handling, replied, overdue."""

    model = Assignment
    template_name = "suggestions/unit_inbox.html"
    audience = "unit"
    TABS = ("pending", "handling", "replied", "overdue")

    def tab_filters(self):
        return {
            "pending": Q(state=AssignmentState.PENDING, suggestion__state__in=OPEN_STATES),
            "handling": Q(state=AssignmentState.ACKNOWLEDGED, suggestion__state__in=OPEN_STATES),
            "replied": Q(suggestion__state__in=REPLIED_STATES),
            "overdue": Q(suggestion__state__in=OPEN_STATES, suggestion__deadline__lt=timezone.now()),
        }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        mine = (
            Assignment.objects.restrict(user, Action.VIEW)
            .filter(unit_id=user.unit_id)
            .exclude(state=AssignmentState.RETURNED)
        )
        filters = self.tab_filters()
        counts = mine.aggregate(**{key: Count("pk", filter=q) for key, q in filters.items()})
        tab = self.request.GET.get("tab")
        if tab not in self.TABS:
            tab = "pending"
        labels = {
            "pending": _("To acknowledge"),
            "handling": _("In handling"),
            "replied": _("Replied"),
            "overdue": _("Overdue"),
        }
        ctx["tabs"] = [
            {"key": k, "label": labels[k], "count": counts[k], "active": k == tab} for k in self.TABS
        ]
        ctx["tab"] = tab
        ctx["rows"] = list(
            mine.filter(filters[tab])
            .select_related("suggestion", "suggestion__town", "suggestion__lead_deputy")
            .order_by("suggestion__deadline", "pk")[:200]
        )
        ctx["unit"] = user.unit
        ctx["now"] = timezone.now()
        ctx["inbox_url"] = f"{reverse('suggestions:unit-inbox')}?tab={tab}"
        return ctx


# --- the deputy's page ----------------------------------------------------------------------


def own_suggestions(deputy_id) -> Q:
    """A deputy's own suggestions: led, co-signed, or grown from a clue he or she recorded.
    The deputy's scope reads just these; a deputy who also heads a station reads the
    station's too, which are not his or hers to follow or rate."""
    return (
        Q(lead_deputy_id=deputy_id)
        | Q(pk__in=Suggestion.co_signers.through.objects.filter(deputy_id=deputy_id).values("suggestion_id"))
        | Q(pk__in=Clue.objects.filter(recorded_by_id=deputy_id).values("suggestion_id"))
    )


def awaiting_rating(suggestions, deputy_id):
    """Of ``suggestions``, those whose reply waits for this deputy's rating, in one query: the
    conditions of ``services.allowed_steps`` for the rating step (a state it starts from; the
    leading deputy only while replied; not rated by him or her in this round), and a reply
    to read (what the deputy's page asks before it shows the rating form)."""
    rated = Rating.objects.filter(suggestion_id=OuterRef("pk"), deputy_id=deputy_id, round=OuterRef("round"))
    return (
        suggestions.filter(state__in=workflow.TABLE[Step.RATE].sources)
        .exclude(Q(lead_deputy_id=deputy_id) & ~Q(state=State.REPLIED))
        .exclude(Exists(rated))
        .filter(Exists(Reply.objects.filter(suggestion_id=OuterRef("pk"))))
    )


WAITING_PAGE = 10  # citizens' reports a page of "mine" lists


def waiting_clues(user):
    """The citizens' clues waiting at the deputy's station (``services.clues_to_take_up``),
    newest first, with what their list shows: the village and the number of photos."""
    return (
        services.clues_to_take_up(user)
        .select_related("village")
        .annotate(photo_count=Count("attachments"))
        .order_by("-created_at", "-id")
    )


def as_waiting(clues) -> list[Clue]:
    """``clues`` (citizens' clues) as a deputy reads them before taking them up: numbers and
    names in the text masked (``privacy.redact``), the phone left with it masked
    (``privacy.mask_phone``). The whole is the deputy's to read once the clue is his or hers.

    The title is the start of the report, cut short: it is cut again from the masked text,
    since a number cut in two is no longer one that ``redact`` recognises."""
    clues = list(clues)
    for clue in clues:
        names = privacy.redact_contact_names(clue.raised_by)
        clue.shown_content = privacy.redact(clue.content, names=names)
        first = clue.shown_content.splitlines()[0] if clue.shown_content else ""
        cut = services.public.TITLE_CHARS
        clue.shown_title = first if len(first) <= cut else first[: cut - 1] + "…"
        clue.shown_phone = privacy.mask_phone(clue.contact_phone)
    return clues


class Mine(LoopContextMixin, ScopedMixin, AudienceMixin, generic.TemplateView):
    """A deputy's own page, for the phone: record a clue, follow clues and suggestions, rate
    the replies that wait for a rating."""

    model = Suggestion
    template_name = "suggestions/mine.html"
    audience = "deputy"

    def clue_form(self, data=None, files=None):
        deputy = self.request.user.deputy
        return forms.ClueForm(data, files, user=self.request.user, town=deputy.town, prefix="clue")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        deputy_id = user.deputy_id
        ctx.setdefault("clue_form", self.clue_form())
        ctx["my_clues"] = list(
            Clue.objects.restrict(user, Action.VIEW)
            .filter(recorded_by_id=deputy_id)
            .select_related("village", "suggestion")
            .order_by("-occurred_on", "-id")[:100]
        )
        suggestions = list(
            Suggestion.objects.restrict(user, Action.VIEW)
            .filter(own_suggestions(deputy_id))
            .with_related()
            .prefetch_related(
                "assignments",
                "extensions",
                "ratings",
                "co_signers",
                Prefetch("replies", queryset=Reply.objects.select_related("unit").order_by("id")),
            )
            .order_by("-id")[:100]
        )
        to_rate = []
        for s in suggestions:
            if s.lead_deputy_id == deputy_id:
                s.relation = _("Led by me")
            elif any(d.pk == deputy_id for d in s.co_signers.all()):
                s.relation = _("Co-signed")
            else:
                s.relation = _("From my clue")
            if Step.RATE in services.allowed_steps(s, user) and s.replies.all():
                s.latest_reply = list(s.replies.all())[-1]
                s.rate_form = make_step_form(Step.RATE, s, user)
                to_rate.append(s)
        ctx["my_suggestions"] = suggestions
        ctx["to_rate"] = to_rate
        ctx["mine_url"] = reverse("suggestions:mine")
        # The citizens' reports waiting at the station for one of its deputies (接办).
        page = Paginator(waiting_clues(user), WAITING_PAGE).get_page(self.request.GET.get("page"))
        ctx["waiting_page"] = page
        ctx["waiting"] = as_waiting(page.object_list)
        return ctx

    def post(self, request, *args, **kwargs):
        form = self.clue_form(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                clue = services.create_clue(
                    actor=request.user,
                    town=request.user.deputy.town,
                    title=data.pop("title"),
                    content=data.pop("content"),
                    **data,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except StepRefused as exc:
                return refused_page(request, exc)
            else:
                messages.success(
                    request,
                    _("Clue recorded: “{title}”. The town's presidium will look at it.").format(
                        title=clue.title
                    ),
                )
                return HttpResponseRedirect(reverse("suggestions:mine"))
        return self.render_to_response(self.get_context_data(clue_form=form))


# --- clues ----------------------------------------------------------------------------------


class ClueList(LoopContextMixin, ScopedListView):
    model = Clue
    filterset_class = ClueFilterSet
    template_name = "suggestions/clue_list.html"
    paginate_by = 30
    export_name = "clues"
    export_columns = [
        Column(gettext_lazy("ID"), "id"),
        Column(gettext_lazy("Title"), "title"),
        Column(gettext_lazy("Town"), "town.name"),
        Column(gettext_lazy("Village or community"), "village.name"),
        Column(gettext_lazy("Category"), "category"),
        Column(gettext_lazy("Recorded by"), "recorded_by.name"),
        Column(gettext_lazy("Date"), "occurred_on"),
        Column(gettext_lazy("State"), "state"),
        Column(gettext_lazy("Outcome"), "outcome"),
        Column(gettext_lazy("Suggestion"), "suggestion_id"),
        Column(gettext_lazy("Tracking code"), "tracking_code"),
    ]

    def base_queryset(self):
        return Clue.objects.select_related("town", "village", "recorded_by").order_by("-occurred_on", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_actions"] = "suggestions/_loop_links.html"
        return ctx


class ClueDetail(LoopContextMixin, ScopedDetailView):
    model = Clue
    template_name = "suggestions/clue_detail.html"

    def base_queryset(self):
        return Clue.objects.select_related(
            "town", "village", "recorded_by", "station", "suggestion"
        ).prefetch_related("attachments")

    def get_context_data(self, solve_form=None, dismiss_form=None, photos_form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        clue, user = self.object, self.request.user
        ctx["may_close"] = clue.state == ClueState.OPEN and ctx["can_change"]
        ctx["solve_form"] = solve_form or forms.OutcomeForm(prefix="solve")
        ctx["dismiss_form"] = dismiss_form or forms.DismissForm(prefix="dismiss")
        ctx["photos_form"] = photos_form or forms.PhotosForm(prefix="photos")
        ctx["photos"] = list(clue.attachments.all())
        ctx["suggestion_visible"] = bool(
            clue.suggestion_id
            and Suggestion.objects.restrict(user, Action.VIEW).filter(pk=clue.suggestion_id).exists()
        )
        desks = loop_roles(user)
        ctx["may_propose"] = ctx["may_close"] and (desks["staff"] or desks["deputy"])
        # A citizen's clue no deputy has taken up yet: the presidium may hand it to one.
        ctx["waiting_for_deputy"] = clue.from_public and clue.recorded_by_id is None
        ctx["may_hand_over"] = bool(
            ctx["waiting_for_deputy"]
            and clue.state == ClueState.OPEN
            and ctx["can_change"]
            and desks["staff"]
        )
        if ctx["may_hand_over"]:
            ctx["hand_over_form"] = TakeUpForm(user=user, clue=clue)
        ctx["masked_phone"] = privacy.mask_phone(clue.contact_phone)
        ctx["citizen_feedback"] = citizen_feedback(user, Q(clue=clue))
        return ctx


class ClueAction(ClueDetail):
    """POST only: solve a clue on the spot, dismiss it, or add photos to it."""

    http_method_names = ["post"]
    action = ""
    ACTIONS = {
        "solve": (
            forms.OutcomeForm,
            services.solve_clue_on_spot,
            "outcome",
            gettext_lazy("Marked as solved on the spot."),
        ),
        "dismiss": (forms.DismissForm, services.dismiss_clue, "reason", gettext_lazy("Clue dismissed.")),
        "photos": (forms.PhotosForm, services.add_clue_photos, "photos", gettext_lazy("Photos added.")),
    }

    def post(self, request, *args, **kwargs):
        self.object = clue = self.get_object()
        form_class, service, field, done = self.ACTIONS[self.action]
        if not can(request.user, Action.CHANGE, clue):
            return refused_page(request, Forbidden(_("You may not change this clue.")), clue)
        form = form_class(request.POST, request.FILES, prefix=self.action)
        if form.is_valid():
            try:
                service(clue, actor=request.user, **{field: form.cleaned_data[field]})
            except Invalid as exc:
                add_errors(form, exc.errors)
            except Forbidden as exc:
                return refused_page(request, exc, clue)
            except Conflict as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(safe_next(request, clue.get_absolute_url()))
            else:
                messages.success(request, str(done))
                return HttpResponseRedirect(safe_next(request, clue.get_absolute_url()))
        return self.render_to_response(self.get_context_data(object=clue, **{f"{self.action}_form": form}))


class TakeUpForm(djforms.Form):
    """Who takes a citizen's clue up: nobody named (the deputy who presses the button), or
    the deputy the presidium picks. The picker offers the serving deputies of the clue's town,
    those of its station first; what it accepts is any deputy the user reads, and the service
    says which of them may take the clue."""

    deputy = djforms.ModelChoiceField(
        queryset=Deputy.objects.none(),
        required=False,
        label=gettext_lazy("Deputy"),
        empty_label=gettext_lazy("Choose a deputy"),
    )

    def __init__(self, *args, user, clue: Clue | None = None, **kwargs):
        kwargs.setdefault("prefix", "take_up")
        super().__init__(*args, **kwargs)
        deputies = Deputy.objects.restrict(user, Action.VIEW)
        if clue is not None:
            deputies = (
                deputies.filter(town_id=clue.town_id, status=DeputyStatus.SERVING)
                .select_related("station")
                .annotate(elsewhere=Case(When(station_id=clue.station_id, then=Value(0)), default=Value(1)))
                .order_by("elsewhere", "name", "pk")
            )
        field = self.fields["deputy"]
        field.queryset = deputies
        field.label_from_instance = lambda d: f"{d.name} · {d.station.name}" if d.station_id else d.name
        field.widget.attrs["class"] = "form-select"


def take_up_reach(user):
    """The clues a take-up may find: those the user reads, and for a deputy the citizens'
    clues of his or her station, waiting or not, so that a deputy who was a moment too late
    is told that a colleague took it up, not that it does not exist. Anything else is 404."""
    readable = Clue.objects.restrict(user, Action.VIEW)
    if not loop_roles(user)["deputy"] or user.deputy.station_id is None:
        return readable
    return readable | Clue.objects.filter(from_public=True, station_id=user.deputy.station_id)


def field_messages(errors: dict) -> str:
    return " ".join(str(m) for messages_ in errors.values() for m in messages_)


class ClueTakeUp(ScopedMixin, generic.View):
    """POST only: a deputy takes up a citizen's clue waiting at the station (接办), or the
    presidium hands it to a deputy (``take_up-deputy``); ``services.take_up_clue`` decides.
    Out of reach (``take_up_reach``: what the user reads, and the station's citizens' clues
    for its deputies): 404. Taken up: the clue's page. Someone was quicker, or wrong input: a
    message and back where the button was. Refused: the 403 page saying why."""

    model = Clue
    http_method_names = ["post"]

    def get_queryset(self):
        return take_up_reach(self.request.user)

    def post(self, request, pk):
        clue = get_object_or_404(self.get_queryset().select_related("town"), pk=pk)
        user = request.user
        readable = Clue.objects.restrict(user, Action.VIEW).filter(pk=clue.pk).exists()
        back = safe_next(request, clue.get_absolute_url() if readable else reverse("suggestions:mine"))
        form = TakeUpForm(request.POST, user=user)
        if not form.is_valid():
            messages.error(request, field_messages(form.errors))
            return HttpResponseRedirect(back)
        deputy = form.cleaned_data["deputy"]
        try:
            services.take_up_clue(clue, actor=user, deputy=deputy)
        except Invalid as exc:
            messages.error(request, field_messages(exc.errors))
        except Forbidden as exc:
            return refused_page(request, exc, clue if readable else None)
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            if deputy is None or deputy.pk == user.deputy_id:
                done = _("You have taken up “{title}”. It is among your clues now.")
            else:
                done = _("“{title}” handed to {deputy}, who takes it up from here.")
            messages.success(request, done.format(title=clue.title, deputy=clue.recorded_by))
            return HttpResponseRedirect(clue.get_absolute_url())
        return HttpResponseRedirect(back)


class AttachmentFile(ScopedMixin, generic.View):
    """A kept file, to whoever sees the clue or suggestion it belongs to (else 404)."""

    model = Attachment

    def get(self, request, pk):
        attachment = get_object_or_404(self.get_queryset(), pk=pk)
        return serve(attachment, inline=attachment.is_image and "download" not in request.GET)


SIMILAR_DAYS = 180  # how far back the clue form looks for the same problem


class SimilarClues(LoopContextMixin, ScopedMixin, generic.TemplateView):
    """While a clue is typed (htmx, from the deputy's clue form): clues of the same town,
    within reach and recent, that are likely about the same problem, with the reason."""

    model = Clue
    template_name = "suggestions/_similar_clues.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params, user = self.request.GET, self.request.user
        title, content = params.get("clue-title", "").strip(), params.get("clue-content", "").strip()
        town_id = user.deputy.town_id if user.deputy_id else user.town_id
        ctx["similar"] = []
        if town_id and len(title + content) >= 4:
            since = timezone.localdate() - dt.timedelta(days=SIMILAR_DAYS)
            candidates = (
                self.get_queryset().filter(town_id=town_id, occurred_on__gte=since).select_related("village")
            )
            village = params.get("clue-village", "")
            ctx["similar"] = likely_duplicates(
                f"{title}\n{content}",
                candidates,
                k=3,
                village=int(village) if village.isdigit() else None,
                town=town_id,
            )
        return ctx

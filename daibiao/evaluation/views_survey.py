"""The year-end survey's pages: the rounds, opening one, its progress and results (county
staff and leaders), and the deputy's phone page that answers it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from daibiao.core.errors import Conflict
from daibiao.core.forms import add_errors
from daibiao.core.views import ScopedDetailView, ScopedListView, ScopedMixin
from daibiao.suggestions.choices import Satisfaction

from . import forms, survey
from .filtersets import SurveyFilterSet
from .models import SurveyAnswer, SurveyRound
from .views import AddOnly, ServiceFormView, is_deputy, reads_county

# --- the year-end survey ------------------------------------------------------------------------


class SurveyList(ScopedListView):
    model = SurveyRound
    filterset_class = SurveyFilterSet
    template_name = "evaluation/survey_list.html"

    def base_queryset(self):
        return SurveyRound.objects.order_by("-year", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["today"] = timezone.localdate()
        ctx["is_deputy"] = is_deputy(self.request.user)
        return ctx


class SurveyCreate(AddOnly, ServiceFormView):
    model = SurveyRound
    form_class = forms.SurveyForm
    success_message = gettext_lazy("The survey is open to the deputies on its dates.")

    def apply(self, data):
        user = self.request.user
        if not user.county_id:
            raise ValidationError(_("Your account belongs to no county."))
        return survey.open_survey(
            user.county,
            actor=user,
            year=data["year"],
            title=data["title"] or None,
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
        )


def unit_results(user, round_) -> list[dict]:
    """Each unit's ratings in a round: counts by result and the satisfaction rate (satisfied
    and basically satisfied over all), best first; never who gave which."""
    counts: dict[int, dict] = {}
    for row in (
        SurveyAnswer.objects.restrict(user)
        .filter(survey=round_)
        .values("unit_id", "unit__name", "result")
        .annotate(n=Count("id"))
        .order_by()
    ):
        entry = counts.setdefault(
            row["unit_id"], {"unit_id": row["unit_id"], "name": row["unit__name"], "total": 0}
        )
        entry[row["result"]] = row["n"]
        entry["total"] += row["n"]
    results = []
    for entry in counts.values():
        good = entry.get(Satisfaction.SATISFIED, 0) + entry.get(Satisfaction.BASIC, 0)
        entry["satisfied"] = entry.get(Satisfaction.SATISFIED, 0)
        entry["basic"] = entry.get(Satisfaction.BASIC, 0)
        entry["unsatisfied"] = entry.get(Satisfaction.UNSATISFIED, 0)
        entry["rate"] = good * 100 / entry["total"] if entry["total"] else None
        results.append(entry)
    results.sort(key=lambda e: (-(e["rate"] or 0), -e["total"], e["name"]))
    return results


class SurveyDetail(ScopedDetailView):
    """A survey round: its dates; for the county's staff and leaders its progress and each
    unit's results (counts, never who answered what); for a deputy the way to answer."""

    model = SurveyRound
    template_name = "evaluation/survey_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, round_ = self.request.user, self.object
        ctx["is_open"] = survey.is_open(round_)
        ctx["is_deputy"] = is_deputy(user)
        if reads_county(user):
            progress = survey.survey_progress(round_)
            rate = progress["satisfied_rate"]
            ctx["progress"] = progress
            ctx["progress_rows"] = [
                (_("Deputies asked"), progress["deputies"]),
                (_("Deputies who answered"), progress["answered"]),
                (_("Answers"), progress["answers"]),
                *((label, progress["by_result"].get(value, 0)) for value, label in Satisfaction.choices),
                (_("Satisfaction rate"), "—" if rate is None else f"{rate}%"),
            ]
            ctx["results"] = unit_results(user, round_)
            ctx["comments"] = (
                SurveyAnswer.objects.restrict(user)
                .filter(survey=round_)
                .exclude(comment="")
                .select_related("unit")
                .order_by("unit__name", "id")[:200]
            )
        return ctx


def current_round(user):
    """The round a deputy answers now: the open one of his or her county, else the latest."""
    today = timezone.localdate()
    rounds = SurveyRound.objects.restrict(user).order_by("-year", "-id")
    return rounds.filter(opens_on__lte=today, closes_on__gte=today).first() or rounds.first()


class MySurvey(ScopedMixin, generic.TemplateView):
    """The deputy's phone page (我的测评): the units he or she dealt with in the year, three big
    choices and a comment each, saved in one POST; what was answered already is shown; a round
    that is not open says so."""

    model = SurveyRound
    template_name = "evaluation/my_survey.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not is_deputy(request.user):
                raise PermissionDenied
            self.round = current_round(request.user)
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, data=None):
        user, round_ = self.request.user, self.round
        if round_ is None:
            return None
        units = survey.units_to_rate(round_, user.deputy)
        answered = {
            a.unit_id: a
            for a in SurveyAnswer.objects.restrict(user).filter(survey=round_, deputy_id=user.deputy_id)
        }
        self.answered = answered
        return forms.AnswersForm(data, units=units, answered=answered)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = kwargs.get("form") or self.make_form()
        round_ = self.round
        ctx.update(
            round=round_,
            form=form,
            is_open=round_ is not None and survey.is_open(round_),
            not_yet=round_ is not None and timezone.localdate() < round_.opens_on,
            n_answered=len(getattr(self, "answered", {})),
            answered_ids=set(getattr(self, "answered", {})),
            deputy=self.request.user.deputy,
        )
        return ctx

    def post(self, request):
        form = self.make_form(request.POST)
        if form is None:
            messages.error(request, _("There is no survey to answer."))
            return redirect("evaluation:my-survey")
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        answers = form.answers()
        if not answers:
            form.add_error(None, _("Choose a rating for at least one unit."))
            return self.render_to_response(self.get_context_data(form=form))
        try:
            survey.answer_survey(self.round, request.user.deputy, actor=request.user, answers=answers)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        except (Conflict, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "message", None) or str(exc))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Thank you: your ratings of {n} units are saved.").format(n=len(answers)))
        return redirect(reverse("evaluation:my-survey"))

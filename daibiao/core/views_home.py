"""The landing page: the registry at a glance, within the user's scope; for deputies and
station heads, a phone-first hub of their own work instead."""

import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from daibiao.accounts.choices import Role
from daibiao.core.scoping import Action

# Users whose roles are all among these land on the hub: their work is their own, not a registry.
HUB_ROLES = frozenset({Role.DEPUTY, Role.STATION_HEAD})
HUB_LIST = 5  # replies waiting for a rating, citizens' reports and activities of the day, shown on the hub


def lands_on_hub(user) -> bool:
    """Whether ``user``'s landing page is the hub (and the phone's tab bar is shown): a
    deputy or station head with no other role."""
    return bool(user.is_authenticated and not user.is_superuser and user.roles and user.roles <= HUB_ROLES)


def has_deputy_desk(user) -> bool:
    return Role.DEPUTY in user.roles and bool(user.deputy_id)


def today_bounds() -> tuple[dt.datetime, dt.datetime]:
    """The start of today and of tomorrow, local time."""
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    return start, end


def by_state(queryset, choices) -> tuple[list[dict], int]:
    """Counts of ``queryset`` per state, in the order of ``choices`` (one query)."""
    counts = dict(queryset.values_list("state").annotate(n=Count("id")).order_by())
    rows = [
        {"state": value, "label": label, "n": counts[value]} for value, label in choices if value in counts
    ]
    return rows, sum(counts.values())


def deputy_work(user) -> dict:
    """What the hub shows a deputy, in a fixed number of queries: clues and suggestions by
    state, the replies waiting for a rating, today's activities, the open survey."""
    from daibiao.activities.models import Attendance
    from daibiao.evaluation.models import SurveyRound
    from daibiao.suggestions.choices import ClueState, State
    from daibiao.suggestions.models import Clue, Suggestion
    from daibiao.suggestions.views import as_waiting, awaiting_rating, own_suggestions, waiting_clues

    deputy_id = user.deputy_id
    clue_states, clue_total = by_state(
        Clue.objects.restrict(user, Action.VIEW).filter(recorded_by_id=deputy_id), ClueState.choices
    )
    mine = Suggestion.objects.restrict(user, Action.VIEW).filter(own_suggestions(deputy_id))
    suggestion_states, suggestion_total = by_state(mine, State.choices)
    waiting = awaiting_rating(mine, deputy_id)
    # Citizens' reports at the deputy's station that no deputy has taken up yet.
    reports = waiting_clues(user)
    start, end = today_bounds()
    today = timezone.localdate()
    return {
        "deputy": user.deputy,
        "clue_states": clue_states,
        "clue_total": clue_total,
        "suggestion_states": suggestion_states,
        "suggestion_total": suggestion_total,
        "to_rate": list(waiting.only("pk", "title").order_by("state_entered_at", "id")[:HUB_LIST]),
        "to_rate_count": waiting.count(),
        "waiting_reports": as_waiting(reports[:HUB_LIST]),
        "waiting_reports_count": reports.count(),
        # Today's activities the deputy is on the list of (invited, or signed in uninvited).
        "today_attendance": list(
            Attendance.objects.restrict(user, Action.VIEW)
            .filter(deputy_id=deputy_id, activity__starts_at__lt=end, activity__ends_at__gte=start)
            .select_related("activity")
            .order_by("activity__starts_at", "activity_id")[:HUB_LIST]
        ),
        "survey": SurveyRound.objects.restrict(user, Action.VIEW)
        .filter(opens_on__lte=today, closes_on__gte=today)
        .order_by("-year", "-id")
        .first(),
        "duty_record_url": reverse("reports:duty-record", args=[deputy_id]),
    }


def station_work(user) -> dict:
    """What the hub shows a station head: the station, its open clues, today's activities."""
    from daibiao.activities.models import Activity
    from daibiao.registry.models import LiaisonStation
    from daibiao.suggestions.choices import ClueState
    from daibiao.suggestions.models import Clue

    start, end = today_bounds()
    return {
        "station": LiaisonStation.objects.restrict(user, Action.VIEW).filter(pk=user.station_id).first(),
        "station_open_clues": Clue.objects.restrict(user, Action.VIEW).filter(state=ClueState.OPEN).count(),
        "station_activities": list(
            Activity.objects.restrict(user, Action.VIEW)
            .filter(station_id=user.station_id, starts_at__lt=end, ends_at__gte=start)
            .order_by("starts_at", "id")[:HUB_LIST]
        ),
    }


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"
    scoped = True  # reads only through restrict(); see tests/test_views_are_scoped.py

    def get_template_names(self):
        if lands_on_hub(self.request.user):
            return ["core/home_hub.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        from daibiao.registry.choices import Level
        from daibiao.registry.models import Deputy, DeputyGroup, LiaisonStation, Mandate, Town, Unit, Village

        user = self.request.user
        ctx = super().get_context_data(**kwargs)
        if lands_on_hub(user):
            ctx["is_deputy"] = has_deputy_desk(user)
            ctx["is_station_head"] = Role.STATION_HEAD in user.roles and bool(user.station_id)
            if ctx["is_deputy"]:
                ctx.update(deputy_work(user))
            if ctx["is_station_head"]:
                ctx.update(station_work(user))
            return ctx
        deputies = Deputy.objects.restrict(user, Action.VIEW)
        ctx["counts"] = {
            "towns": Town.objects.restrict(user).count(),
            "villages": Village.objects.restrict(user).count(),
            "stations": LiaisonStation.objects.restrict(user).count(),
            "groups": DeputyGroup.objects.restrict(user).count(),
            "units": Unit.objects.restrict(user).count(),
            "deputies": deputies.count(),
        }
        by_level = dict(
            Mandate.objects.restrict(user).values_list("level").annotate(n=Count("id")).order_by()
        )
        ctx["levels"] = [
            {"level": level, "label": label, "n": by_level[level]}
            for level, label in Level.choices
            if level in by_level
        ]
        return ctx

"""The campaign's figures — the report's "four outcomes" — counted from the records, scoped to
the user like every list they link to, so that a figure always equals the length of its list.

``overview(user, campaign=None, town=None)`` answers in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Count, Q

from daibiao.accounts.choices import Role
from daibiao.activities.choices import CoverageGroup
from daibiao.activities.coverage import training_coverage
from daibiao.activities.models import MediaArticle
from daibiao.core.scoping import Action
from daibiao.mediation.models import MediationCase
from daibiao.registry.models import Courtyard, Deputy, OrgMembership
from daibiao.suggestions.choices import CONCLUDED_STATES, Satisfaction, State
from daibiao.suggestions.models import Clue, Rating, Suggestion


def _within(queryset, *, town=None, town_path="town", campaign=None, campaign_path=None):
    if town is not None:
        queryset = queryset.filter(**{town_path: town})
    if campaign is not None and campaign_path:
        queryset = queryset.filter(**{campaign_path: campaign})
    return queryset


def overview(user, *, campaign=None, town=None) -> dict:
    """The figures the county overview shows, within ``user``'s scope, for one campaign and
    one town when given. Rates are percentages with one decimal, ``None`` where nothing
    counts yet."""
    view = Action.VIEW
    suggestions = _within(
        Suggestion.objects.restrict(user, view), town=town, campaign=campaign, campaign_path="campaign"
    ).aggregate(
        suggestions=Count("pk"),
        concluded=Count("pk", filter=Q(state__in=CONCLUDED_STATES)),
        implemented=Count("pk", filter=Q(state=State.IMPLEMENTED)),
    )
    overdue = _within(
        Suggestion.objects.restrict(user, view).overdue(),
        town=town,
        campaign=campaign,
        campaign_path="campaign",
    ).count()
    ratings = _within(
        Rating.objects.restrict(user, view),
        town=town,
        town_path="suggestion__town",
        campaign=campaign,
        campaign_path="suggestion__campaign",
    ).aggregate(
        rated=Count("pk"),
        satisfied=Count("pk", filter=~Q(result=Satisfaction.UNSATISFIED)),
    )
    figures = {
        "deputies": _within(Deputy.objects.restrict(user, view), town=town).count(),
        "clues": _within(
            Clue.objects.restrict(user, view), town=town, campaign=campaign, campaign_path="campaign"
        ).count(),
        **suggestions,
        "overdue": overdue,
        "satisfaction_rate": _rate(ratings["satisfied"], ratings["rated"]),
        "training_coverage": None,
        "mediation_cases": _within(
            MediationCase.objects.restrict(user, view), town=town, town_path="clinic__town"
        ).count(),
        "media_articles": MediaArticle.objects.restrict(user, view).count(),
        "org_memberships": _within(
            OrgMembership.objects.restrict(user, view).filter(until__isnull=True),
            town=town,
            town_path="deputy__town",
        ).count(),
        "courtyard_heads": _within(
            Courtyard.objects.restrict(user, view).filter(head_deputy__isnull=False),
            town=town,
            town_path="village__town",
        ).count(),
    }
    if campaign is not None:
        rows, county = training_coverage(campaign, [town] if town is not None else None)
        deputies = (rows[0] if town is not None else county).figures[CoverageGroup.DEPUTIES]
        figures["training_coverage"] = _rate(deputies.trained, deputies.total)
    return figures


def own_town(user):
    """The town a user's figures are confined to: their town for a town's staff, station
    heads and deputies; ``None`` (the county) for county staff, leaders and administrators."""
    if user.is_superuser or set(user.roles) & {Role.COUNTY_STAFF, Role.LEADER, Role.ADMIN}:
        return None
    return user.town if user.town_id else None


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None

"""The campaign's figures — the report's "four outcomes" — counted from the records, scoped to
the user like every list they link to, so that a figure always equals the length of its list.

``overview(user, campaign=None, town=None)`` answers in a fixed number of queries. Records that
have no scope of their own (ratings) are counted through the suggestions the user sees."""

from __future__ import annotations

from django.db.models import Count, Q

from daibiao.accounts.choices import Role
from daibiao.activities.coverage import trained_deputies
from daibiao.activities.filtersets import about_town
from daibiao.activities.models import MediaArticle
from daibiao.core.scoping import Action
from daibiao.mediation.models import MediationCase
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Courtyard, Deputy, OrgMembership
from daibiao.suggestions.choices import CONCLUDED_STATES, Satisfaction, State
from daibiao.suggestions.models import Clue, Rating, Suggestion, SuggestionQuerySet


def _within(queryset, *, town=None, town_path="town", campaign=None, campaign_path=None):
    if town is not None:
        queryset = queryset.filter(**{town_path: town})
    if campaign is not None and campaign_path:
        queryset = queryset.filter(**{campaign_path: campaign})
    return queryset


def scoped_suggestions(user, *, campaign=None, town=None):
    """The suggestions ``user`` sees, of one campaign and one town when given."""
    return _within(
        Suggestion.objects.restrict(user, Action.VIEW), town=town, campaign=campaign, campaign_path="campaign"
    )


def scoped_clues(user, *, campaign=None, town=None):
    """The clues ``user`` sees, of one campaign and one town when given."""
    return _within(
        Clue.objects.restrict(user, Action.VIEW), town=town, campaign=campaign, campaign_path="campaign"
    )


def courtyard_heads(user, *, town=None):
    """The deputies ``user`` sees who lead a courtyard (屋场长): each counted once however
    many courtyards he or she leads, in the town he or she belongs to."""
    heads = Courtyard.objects.filter(head_deputy__isnull=False).values("head_deputy_id")
    return _within(Deputy.objects.restrict(user, Action.VIEW), town=town).filter(pk__in=heads)


def overview(user, *, campaign=None, town=None) -> dict:
    """The figures the county overview shows, within ``user``'s scope, for one campaign and
    one town when given. Rates are percentages with one decimal, ``None`` where nothing
    counts yet."""
    view = Action.VIEW
    scoped = scoped_suggestions(user, campaign=campaign, town=town)
    suggestions = scoped.aggregate(
        suggestions=Count("pk"),
        concluded=Count("pk", filter=Q(state__in=CONCLUDED_STATES)),
        implemented=Count("pk", filter=Q(state=State.IMPLEMENTED)),
        # The row's own columns, not ``pk IN`` the whole table's overdue items: that subquery
        # read every county's for one town.
        overdue=Count("pk", filter=SuggestionQuerySet.overdue_q()),
    )
    # A rating has no scope of its own: it is read with the suggestion it rates. Seeing
    # every suggestion (a superuser, the province) is seeing every rating: no semi-join then.
    ratings = Rating.objects.all()
    if scoped.query.where:
        ratings = ratings.filter(suggestion__in=scoped.values("pk"))
    ratings = ratings.aggregate(
        rated=Count("pk"),
        satisfied=Count("pk", filter=~Q(result=Satisfaction.UNSATISFIED)),
    )
    figures = {
        "deputies": _within(Deputy.objects.restrict(user, view), town=town).count(),
        "clues": scoped_clues(user, campaign=campaign, town=town).count(),
        **suggestions,
        "satisfaction_rate": _rate(ratings["satisfied"], ratings["rated"]),
        "training_coverage": None,
        "mediation_cases": _within(
            MediationCase.objects.restrict(user, view), town=town, town_path="clinic__town"
        ).count(),
        "media_articles": media_articles(user, town=town).count(),
        "org_memberships": _within(
            OrgMembership.objects.restrict(user, view).filter(until__isnull=True),
            town=town,
            town_path="deputy__town",
        ).count(),
        "courtyard_heads": courtyard_heads(user, town=town).count(),
    }
    if campaign is not None:
        counts = deputies_trained(campaign, town=town)
        trained, total = (sum(column) for column in zip(*counts.values(), strict=True)) if counts else (0, 0)
        figures["training_coverage"] = _rate(trained, total)
    return figures


def deputies_trained(campaign, *, town=None) -> dict[int, tuple[int, int]]:
    """Per town: (trained, total) of the serving deputies of the campaign's county, trained
    meaning present at a training of the campaign — the "all deputies" line of the coverage
    page (``activities.coverage``), in one grouped query."""
    serving = Deputy.objects.filter(
        county_id=campaign.county_id, status=DeputyStatus.SERVING, town__isnull=False
    )
    rows = (
        _within(serving, town=town)
        .values_list("town_id")
        .annotate(trained=Count("pk", filter=Q(pk__in=trained_deputies(campaign))), total=Count("pk"))
        .order_by()
    )
    return {town_id: (trained, total) for town_id, trained, total in rows}


def media_articles(user, *, town=None):
    """The articles ``user`` sees; of a town: those about its activities or deputies."""
    articles = MediaArticle.objects.restrict(user, Action.VIEW)
    return articles.filter(about_town(town)) if town is not None else articles


def own_town(user):
    """The town a user's figures are confined to: their town for a town's staff, station
    heads and deputies; ``None`` (the county) for county staff, leaders and administrators."""
    if user.is_superuser or set(user.roles) & {Role.COUNTY_STAFF, Role.LEADER, Role.ADMIN}:
        return None
    return user.town if user.town_id else None


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None

"""Hand-written SQL baselines for the province benchmark (PostgreSQL).

``overview_sql(scope)`` computes the figures of ``reports.stats.overview`` — without a
campaign — in one statement, for the three scopes the benchmark reads: the province (a
superuser: every row), a county (its staff: ``county_id``) and a town (its staff: ``town_id``,
its county's articles about the town). The benchmark checks that its figures equal the API's,
so the baseline is known to do the same work, not less."""

from __future__ import annotations

from dataclasses import dataclass

from daibiao.suggestions.choices import CONCLUDED_STATES, OPEN_STATES, Satisfaction, State


@dataclass(frozen=True)
class Scope:
    """``kind`` is ``province``, ``county`` or ``town``; ``county_id`` is the town's county."""

    kind: str
    county_id: int | None = None
    town_id: int | None = None


def _where(scope: Scope, alias: str, *, town_column: str = "town_id") -> tuple[str, list]:
    if scope.kind == "county":
        return f"{alias}.county_id = %s", [scope.county_id]
    if scope.kind == "town":
        return f"{alias}.{town_column} = %s", [scope.town_id]
    return "TRUE", []


def overview_sql(scope: Scope) -> tuple[str, list]:
    """One statement whose single row is (deputies, clues, suggestions, concluded,
    implemented, overdue, rated, satisfied, mediation_cases, media_articles, org_memberships,
    courtyard_heads)."""
    d, d_params = _where(scope, "d")
    c, c_params = _where(scope, "c")
    s, s_params = _where(scope, "s")
    a, a_params = _where(scope, "a")
    deputies = f"SELECT count(*) FROM registry_deputy d WHERE {d}"  # noqa: S608
    clues = f"SELECT count(*) FROM suggestions_clue c WHERE {c}"  # noqa: S608
    if scope.kind == "county":
        cases = (
            "SELECT count(*) FROM mediation_mediationcase m JOIN mediation_lawclinic l"
            " ON l.id = m.clinic_id JOIN registry_town t ON t.id = l.town_id WHERE t.county_id = %s"
        )
        case_params = [scope.county_id]
    else:
        where, case_params = _where(scope, "l")
        cases = (
            "SELECT count(*) FROM mediation_mediationcase m"  # noqa: S608
            f" JOIN mediation_lawclinic l ON l.id = m.clinic_id WHERE {where}"
        )
    if scope.kind == "town":
        articles = (
            "SELECT count(*) FROM activities_mediaarticle a WHERE a.county_id = %s AND ("
            " a.id IN (SELECT x.mediaarticle_id FROM activities_mediaarticle_activities x"
            "  JOIN activities_activity v ON v.id = x.activity_id WHERE v.town_id = %s)"
            " OR a.id IN (SELECT y.mediaarticle_id FROM activities_mediaarticle_deputies y"
            "  JOIN registry_deputy d ON d.id = y.deputy_id WHERE d.town_id = %s))"
        )
        article_params = [scope.county_id, scope.town_id, scope.town_id]
    else:
        articles = f"SELECT count(*) FROM activities_mediaarticle a WHERE {a}"  # noqa: S608
        article_params = a_params
    memberships = (
        "SELECT count(*) FROM registry_orgmembership o"  # noqa: S608
        f" JOIN registry_deputy d ON d.id = o.deputy_id WHERE o.until IS NULL AND {d}"
    )
    heads = (
        "SELECT count(*) FROM registry_deputy d WHERE d.id IN"  # noqa: S608
        f" (SELECT head_deputy_id FROM registry_courtyard WHERE head_deputy_id IS NOT NULL) AND {d}"
    )
    concluded = ", ".join(["%s"] * len(CONCLUDED_STATES))
    open_ = ", ".join(["%s"] * len(OPEN_STATES))
    suggestions = (
        "SELECT count(*) AS n,"  # noqa: S608
        f" count(*) FILTER (WHERE s.state IN ({concluded})) AS concluded,"
        " count(*) FILTER (WHERE s.state = %s) AS implemented,"
        f" count(*) FILTER (WHERE s.state IN ({open_}) AND s.deadline < now()) AS overdue"
        f" FROM suggestions_suggestion s WHERE {s}"
    )
    ratings = (
        "SELECT count(*) AS rated, count(*) FILTER (WHERE r.result <> %s) AS satisfied"  # noqa: S608
        f" FROM suggestions_rating r JOIN suggestions_suggestion s ON s.id = r.suggestion_id WHERE {s}"
    )
    sql = (
        f"SELECT ({deputies}), ({clues}), s.n, s.concluded, s.implemented, s.overdue,"  # noqa: S608
        f" r.rated, r.satisfied, ({cases}), ({articles}), ({memberships}), ({heads})"
        f" FROM ({suggestions}) s, ({ratings}) r"
    )
    # The parameters in the order of their placeholders in ``sql``.
    params = [
        *d_params,
        *c_params,
        *case_params,
        *article_params,
        *d_params,
        *d_params,
        *CONCLUDED_STATES,
        State.IMPLEMENTED,
        *OPEN_STATES,
        *s_params,
        Satisfaction.UNSATISFIED,
        *s_params,
    ]
    return sql, params


FIELDS = (
    "deputies",
    "clues",
    "suggestions",
    "concluded",
    "implemented",
    "overdue",
    "rated",
    "satisfied",
    "mediation_cases",
    "media_articles",
    "org_memberships",
    "courtyard_heads",
)


def overview_figures(row) -> dict:
    """The baseline's row as the API's figures (the satisfaction rate as the API rounds it)."""
    values = dict(zip(FIELDS, row, strict=True))
    rated, satisfied = values.pop("rated"), values.pop("satisfied")
    values["satisfaction_rate"] = round(100 * satisfied / rated, 1) if rated else None
    return values

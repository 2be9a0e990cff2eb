"""``daibiao demo load [--if-absent]`` and ``daibiao demo accounts``: the demo county."""

from __future__ import annotations

import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from daibiao.activities.demo import load_season
from daibiao.evaluation.demo import load_evaluation
from daibiao.registry.choices import Level
from daibiao.registry.demo import COUNTY_NAME, DemoError, demo_accounts, load_demo
from daibiao.registry.models import County
from daibiao.suggestions.demo import load_loop


class Command(BaseCommand):
    help = "Load the demo county (南漳县), or list its demo accounts."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{load,accounts}")
        load = actions.add_parser("load", help="Load the demo county in one transaction.")
        load.add_argument(
            "--if-absent",
            action="store_true",
            help="Do nothing when the demo county is already there (so `make demo` can run twice).",
        )
        actions.add_parser("accounts", help="Print the demo accounts and their password.")

    def handle(self, *args, action, **options):
        if action == "load":
            self.load(if_absent=options["if_absent"])
        else:
            self.accounts()

    def load(self, *, if_absent: bool) -> None:
        """Load the demo, report how long it took and what it holds."""
        started = time.perf_counter()
        try:
            # One transaction: the county and this year's campaign in it come together or not at all.
            with transaction.atomic():
                summary = load_demo(if_absent=if_absent)
                loop = load_loop() if summary is not None else None
                season = load_season() if summary is not None else None
                evaluation = (
                    load_evaluation(County.objects.get(name=COUNTY_NAME)) if summary is not None else None
                )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if summary is None:
            self.stdout.write(
                _("The demo county {name} is already loaded; nothing changed.").format(name=COUNTY_NAME)
            )
            return
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo county {name} loaded in {seconds:.1f} s.").format(name=COUNTY_NAME, seconds=seconds)
            )
        )
        self.stdout.write(
            _(
                "{towns} towns, {villages} villages and communities, {courtyards} courtyards, "
                "{units} units, {stations} liaison stations, {groups} deputy groups, "
                "{districts} electoral districts."
            ).format(
                towns=summary.towns,
                villages=summary.villages,
                courtyards=summary.courtyards,
                units=summary.units,
                stations=summary.stations,
                groups=summary.groups,
                districts=summary.districts,
            )
        )
        self.stdout.write(
            _(
                "{deputies} deputies ({non_serving} no longer serving); mandates: province {province}, "
                "city {city}, county {county}, town {town}; {multi} deputies hold two or more."
            ).format(
                deputies=summary.deputies,
                non_serving=summary.non_serving,
                province=summary.mandates[Level.PROVINCE],
                city=summary.mandates[Level.CITY],
                county=summary.mandates[Level.COUNTY],
                town=summary.mandates[Level.TOWN],
                multi=summary.multi_mandate,
            )
        )
        self.stdout.write(
            _(
                "{accounts} demo accounts; {rows} change-log rows. `daibiao demo accounts` lists the logins."
            ).format(accounts=summary.accounts, rows=summary.change_log)
        )
        self.stdout.write(
            _(
                "Campaign replayed: {clues} clues, {suggestions} suggestions, {concluded} concluded "
                "({implemented} implemented), {open} still in the loop; {seconds:.1f} s."
            ).format(
                clues=loop.clues,
                suggestions=loop.suggestions,
                concluded=loop.concluded,
                implemented=loop.implemented,
                open=loop.open,
                seconds=loop.seconds,
            )
        )
        self.write_season(season)
        self.write_evaluation(evaluation)

    def write_evaluation(self, evaluation) -> None:
        """The year-end evaluation's figures, in one line."""
        self.stdout.write(
            _(
                "Year-end evaluation published: {deputies} deputies, {towns} towns and {units} units "
                "scored; {answered} of {asked} deputies answered the survey "
                "(satisfaction rate {rate} per cent); {reported} deputies reported to their constituents; "
                "{seconds} s."
            ).format(
                deputies=evaluation.scores["deputy"],
                towns=evaluation.scores["town"],
                units=evaluation.scores["unit"],
                answered=evaluation.answered,
                asked=evaluation.asked,
                rate=evaluation.satisfied_rate,
                reported=evaluation.reported,
                seconds=f"{evaluation.seconds:.1f}",
            )
        )

    def write_season(self, season) -> None:
        """The campaign side's figures, as the report gives them."""
        campaign, orgs, mediation = season.campaign, season.organizations, season.mediation
        self.stdout.write(
            _(
                "Campaign side: {plans} town plans ({late} late); {activities} activities, {trainings} of "
                "them trainings and {clue_activities} where clues were raised; {trained} of {deputies} "
                "serving deputies trained; the handbook received by {received} of {receipts} deputies; "
                "{articles} media articles."
            ).format(
                plans=campaign.plans,
                late=campaign.late_plans,
                activities=campaign.activities,
                trainings=campaign.trainings,
                clue_activities=campaign.clue_activities,
                trained=campaign.trained,
                deputies=campaign.deputies,
                received=campaign.received,
                receipts=campaign.receipts,
                articles=campaign.articles,
            )
        )
        kinds = orgs.organizations
        self.stdout.write(
            _(
                "板桥镇: {deputies} deputies embedded in {mass} mass, {social} social, {self_governing} "
                "self-governing and {economic} economic organisations ({memberships} memberships)."
            ).format(
                deputies=orgs.deputies,
                mass=kinds["mass"],
                social=kinds["social"],
                self_governing=kinds["self_governing"],
                economic=kinds["economic"],
                memberships=orgs.memberships,
            )
        )
        self.stdout.write(
            _(
                "九集镇: {clinics} law clinics with {mediators} mediator deputies; {cases} disputes, "
                "{resolved} resolved, {open} still being mediated; {seconds:.1f} s."
            ).format(
                clinics=mediation.clinics,
                mediators=mediation.mediators,
                cases=mediation.cases,
                resolved=mediation.outcomes["resolved"],
                open=mediation.outcomes["open"],
                seconds=season.seconds,
            )
        )
        supervision = season.supervision
        self.stdout.write(
            _(
                "Supervision: {members} leading-group members answer for {towns} towns; {visits} visits "
                "left {items} follow-up items ({done} done, {open} open, {overdue} overdue); {rounds} "
                "report rounds, {reports} reports in ({late} late, {missing} missing); {oversight} "
                "oversight items cite {cited} suggestions; {seconds} s."
            ).format(
                members=supervision.members,
                towns=supervision.towns,
                visits=supervision.visits,
                items=supervision.follow_ups,
                done=supervision.done,
                open=supervision.open,
                overdue=supervision.overdue,
                rounds=supervision.rounds,
                reports=supervision.reports,
                late=supervision.late,
                missing=supervision.missing,
                oversight=supervision.oversight_items,
                cited=supervision.cited,
                seconds=f"{supervision.seconds:.1f}",
            )
        )

    def accounts(self) -> None:
        """Print the demo logins as a table."""
        # The table shows a password; it has no business on a production profile.
        if not settings.DEMO_MODE:
            raise CommandError(_("Demo accounts exist only when DEMO_MODE is on (DAIBIAO_DEMO=1)."))
        rows = demo_accounts()
        if not rows:
            raise CommandError(
                _("The demo county {name} is not loaded; run `daibiao demo load` first.").format(
                    name=COUNTY_NAME
                )
            )
        header = {
            "username": _("Username"),
            "roles": _("Role"),
            "binding": _("Bound to"),
            "display_name": _("Display name"),
            "password": _("Password"),
        }
        table = [header, *rows]
        widths = {key: max(display_width(row[key]) for row in table) for key in header}
        for row in table:
            self.stdout.write("  ".join(pad(row[key], widths[key]) for key in header).rstrip())


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def pad(text: str, width: int) -> str:
    text = str(text)
    return text + " " * (width - display_width(text))

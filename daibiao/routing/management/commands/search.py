"""``daibiao search rebuild [--type T …]``, ``daibiao search refresh`` and
``daibiao search query "words" --user NAME [--type T]``.

``rebuild`` indexes every record again (all types: the index is emptied and refilled in the
order the records were created; some types: rewritten in place). ``refresh`` catches up with
writes that sent no signals (bulk imports) and is what the periodic job runs. ``query``
prints what the search page would show that user, with the time it took."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from daibiao.routing.choices import SearchKind
from daibiao.routing.search import analysis, index
from daibiao.routing.search.engine import Search


class Command(BaseCommand):
    help = _("Rebuild or refresh the search index, or run a query as a user.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{rebuild,refresh,query}")
        rebuild = actions.add_parser("rebuild", help=_("Index every record again."))
        rebuild.add_argument(
            "--type",
            dest="types",
            action="append",
            choices=SearchKind.values,
            help=_("Only this type (repeat for more); default: all, in creation order."),
        )
        actions.add_parser("refresh", help=_("Index what is missing or changed; drop what is gone."))
        query = actions.add_parser("query", help=_("Print the results a user would get."))
        query.add_argument("words", help=_("The words to search for."))
        query.add_argument("--user", required=True, help=_("Search as this user (a username)."))
        query.add_argument("--type", choices=SearchKind.values, help=_("Only this type."))
        query.add_argument("--limit", type=int, default=20, help=_("How many results to print."))

    def handle(self, *args, action, **options):
        if action == "rebuild":
            started = time.perf_counter()
            counts = index.rebuild(options["types"])
            seconds = time.perf_counter() - started
            for kind, n in counts.items():
                self.stdout.write(f"{SearchKind(kind).label}: {n}")
            self.stdout.write(
                self.style.SUCCESS(
                    _("{n} documents indexed in {seconds} s.").format(
                        n=sum(counts.values()), seconds=f"{seconds:.1f}"
                    )
                )
            )
        elif action == "refresh":
            counts = index.refresh()
            self.stdout.write(
                _("{indexed} documents indexed, {removed} removed.").format(
                    indexed=counts["indexed"], removed=counts["removed"]
                )
            )
        else:
            self.query(options)

    def query(self, options) -> None:
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(_("No user {name}.").format(name=options["user"])) from exc
        terms = analysis.parse(options["words"])
        if not terms:
            raise CommandError(_("Type at least one word or number."))
        started = time.perf_counter()
        results = Search(user, terms, kinds=[options["type"]] if options["type"] else None)
        hits = results[0 : options["limit"]]
        total = results.count()
        ms = (time.perf_counter() - started) * 1000
        for hit in hits:
            self.stdout.write(f"{hit.kind.label}\t{hit.obj.pk}\t{hit.title}\t{strip_tags(hit.snippet_html)}")
        order = _("ranked") if results.ranked else _("newest first")
        self.stdout.write(
            _("{total} results ({order}); {ms} ms. Words: {words}").format(
                total=total, order=order, ms=f"{ms:.1f}", words=" ".join(t.text for t in terms)
            )
        )

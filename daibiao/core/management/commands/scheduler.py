"""`daibiao scheduler`: enqueue the periodic jobs at their intervals, forever (or once).

One scheduler per deployment is enough; a second one does no harm, because every periodic
job is idempotent. The tasks themselves run in `daibiao db_worker`."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.notifications.jobs import retry_deliveries
from daibiao.portal.jobs import PRUNE_EVERY_S, prune_public_log
from daibiao.routing.jobs import RETRAIN_EVERY_S, retrain_routing
from daibiao.routing.search.jobs import REFRESH_EVERY_S, refresh_search_index
from daibiao.suggestions.jobs import check_deadlines

JOBS = [
    # (task, every N seconds)
    (check_deadlines, 15 * 60),
    (retry_deliveries, 5 * 60),
    (retrain_routing, RETRAIN_EVERY_S),
    (prune_public_log, PRUNE_EVERY_S),
    (refresh_search_index, REFRESH_EVERY_S),
]


class Command(BaseCommand):
    help = _("Enqueue the periodic jobs (deadline reminders, delivery retries) at their intervals.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help=_("Enqueue every job once and exit."))

    def handle(self, *args, once=False, **options):
        last_run: dict = {}
        while True:
            now = time.monotonic()
            for job, every in JOBS:
                if once or now - last_run.get(job, -every) >= every:
                    result = job.enqueue()
                    last_run[job] = now
                    self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {job.name} → {result.id}")
            if once:
                return
            time.sleep(30)

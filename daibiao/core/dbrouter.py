"""Reads of the dashboards from a PostgreSQL streaming replica; everything else on the primary.

Installed by ``daibiao.settings.prod`` only when ``DATABASE_REPLICA_URL`` is set (see
docs/deployment.md). The rules, in the order they apply:

1. Outside a request (the worker, the scheduler, management commands) nothing is routed:
   every query goes to the primary (``default``).
2. Inside a request, only the views named in ``DATABASE_REPLICA_VIEWS`` (the overview page,
   its meeting-room screen and ``/api/v1/stats/overview/``) and only for GET/HEAD may read from
   the replica: their figures tolerate a few seconds of replication lag. Every other page
   reads the primary, because a page shown after a write must show that write.
3. Identity and security data (users and their bindings, tokens, sessions, lock-outs, task
   results) are read from the primary even there: a stale replica must never let a removed
   role or a revoked token through.
4. Every write goes to the primary, and once a request has written, the rest of it reads the
   primary too. The response then carries a short-lived cookie (``DATABASE_REPLICA_PIN_S``
   seconds) that keeps this browser's next requests on the primary — the dashboard opened
   right after saving a record shows the record.
5. A replica that cannot be reached, or that is more than ``DATABASE_REPLICA_MAX_LAG_S``
   behind while replaying, is left alone for a while and the primary answers instead.
"""

from __future__ import annotations

import logging
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
# The views whose figures may be a few seconds old (URL names, namespace included).
DEFAULT_REPLICA_VIEWS = ("reports:overview", "reports:overview-screen", "api:stats-overview")
# Apps whose rows decide who the user is and what he or she may do: always the primary.
PRIMARY_ONLY_APPS = frozenset(
    {"accounts", "auth", "authtoken", "sessions", "axes", "contenttypes", "django_tasks_database"}
)
PIN_COOKIE = "daibiao_primary"
SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class RequestRouting:
    """What the router knows about the request in progress."""

    replica: bool = False  # this request may read from the replica (a dashboard, not pinned)
    wrote: bool = False  # this request wrote: from then on it reads the primary
    read_from: set[str] = field(default_factory=set)  # the aliases its reads went to


_current: ContextVar[RequestRouting | None] = ContextVar("daibiao_db_routing", default=None)


def current() -> RequestRouting | None:
    """The routing state of the request in progress; ``None`` outside a request."""
    return _current.get()


class ReplicaRouter:
    """Django database router for one primary (``default``) and one streaming replica."""

    def db_for_read(self, model, **hints):
        state = _current.get()
        if state is None:
            return None  # not in a request: Django's own choice, i.e. the primary
        alias = DEFAULT_DB_ALIAS
        if state.replica and not state.wrote and model._meta.app_label not in PRIMARY_ONLY_APPS:
            alias = REPLICA
        # An explicit answer even for the primary: otherwise Django would follow a related
        # object back to the replica it was loaded from, after this request has written.
        state.read_from.add(alias)
        return alias

    def db_for_write(self, model, **hints):
        state = _current.get()
        if state is not None:
            state.wrote = True
        # Always the primary, even for an object read from the replica (which is read-only).
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: objects from either may refer to each other.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica replays the primary's WAL; a migration there would fail (read-only).
        if db == REPLICA:
            return False
        return None


class _ReplicaHealth:
    """Whether the replica may serve reads now, checked at most every ``CHECK_S`` seconds per
    process: a refused connection or a replica replaying far behind sends the dashboards to
    the primary until the next check."""

    CHECK_S = 10.0

    def __init__(self):
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._usable = False

    def usable(self) -> bool:
        if REPLICA not in settings.DATABASES:
            return False
        now = time.monotonic()
        with self._lock:
            if now - self._checked_at < self.CHECK_S:
                return self._usable
            self._checked_at = now
        usable = self._probe()
        with self._lock:
            self._usable = usable
        return usable

    def _probe(self) -> bool:
        max_lag = getattr(settings, "DATABASE_REPLICA_MAX_LAG_S", 30)
        try:
            with connections[REPLICA].cursor() as cursor:
                # Lag counts only while WAL received is still being replayed: an idle primary
                # sends nothing, and its replica is then current however old its last commit.
                cursor.execute(
                    "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM "
                    "pg_last_wal_replay_lsn() THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM "
                    "now() - pg_last_xact_replay_timestamp()), 0) END"
                )
                lag = float(cursor.fetchone()[0])
        except DatabaseError as exc:
            logger.warning("The replica cannot be reached; the dashboards read the primary: %s", exc)
            return False
        if lag > max_lag:
            logger.warning("The replica is %.0f s behind; the dashboards read the primary.", lag)
            return False
        return True

    def forget(self) -> None:
        """Check again on the next request (tests, and after a fail-over)."""
        with self._lock:
            self._checked_at = float("-inf")


replica_health = _ReplicaHealth()


def replica_views() -> frozenset[str]:
    return frozenset(getattr(settings, "DATABASE_REPLICA_VIEWS", DEFAULT_REPLICA_VIEWS))


class ReplicaReadsMiddleware:
    """Gives each request its routing state, lets the dashboards read the replica, and pins a
    browser that has just written to the primary for ``DATABASE_REPLICA_PIN_S`` seconds.

    First in MIDDLEWARE, so that the state covers everything the request does and every write
    of the other middleware (a session saved, a failed login recorded) counts as a write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = RequestRouting()
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if state.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=getattr(settings, "DATABASE_REPLICA_PIN_S", 15),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        if getattr(settings, "DATABASE_ROUTING_HEADER", False):
            # For the smoke test and for an operator's curl; off in production by default.
            response["X-Daibiao-DB"] = ",".join(sorted(state.read_from)) or "-"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        state = _current.get()
        match = request.resolver_match
        if (
            state is not None
            and request.method in SAFE_METHODS
            and match is not None
            and match.view_name in replica_views()
            and PIN_COOKIE not in request.COOKIES
            and replica_health.usable()
        ):
            state.replica = True

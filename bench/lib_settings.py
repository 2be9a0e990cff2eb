"""Settings for the province benchmark, in process and under gunicorn: the production
defaults of ``daibiao.settings.base`` (no debug, the database task queue, no test-only
instrumentation), with what a benchmark on 127.0.0.1 needs on top. ``DATABASE_URL`` names the
database, as everywhere."""

import tempfile

from daibiao.settings.base import *  # noqa: F403
from daibiao.settings.base import ALLOWED_HOSTS, DATABASES, LOGGING

DEBUG = False
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "127.0.0.1"]
# Persistent connections, as a production deployment runs: a new PostgreSQL backend per
# request would cost more than most of the requests measured here.
DATABASES["default"]["CONN_MAX_AGE"] = 300
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # As ``routing.search.engine`` advises: JIT compiling a many-subquery scope costs more than
    # it saves.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    if "jit" not in options.get("options", ""):
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
# One set of folders for the benchmark's processes (it uploads nothing), not one per process.
_TMP = Path(tempfile.gettempdir()) / "daibiao-bench"  # noqa: F405
MEDIA_ROOT, STATIC_ROOT, PRIVATE_ROOT = _TMP / "media", _TMP / "static", _TMP / "private"
for _folder in (MEDIA_ROOT, STATIC_ROOT, PRIVATE_ROOT):
    _folder.mkdir(parents=True, exist_ok=True)
# Requests are counted by the load generator: no access log, and only errors logged.
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "ERROR"}}

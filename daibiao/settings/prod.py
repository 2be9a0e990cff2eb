"""Production: every secret from the environment, HTTPS only, no demo accounts."""

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *
from .env import env_bool, env_int, env_str

DEBUG = False
DEMO_MODE = False
SECRET_KEY = env_str("SECRET_KEY")  # no default: start-up fails without one

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Beyond one machine (docs/deployment.md). Both blocks are off when their variable is absent,
# and the single-machine defaults (SQLite or one PostgreSQL, per-process cache) stay.

# A PostgreSQL streaming replica serves the dashboards' reads (daibiao.core.dbrouter).
_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if _REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL on PostgreSQL too.")
    # A new dict: base's stays as it was for any other profile that imports it.
    DATABASES = {
        **DATABASES,
        "replica": dj_database_url.parse(_REPLICA_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0)),
    }
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be a postgres:// URL.")
    # A replica that does not answer costs a dashboard three seconds, not a hung worker thread.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    DATABASES["replica"]["OPTIONS"].setdefault("options", "-c jit=off")  # as the primary (base)
    # Tests against this profile read the primary's test database through the replica alias.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["daibiao.core.dbrouter.ReplicaRouter"]
    MIDDLEWARE = ["daibiao.core.dbrouter.ReplicaReadsMiddleware", *MIDDLEWARE]
# Seconds a browser that has just written keeps reading the primary (the dashboards included).
DATABASE_REPLICA_PIN_S = env_int("DATABASE_REPLICA_PIN_S", 15)
# A replica further behind than this (while replaying) is skipped until it catches up.
DATABASE_REPLICA_MAX_LAG_S = env_int("DATABASE_REPLICA_MAX_LAG_S", 30)
# Adds ``X-Daibiao-DB: default|replica`` to responses; for the smoke test and operators only.
DATABASE_ROUTING_HEADER = env_bool("DATABASE_ROUTING_HEADER", False)

# Redis: one cache for every app process (throttles, per-process caches made shared), and the
# sessions. ``cached_db`` rather than ``cache``: a session is read from Redis and written
# through to PostgreSQL, so a Redis restart or eviction logs nobody out — PostgreSQL stays the
# one source of truth and Redis only a cache; the cost is one write per login or logout.
_REDIS_URL = env_str("REDIS_URL", "")
if _REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "daibiao"),
            "TIMEOUT": 300,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

"""Development and demo: SQLite under var/, debug on unless DEBUG says otherwise."""

from .base import *
from .env import env_bool

DEBUG = env_bool("DEBUG", True)
DEMO_MODE = env_bool("DAIBIAO_DEMO", True)
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "[::1]"]

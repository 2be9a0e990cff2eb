"""Tests: fast hashing, in-memory mail, the immediate task backend, an isolated media folder."""

import tempfile

from .base import *

DEBUG = False
DEMO_MODE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="daibiao-test-media-"))
PRIVATE_ROOT = Path(tempfile.mkdtemp(prefix="daibiao-test-private-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="daibiao-test-static-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

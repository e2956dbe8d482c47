"""Settings for the test suite: SQLite in memory, or ``MERKUR_TEST_DATABASE_URL``."""

import os
import tempfile

os.environ.setdefault("MERKUR_DATA_DIR", tempfile.mkdtemp(prefix="merkur-test-"))
os.environ.setdefault("MERKUR_SECRET_KEY", "test-secret-key-not-for-production")

from merkur.settings import *  # noqa: F403
from merkur.settings import _database

DATABASES = {"default": _database(os.environ.get("MERKUR_TEST_DATABASE_URL", "sqlite://:memory:"))}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise warns if missing)

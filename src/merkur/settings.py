"""Django settings for Merkur, read from ``MERKUR_*`` environment variables.

All variables are listed with their defaults in the README.
"""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from merkur.env import email_settings, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("DATA_DIR", str(Path.cwd() / "data"))).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    # A per-installation key kept in the data directory, so that a first start
    # needs no configuration and sessions survive restarts.
    _key_file = DATA_DIR / "secret_key"
    if _key_file.exists():
        SECRET_KEY = _key_file.read_text().strip()
    else:
        from django.core.management.utils import get_random_secret_key

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = get_random_secret_key()
        _key_file.write_text(SECRET_KEY)
        _key_file.chmod(0o600)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_countries",
    "ninja",
    "merkur.core",
    "merkur.addresses",
    "merkur.companies",
    "merkur.attributes",
    "merkur.journal",
    "merkur.business",
    "merkur.selections",
    "merkur.transfer",
    "merkur.mailings",
    "merkur.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the seat middleware, which tells a logged-out user why.
    "django.contrib.messages.middleware.MessageMiddleware",
    "merkur.core.middleware.SeatMiddleware",
    "merkur.core.middleware.UserLocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "merkur.urls"
WSGI_APPLICATION = "merkur.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "merkur.core.context_processors.merkur",
            ],
        },
    },
]


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets readers go on while one writer works; IMMEDIATE avoids
            # "database is locked" upgrades in the middle of a transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Merkur's queries are grouped scans over millions of rows (figures, ABC,
        # selections): sorts and hashes of 64 MB stay in memory, and JIT compilation
        # (150–400 ms a statement) costs more than it saves. A selection's page joins
        # people, companies and four address tables to a dozen subqueries: above eight
        # the planner stops reordering joins (join/from_collapse_limit) and joins the
        # addresses of a million rows before the subqueries cut them down to a few
        # thousand. A URL's ?options= wins.
        config.setdefault("OPTIONS", {}).setdefault(
            "options",
            "-c jit=off -c work_mem=64MB -c from_collapse_limit=16 -c join_collapse_limit=16",
        )
    return config


DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'merkur.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions live in the database so that the web tier keeps no local state and
# the seat limit can count them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
MERKUR_MAX_CONCURRENT_USERS = env_int("MAX_CONCURRENT_USERS", None, minimum=1)
MERKUR_SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60, minimum=1)
SESSION_COOKIE_AGE = 14 * 24 * 3600

LANGUAGE_CODE = env_str("LANGUAGE", "de")
LANGUAGES = [
    ("de", _("German (Germany)")),
    ("de-at", _("German (Austria)")),
    ("de-ch", _("German (Switzerland)")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True
# Thousands separators only where a template asks (|intcomma): ids in URLs and
# form values must never read "1.279".
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["merkur.formats"]

# Our own country: its addresses are printed without a country line.
MERKUR_HOME_COUNTRY = env_str("HOME_COUNTRY", "DE").upper()
MERKUR_DEFAULT_PHONE_REGION = env_str("DEFAULT_PHONE_REGION", MERKUR_HOME_COUNTRY).upper()

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# The project's own static files (vendor CSS/JS, merkur.css) live beside the
# templates, not inside an app, so the finders must be told where.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "files"

# Attachments of journal contacts: stored under MEDIA_ROOT, size and types checked.
MERKUR_ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 20, minimum=1)
_OFFICE = "pdf doc docx xls xlsx ppt pptx odt ods odp rtf txt csv eml msg"
MERKUR_ATTACHMENT_TYPES = env_list(
    "ATTACHMENT_TYPES", [*_OFFICE.split(), "png", "jpg", "jpeg", "gif", "zip"]
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail: one URL (smtp://user:password@host:587?tls=1, smtps://…, console://).
MERKUR_EMAIL_URL = env_str("EMAIL_URL", "console://")
globals().update(email_settings(MERKUR_EMAIL_URL))
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", "merkur@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Mailings: e-mails sent per minute at most (0: no limit), the address links in
# e-mails point to (unsubscribe), and the fax server (none://, smtp-gateway://…, sendfax://…).
MERKUR_EMAIL_PER_MINUTE = env_int("EMAIL_PER_MINUTE", 120, minimum=0)
MERKUR_BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
MERKUR_FAX_URL = env_str("FAX_URL", "none://")
# PDF letters and labels: the TrueType font (regular; bold and italic next to it), see
# merkur.core.pdf_fonts. Without it: Helvetica, Western European letters only.
MERKUR_PDF_FONT = env_str("PDF_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# Business data: revenue figures are kept in this currency (ISO 4217).
MERKUR_BASE_CURRENCY = env_str("BASE_CURRENCY", "EUR").upper()
# Business data files sent to the API (``POST /business-import/{kind}/file``).
MERKUR_IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 200, minimum=1)
# Address imports: worker processes checking the rows of a file from this size on
# (unset: one per CPU, at most 4; 0: the importing process checks alone).
MERKUR_IMPORT_PROCESSES = env_int("IMPORT_PROCESSES", None, minimum=0)
MERKUR_IMPORT_PARALLEL_FROM_BYTES = env_int("IMPORT_PARALLEL_FROM_BYTES", 1024 * 1024, minimum=0)
# Address exports: more rows than this run in the background instead of downloading at
# once; on PostgreSQL, CSV is written by the database (COPY) where the bytes are the same.
MERKUR_EXPORT_STREAM_MAX_ROWS = env_int("EXPORT_STREAM_MAX_ROWS", 100_000, minimum=1)
MERKUR_EXPORT_COPY = env_bool("EXPORT_COPY", True)
# ABC analysis: A = customers making the first 80 % of revenue, B = the next 15 %.
MERKUR_ABC_THRESHOLDS = tuple(int(x) for x in env_list("ABC_THRESHOLDS", ["80", "15"]))

# Our own sender block on letters (DOCX) and the signature of e-mails.
MERKUR_SENDER = {
    "name": env_str("SENDER_NAME", "Merkur Demo AG"),
    "street": env_str("SENDER_STREET", "Musterstrasse 1"),
    "postal_code": env_str("SENDER_POSTAL_CODE", "10115"),
    "city": env_str("SENDER_CITY", "Berlin"),
    "country": env_str("SENDER_COUNTRY", MERKUR_HOME_COUNTRY).upper(),
    "phone": env_str("SENDER_PHONE", ""),
    "email": env_str("SENDER_EMAIL", ""),
    "website": env_str("SENDER_WEBSITE", ""),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50

# Covering indexes (INCLUDE) serve PostgreSQL; SQLite builds the same index
# without the extra columns, which is what we want there (decision 0008).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

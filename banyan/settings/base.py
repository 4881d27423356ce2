"""Settings shared by every environment; each value that differs comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from banyan.common.logging import init_sentry, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("BANYAN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)

# The development keys are public on purpose: production.py refuses to start with them.
DEV_SECRET_KEY = "banyan-development-secret-key-not-for-production"
DEV_DATA_KEY = "banyan-development-data-key-not-for-production"

SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
# Key for ID-number encryption and the keyed lookup hash (banyan.common.crypto); the
# database records which key wrote it and start-up refuses another (banyan.common.datakey).
BANYAN_DATA_KEY = os.environ.get("BANYAN_DATA_KEY", DEV_DATA_KEY)
# Former keys, comma-separated, newest first: still read while `manage.py rotate_data_key`
# moves every row to BANYAN_DATA_KEY (docs/deployment.md); remove them once it has run.
BANYAN_OLD_DATA_KEYS = [
    k.strip() for k in os.environ.get("BANYAN_OLD_DATA_KEYS", "").split(",") if k.strip()
]
DEBUG = os.environ.get("DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "banyan.common",
    "banyan.places",
    "banyan.accounts",
    "banyan.timeline",
    "banyan.registry",
    "banyan.casework",
    "banyan.party",
    "banyan.open311",
    "banyan.api",
    "banyan.demo",
    "banyan.bench",
]

MIDDLEWARE = [
    # Forwarded headers (X-Forwarded-Proto …) only from BANYAN_TRUSTED_PROXIES: before the
    # security middleware asks whether the request came over https.
    "banyan.common.middleware.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The headers first, so that answers given before the session (a refused request)
    # carry them too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "banyan.common.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body: a body over BANYAN_MAX_REQUEST_BYTES is a 413.
    "banyan.common.middleware.RequestSizeMiddleware",
    # Before anything reads the session, the user or the input (SECURITY.md 19).
    "banyan.common.middleware.ControlCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "banyan.accounts.middleware.IdleTimeoutMiddleware",
    # Records a signed-in session's key, so that it can be ended for good (accounts.sessions).
    "banyan.accounts.sessions.SessionRecordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A refused method gets the error page (or the API's JSON), with the user's header.
    "banyan.common.middleware.MethodNotAllowedMiddleware",
    "banyan.common.middleware.UploadRedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "banyan.urls"
WSGI_APPLICATION = "banyan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "banyan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "banyan.accounts.context_processors.posts",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'banyan.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers go on while one writer commits; IMMEDIATE avoids
        # "database is locked" when two transactions both upgrade to write.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        }
        config["CONN_MAX_AGE"] = 0
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache every app-server process and every command shares, in the database the
# deployment already has (no other server to run): what is kept there — a district's
# party compliance tallies, warmed each night by `party_daily` — is then computed once,
# not once per process. Its table is made by a migration (banyan.common). Every write
# counts the table's rows, and only past MAX_ENTRIES are expired rows removed: 10,000
# holds a district's day (100 communities × a few periods, and a new key each time a
# community's data changes) while keeping that count cheap (Django's default is 300).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "banyan_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "banyan.accounts.backends.AccountBackend",
]
# Argon2id first (banyan/accounts/hashers.py); PBKDF2 still reads older hashes, which
# are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "banyan.accounts.hashers.BanyanArgon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in lockout (SECURITY.md 14; banyan/accounts/lockout.py): AXES_FAILURE_LIMIT wrong
# passwords lock one (username, address) pair, never the account from everywhere;
# BANYAN_LOGIN_ADDRESS_LIMIT failures lock the address whatever the usernames. A success
# clears only its own pair, so signing in to one's own account resets nobody else's count.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
BANYAN_LOGIN_ADDRESS_LIMIT = int(os.environ.get("BANYAN_LOGIN_ADDRESS_LIMIT", "20"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "banyan.accounts.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
# The client address behind a reverse proxy (banyan/common/clientip.py): X-Forwarded-For
# is read only from these addresses or networks, comma-separated (e.g. "10.0.0.5,fd00::/8").
# Empty (the default) means the app server faces clients directly and REMOTE_ADDR is used.
BANYAN_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("BANYAN_TRUSTED_PROXIES", "").split(",") if p.strip()
]
AXES_CLIENT_IP_CALLABLE = "banyan.common.clientip.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A form sent from a stale page gets a page that says so, in the site's layout.
CSRF_FAILURE_VIEW = "banyan.common.error_pages.csrf_failure"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
BANYAN_IDLE_TIMEOUT_SECONDS = int(os.environ.get("BANYAN_IDLE_TIMEOUT_SECONDS", "1800"))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "banyan" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Errors with their tracebacks, warnings and the sign-in log go to stderr and, when
# BANYAN_LOG_FILE names one, to that file; every handler masks ID numbers and phones
# (banyan/common/logging.py). BANYAN_LOG_LEVEL sets the app's own level (INFO).
LOGGING = logging_config(
    log_file=os.environ.get("BANYAN_LOG_FILE", ""),
    level=os.environ.get("BANYAN_LOG_LEVEL", "INFO").upper(),
)
# Errors are also reported to a Sentry-compatible service when SENTRY_DSN is set, scrubbed
# the same way and without default PII, local variables or request bodies.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", ""),
        release=os.environ.get("SENTRY_RELEASE", ""),
    )

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("BANYAN_MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest request body accepted, files included (banyan.common.middleware): larger is
# a 413 before anything is read. The largest form a person sends is a themed day's nine
# photos, each made 1600 px JPEG by the phone (photos.js): 0.3-0.8 MB for a photo, 1.3 MB
# for pure noise, so at most 11.6 MB. A phone without JavaScript sends its originals (up
# to 8 MB each, banyan.common.images.MAX_BYTES), so a few at a time.
BANYAN_MAX_REQUEST_BYTES = int(os.environ.get("BANYAN_MAX_REQUEST_BYTES", str(12 * 1024 * 1024)))

# The service loop; each a number a community may want to change.
BANYAN_VISIT_GAP_DAYS = int(os.environ.get("BANYAN_VISIT_GAP_DAYS", "90"))
BANYAN_AUTO_CLOSE_DAYS = int(os.environ.get("BANYAN_AUTO_CLOSE_DAYS", "7"))
BANYAN_REOPEN_DAYS = int(os.environ.get("BANYAN_REOPEN_DAYS", "30"))
BANYAN_DUE_SOON_HOURS = int(os.environ.get("BANYAN_DUE_SOON_HOURS", "48"))
# Public QR intake: reports per client address per hour, and per building per day.
BANYAN_INTAKE_PER_CLIENT_HOUR = int(os.environ.get("BANYAN_INTAKE_PER_CLIENT_HOUR", "5"))
BANYAN_INTAKE_PER_BUILDING_DAY = int(os.environ.get("BANYAN_INTAKE_PER_BUILDING_DAY", "30"))
# Searches by a full ID number or phone, and ID numbers entered for a person (checked
# against the community's register), per user (accounts.lookups): past SLOW_AFTER in an
# hour, one every SLOW_SECONDS; past STOP_AFTER in a day, none, and the community's
# administrators are told. A window clerk looks up a few dozen residents a day.
BANYAN_LOOKUP_SLOW_AFTER = int(os.environ.get("BANYAN_LOOKUP_SLOW_AFTER", "10"))
BANYAN_LOOKUP_SLOW_SECONDS = int(os.environ.get("BANYAN_LOOKUP_SLOW_SECONDS", "30"))
BANYAN_LOOKUP_STOP_AFTER = int(os.environ.get("BANYAN_LOOKUP_STOP_AFTER", "40"))
# Tracking codes typed that match no report, per client address per hour, before the
# tracking pages (and Open311's tokens) refuse that client for the rest of the hour.
BANYAN_TRACK_MISSES_PER_CLIENT_HOUR = int(
    os.environ.get("BANYAN_TRACK_MISSES_PER_CLIENT_HOUR", "20")
)
# The site's public address (https://banyan.example.cn) for links that leave it: QR
# posters, Open311, emails. Empty: links use the address each request came in on.
BANYAN_PUBLIC_URL = os.environ.get("BANYAN_PUBLIC_URL", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "banyan@localhost")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")


def _token_lifetime_hours(value: str) -> int:
    """Hours an API token lives: a whole number from 1 to 8784 (a year)."""
    try:
        hours = int(value)
    except ValueError:
        hours = 0
    if not 1 <= hours <= 8784:
        raise ImproperlyConfigured(
            "BANYAN_TOKEN_LIFETIME_HOURS must be a whole number of hours from 1 to 8784,"
            f" not {value!r}."
        )
    return hours


# API tokens expire this long after they are issued (banyan/accounts/tokens.py): 30 days.
BANYAN_TOKEN_LIFETIME_HOURS = _token_lifetime_hours(
    os.environ.get("BANYAN_TOKEN_LIFETIME_HOURS", str(30 * 24))
)

BANYAN_APP_NAME = _("Banyan")
NINJA_PAGINATION_PER_PAGE = 50

"""
Settings for LearnLinq Results Import.

Every deployment-specific value comes from the environment. Without any
variables set the project runs embedded: SQLite, a file-system Celery broker
and attachments in a local folder, all under ``var/`` in the project root.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, got {value!r}."
        ) from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# Runtime files of the embedded set-up: database, broker queue, media.
VAR_DIR = Path(env_str("LEARNLINQ_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("LEARNLINQ_EMBEDDED", True):
        raise ImproperlyConfigured("Set SECRET_KEY for a production deployment.")
    # The embedded set-up is for one person on one machine; a fixed key there
    # only signs that person's own sessions.
    SECRET_KEY = "embedded-only-not-secret"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# A translated page inside the site's layout instead of Django's bare one.
CSRF_FAILURE_VIEW = "learnlinq.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "formtools",
    "learnlinq",
    "users",
    "results",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ from the web process itself, under runserver and
    # gunicorn alike, so no separate web server is needed for it.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Dutch unless the user picked another language: the browser's
    # Accept-Language header is ignored on purpose.
    "learnlinq.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "learnlinq.urls"
WSGI_APPLICATION = "learnlinq.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "learnlinq.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL names another one.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'learnlinq.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker is a separate process, so the test database must be a file
    # both processes can open, and writers must wait for each other's locks
    # instead of failing at once.
    # One file per test run, so runs side by side do not share a database.
    DATABASES["default"]["TEST"] = {
        "NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
    }
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # One test database per test run, so test runs side by side on one server
    # do not drop each other's database.
    DATABASES["default"]["TEST"] = {
        "NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Dutch first: the users work in Dutch. English is there for the Django
# language switch.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
# Counts get the language's digit grouping (“5.607” in Dutch). Templates
# that print an id or line number where it is read back (form values, data
# attributes) use |unlocalize, because grouping is not undone on input.
USE_THOUSAND_SEPARATOR = True
# Dates follow the active language's formats: DATE_FORMAT (“4 december
# 2026”) and DATETIME_FORMAT (“4 december 2026 21:40”) in text, and
# SHORT_DATE_FORMAT / SHORT_DATETIME_FORMAT in table cells.

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise warns on every start when this folder is missing, which it is
# until someone runs collectstatic.
STATIC_ROOT.mkdir(exist_ok=True)

MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Without collectstatic (the embedded set-up), WhiteNoise finds files in the
# apps' static folders. The Docker image runs collectstatic and turns this off.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)

# HTTPS settings for a deployment behind a TLS-terminating proxy. All are off
# by default because the embedded set-up serves plain HTTP on loopback.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Trust the proxy's X-Forwarded-Proto only when the proxy sets it and
    # strips it from clients' requests.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Uploads over this size go to a temporary file instead of memory, so a large
# ZIP never sits in the web process's memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR", "") or None

# Celery: a file-system broker that needs no server unless CELERY_BROKER_URL
# is set, for example to redis://localhost:6379/0.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
# The test suite points a worker process and itself at one folder per test.
CELERY_BROKER_FOLDER = Path(env_str("CELERY_BROKER_FOLDER", str(VAR_DIR / "broker")))
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
# The queue tasks go to when no other is named, including the tasks a worker
# enqueues itself (it resumes unfinished activations when it starts).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Jobs keep their own state in the database, so task results are not stored.
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran, so a killed worker's task is delivered
# again, by Redis once its visibility timeout has passed. The file-system broker
# never delivers it again, so a starting worker also resumes unfinished
# activations. Every task is written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
# Abandoned wizard uploads and the ZIPs of finished imports are deleted hourly.
CELERY_BEAT_SCHEDULE["attachment-uploads-clean-up"] = {
    "task": "imports.tasks.attachment_uploads_clean_up_task",
    "schedule": 60 * 60,
}

# Import limits.
IMPORT_MAX_DATA_ROWS = env_int("IMPORT_MAX_DATA_ROWS", 20_000)
IMPORT_MAX_CSV_BYTES = env_int("IMPORT_MAX_CSV_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ZIP_BYTES = env_int("IMPORT_MAX_ZIP_BYTES", 2 * 1024**3)
# Storage for attachments of the whole organisation, in bytes (0 means no quota).
ATTACHMENT_QUOTA_BYTES = env_int("ATTACHMENT_QUOTA_BYTES", 50 * 1024**3)
# Wizard uploads older than this many hours belong to abandoned wizards.
WIZARD_UPLOAD_MAX_AGE_HOURS = env_int("WIZARD_UPLOAD_MAX_AGE_HOURS", 24)
# Rows written per transaction when an activation creates results.
ACTIVATION_CHUNK_SIZE = env_int("ACTIVATION_CHUNK_SIZE", 500)

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "learnlinq@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

"""Django settings, read from the environment.

DATABASE_URL selects the database (PostgreSQL in production); without it Keju
uses an embedded SQLite file in the data folder (KEJU_DATA_DIR, default ./data
under the project). SECRET_KEY comes from the environment or from a file that
is generated on first run and never committed.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(os.environ.get("KEJU_DATA_DIR", PROJECT_DIR / "data")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = load_secret_key()
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "keju.orgs",
    "keju.planning",
    "keju.accounts",
    "keju.reporting",
    "keju.monitoring",
    "keju.vouchers",
    "keju.instruments",
    "keju.transfer",
    "keju.pools",
    "keju.registers",
    "keju.publishing",
    "keju.dashboards",
    "keju.notifications",
    "keju.demo",
    "keju.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "keju.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "keju.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "keju.web.context_processors.user_roles",
                "keju.notifications.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "keju.wsgi.application"


def database_config() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "keju.sqlite3",
        # IMMEDIATE transactions avoid "database is locked" on concurrent writers.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
    }


DATABASES = {"default": database_config()}


def cache_config() -> dict:
    """Redis when `REDIS_URL` is set (shared by every worker), else memory per process.

    Dashboards cache each page once per results version (keju.dashboards.cache); with
    several workers only a shared cache builds it once. Keys are prefixed with the
    database's name so that two deployments (or test runs) on one Redis never read
    each other's entries.
    """
    url = os.environ.get("REDIS_URL")
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "keju"}}
    name = DATABASES["default"]["NAME"]
    prefix = os.environ.get("CACHE_KEY_PREFIX") or f"keju:{Path(str(name)).name}"
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }


CACHES = cache_config()

# The API's submission hot path in plain SQL with statements prepared per database session
# (keju/reporting/services/fastpath.py). Turn it off (KEJU_REPORTING_FAST_PATH=0) behind a
# connection pooler in transaction mode (pgbouncer), where sessions are shared between clients.
KEJU_REPORTING_FAST_PATH = os.environ.get("KEJU_REPORTING_FAST_PATH", "1") not in ("0", "false", "off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# The plan that `keju plan load` and `keju demo` use unless told otherwise.
KEJU_DEFAULT_PLAN = BASE_DIR / "plans" / "lanbai-2015-2020.yaml"

# Email goes out only when an SMTP host is configured; notifications are always in-app.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "keju@localhost")
KEJU_SEND_EMAIL = bool(EMAIL_HOST)

"""Settings of the interop project: a stock Django project plus DRF and SimpleJWT.

Everything that is not about JWTs is left as `django-admin startproject` sets it
(apps, middleware, templates, password validators), and Django REST Framework keeps
its default renderers and parsers, so that responses look like those of an ordinary
deployment. Works with Django 3.2 and 5.2.

Environment variables (all optional):
  DJANGO_SECRET_KEY                 SECRET_KEY and the JWT signing key (HS256)
  SIMPLEJWT_DB                      path of the sqlite database file
                                    (default: simplejwt-interop.sqlite3 in the temp dir)
  SIMPLEJWT_ACCESS_SECONDS          ACCESS_TOKEN_LIFETIME in seconds (default 300)
  SIMPLEJWT_REFRESH_SECONDS         REFRESH_TOKEN_LIFETIME in seconds (default 86400)
  SIMPLEJWT_ROTATE                  ROTATE_REFRESH_TOKENS, 1/0 (default 0)
  SIMPLEJWT_BLACKLIST_AFTER_ROTATION  BLACKLIST_AFTER_ROTATION, 1/0 (default 0)
  SIMPLEJWT_FAST_HASHER             1 (default): MD5 password hasher, test use only;
                                    0: Django's default hashers (PBKDF2 first)
"""
import os
import tempfile
from datetime import timedelta
from pathlib import Path


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("%s must be 1 or 0, not %r" % (name, value))


def _env_seconds(name, default):
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    seconds = int(value)
    if seconds <= 0:
        raise ValueError("%s must be a positive number of seconds" % name)
    return seconds


BASE_DIR = Path(__file__).resolve().parent.parent

# TEST-ONLY KEY. It is public (it is in this repository), so it protects nothing:
# never use this project, or this key, outside a local test run. Set
# DJANGO_SECRET_KEY to use another one.
TEST_ONLY_SECRET_KEY = (
    "TEST-ONLY-insecure-key-for-jwt-conformance-interop-do-not-use-anywhere-else"
)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or TEST_ONLY_SECRET_KEY

DEBUG = False

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "api",
]

# Django's default middleware list, unchanged.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jwtsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "jwtsite.wsgi.application"

# The database lives outside the source tree: serve.sh points SIMPLEJWT_DB into its
# state directory; without it, a fixed file in the system's temporary directory is
# used (fixed, so that manage.py and every gunicorn worker see the same database).
_db_path = os.environ.get("SIMPLEJWT_DB") or os.path.join(
    tempfile.gettempdir(), "simplejwt-interop.sqlite3"
)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _db_path,
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Test settings: by default passwords are hashed with MD5PasswordHasher, the fast
# hasher Django projects commonly use in their test settings, so that a login costs
# microseconds instead of PBKDF2's hundreds of milliseconds. Never use it for real
# passwords. SIMPLEJWT_FAST_HASHER=0 keeps Django's default list (PBKDF2 first).
if _env_bool("SIMPLEJWT_FAST_HASHER", True):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Not part of the stock project: send tracebacks of server errors (500) to stderr,
# which gunicorn writes to its log, so that they can be inspected. This changes no
# response.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
    },
}

# Only the authentication default is set; renderers and parsers stay DRF's defaults
# (JSON + browsable API; JSON, form, multipart).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        seconds=_env_seconds("SIMPLEJWT_ACCESS_SECONDS", 300)
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(
        seconds=_env_seconds("SIMPLEJWT_REFRESH_SECONDS", 86400)
    ),
    "ROTATE_REFRESH_TOKENS": _env_bool("SIMPLEJWT_ROTATE", False),
    # Set explicitly: its default is True in SimpleJWT 4.x and False in 5.x.
    "BLACKLIST_AFTER_ROTATION": _env_bool("SIMPLEJWT_BLACKLIST_AFTER_ROTATION", False),
    "SIGNING_KEY": SECRET_KEY,
    "ALGORITHM": "HS256",
}

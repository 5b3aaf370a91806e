"""Settings for the portfolio site.

One module for every environment: each value that differs between a laptop and
production comes from an environment variable, documented in `.env.example`.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# Development gets a throwaway key; production must bring its own, or refuse to start.
_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off. "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is too weak for production: use 50 or more random characters.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles, so that runserver serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.sites",
    "django.contrib.redirects",
    "markdownx",
    "taggit",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "portfolio",
    "blog",
    "projects",
    "contact",
    # Counts failed admin logins and locks out a username from an address (see AXES_* below).
    "axes",
]

MIDDLEWARE = [
    # First, so that the request id and timing cover everything below, error pages included.
    "portfolio.middleware.RequestLogMiddleware",
    "portfolio.middleware.ForwardedProtoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portfolio.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portfolio.middleware.CSPMiddleware",
    "django.contrib.redirects.middleware.RedirectFallbackMiddleware",
    # Last, as django-axes requires: turns a refused (locked-out) login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portfolio.urls"
WSGI_APPLICATION = "portfolio.wsgi.application"
SITE_ID = 1

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
                "portfolio.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# psycopg's connection pool, on Postgres with `?pool=true` in DATABASE_URL, sized with `pool_min_size`,
# `pool_max_size` and `pool_timeout` there too. The pool keeps connections itself, so Django must not
# (CONN_MAX_AGE=0, which Django requires with a pool).
_database_options = DATABASES["default"].setdefault("OPTIONS", {})
if _database_options.get("pool"):
    _pool = {
        name.removeprefix("pool_"): _database_options.pop(name)
        for name in list(_database_options)
        if name.startswith("pool_")
    }
    _database_options["pool"] = _pool or True
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Django's backend, health-checking only connections that sat idle (portfolio/postgres/base.py).
    DATABASES["default"]["ENGINE"] = "portfolio.postgres"
    # An unreachable database fails fast (a friendly 503) instead of holding a worker for minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # Parameters sent apart from the SQL, so a query's text is the same on every request and psycopg
    # prepares it after its fifth run on a connection: Postgres then parses it once and can reuse its
    # plan (planning cost more than running most of our queries). `?server_side_binding=false` in
    # DATABASE_URL turns both off, for PgBouncer in transaction mode without `max_prepared_statements`.
    if _database_options.setdefault("server_side_binding", True) is True:
        _database_options.setdefault("prepare_threshold", 5)

# Rate limits and cached pages must hold across gunicorn workers, so the cache is
# shared: Redis when configured, otherwise a table in the database.
REDIS_URL = os.environ.get("REDIS_URL", "")


# Rate-limit counters get their own space, so a flood of cached pages can never evict them.
def _redis_database(url, offset):
    """The same Redis server, `offset` databases further along (redis://host:6379/0 -> /1)."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + offset
    return urlunsplit(parts._replace(path=f"/{number}"))


if REDIS_URL:
    # Rate-limit counters live in the next Redis database (or REDIS_RATELIMIT_URL), so page entries,
    # whose keys visitors cannot mint (portfolio.cache), never share a keyspace with them.
    redis_locations = {
        "default": REDIS_URL,
        "ratelimit": os.environ.get("REDIS_RATELIMIT_URL") or _redis_database(REDIS_URL, 1),
    }
    CACHES = {
        alias: {
            # Redis down means pages render uncached and limits fail open, not 500s (portfolio/resilience.py).
            "BACKEND": "portfolio.resilience.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": alias,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        for alias, location in redis_locations.items()
    }
    # Sessions read from Redis and are written through to the database, so a Redis outage logs no one out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            # Bounded: the oldest third is culled past this, and rate limits never live here (contact.RateCounter).
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
    }
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# Each worker also keeps pages in memory, up to this many bytes (bodies plus their gzip and brotli forms),
# and asks the database for the content version at most this often: the bound on how long another
# process's write takes to show. PAGE_CACHE_SECONDS=0 turns every tier off.
PAGE_CACHE_LOCAL_BYTES = int(os.environ.get("PAGE_CACHE_LOCAL_BYTES", str(16 * 1024 * 1024)))
PAGE_CACHE_VERSION_CHECK_SECONDS = float(os.environ.get("PAGE_CACHE_VERSION_CHECK_SECONDS", "1"))

# What `manage.py backup` leaves out: rows rebuilt by migrate, and transient state (sessions, rate-limit
# counters, the task queue, the page-cache version). Everything else, and every media file, goes in the archive.
BACKUP_EXCLUDE = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "django_tasks_database",
    "contact.ratecounter",
    "portfolio.contentversion",
    "axes",  # lockouts and login attempts: restoring them could lock the owner out of a new server
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
# The site and its admin are in English only: without the translation machinery, every date and number a
# page formats skips a lookup of the active language (about 3 % of a cold page's instructions).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files in production; the manifest does not exist in tests or development.
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Uploaded media in S3-compatible object storage when S3_BUCKET is set, so that every app server sees
# every upload. The app still serves them under MEDIA_URL, so pages keep their same-origin CSP.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "portfolio.storage.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL", "") or None,
            "region_name": os.environ.get("S3_REGION", "") or None,
            # Unset: boto3's usual sources (instance role, ~/.aws).
            "access_key": os.environ.get("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", "") or None,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": False,
        },
    }

# Mail: SMTP when a host is configured (also under `make run`), otherwise printed to the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Portfolio <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Contact notifications run as tasks: the database-backed queue in production
# (`db_worker`), inline in development and tests.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}

# Contact and booking abuse limits. A form sent faster than the minimum fill time is
# flagged as spam; each IP may send CONTACT_RATE_LIMIT messages (and as many booking
# requests) per window.
CONTACT_MIN_FILL_SECONDS = float(os.environ.get("CONTACT_MIN_FILL_SECONDS", "3"))
CONTACT_RATE_LIMIT = int(os.environ.get("CONTACT_RATE_LIMIT", "5"))
CONTACT_RATE_WINDOW_SECONDS = int(os.environ.get("CONTACT_RATE_WINDOW_SECONDS", "3600"))
# Past the limit, this many more submissions per address and window are kept as spam for review;
# beyond that they are only counted. A form's signed start time admits one submission within its lifetime.
CONTACT_RATE_SPAM_CAP = int(os.environ.get("CONTACT_RATE_SPAM_CAP", "20"))
CONTACT_FORM_MAX_AGE_SECONDS = int(os.environ.get("CONTACT_FORM_MAX_AGE_SECONDS", "86400"))

# Reverse proxies in front of the app (portfolio/clientip.py): the client's address and scheme are taken
# from X-Forwarded-For / X-Forwarded-Proto only as far as these vouch for them. Either a list of proxy
# addresses or networks, or a number of hops (for proxies whose addresses change). Neither: no proxy.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))
if "CONTACT_TRUST_X_FORWARDED_FOR" in os.environ:
    raise ImproperlyConfigured("CONTACT_TRUST_X_FORWARDED_FOR is replaced by TRUSTED_PROXY_HOPS or TRUSTED_PROXIES.")

# The admin lives at DJANGO_ADMIN_PATH (e.g. "backstage-7f3a/"): a less obvious address meets fewer bots.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

# django-axes: after ADMIN_LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that
# pair is refused for ADMIN_LOCKOUT_MINUTES, before any password is hashed (so a flood of bad logins
# costs almost nothing). Lockouts show in the admin under "Axes"; `manage.py axes_reset` lifts them.
AUTHENTICATION_BACKENDS = [
    "portfolio.auth_backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("ADMIN_LOGIN_FAILURE_LIMIT", "5"))
# Failures from one address across all usernames (portfolio/auth_backends.py), against username rotation.
ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
ADMIN_LOCKOUT_MINUTES = int(os.environ.get("ADMIN_LOCKOUT_MINUTES", "15"))
AXES_COOLOFF_TIME = timedelta(minutes=ADMIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "portfolio.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "portfolio.views.admin_locked_out"
AXES_RESET_ON_SUCCESS = True
# A locked-out pair trying again does not extend its own lockout, so the owner's wait stays predictable.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

# Restrictive Permissions-Policy on every response: the site uses none of these browser features
# (the copy button needs only clipboard-write, allowed for this origin).
PERMISSIONS_POLICY = ", ".join(
    [
        *(
            f"{feature}=()"
            for feature in (
                "accelerometer",
                "autoplay",
                "camera",
                "display-capture",
                "encrypted-media",
                "fullscreen",
                "geolocation",
                "gyroscope",
                "hid",
                "magnetometer",
                "microphone",
                "midi",
                "payment",
                "picture-in-picture",
                "publickey-credentials-get",
                "screen-wake-lock",
                "serial",
                "usb",
                "xr-spatial-tracking",
            )
        ),
        "clipboard-write=(self)",
    ]
)

# When the database is unreachable, pages answer 503 and ask clients to come back after this long.
UNAVAILABLE_RETRY_AFTER_SECONDS = int(os.environ.get("UNAVAILABLE_RETRY_AFTER_SECONDS", "30"))

# Content-Security-Policy: only this site's own files; scripts are external files,
# so pages served from the page cache never depend on a stale nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Behind a TLS-terminating proxy in production; harmless in development.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# Tags keep the order they are typed in (a post's first tag is its primary hashtag).
TAGGIT_TAGS_FROM_STRING = "portfolio.tags.parse_tags"
TAGGIT_STRING_FROM_TAGS = "portfolio.tags.tags_to_string"

MARKDOWNX_MARKDOWNIFY_FUNCTION = "portfolio.markdown.render_markdown"
MARKDOWNX_MEDIA_PATH = "uploads/%Y/%m/"
MARKDOWNX_UPLOAD_MAX_SIZE = 10 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (1600, 0), "quality": 85}

# One JSON object per line in production (for log collectors), readable text in development.
# Every record carries the request id; portfolio.access writes one record per request
# (portfolio/middleware.py). The request object itself is never logged: it would bring the query string.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text" if DEBUG else "json")

# Social cards are drawn in Inter (shipped in portfolio/fonts/: Latin, Greek, Cyrillic). Characters it
# lacks use the first of these fonts that has them, where installed (Debian: fonts-noto-cjk for Chinese,
# Japanese and Korean; fonts-dejavu-core for symbols); characters none has are left off the card.
SOCIAL_CARD_FALLBACK_FONTS = env_list(
    "SOCIAL_CARD_FALLBACK_FONTS",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc,"
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc,"
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portfolio.middleware.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "reserved_attrs": [*RESERVED_ATTRS, "request", "server_time"],
        },
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

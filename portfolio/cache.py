"""The public page cache, and the content version that keeps it fresh.

Anonymous GETs of public pages are cached under a key that includes a content version.
Any write to a content table bumps the version, so every cached page goes stale at once,
with no list of keys to invalidate.

The version is one row in the database (`ContentVersion`), bumped by database triggers on
every table that apps register with `register_content`. So every way content can change is
seen: a save, a delete, a bulk `update()` or `delete()`, a tag change, an admin action, a
data migration, the shell, or another process with other cache settings. No call site has
to remember anything.

Scheduled content (a post with a future publish time) goes live without a write, so apps
register a function that says when their next scheduled item goes live (`register_schedule`).
A page cached before that moment expires at it: the item appears on time, with no cron job.
"""

import hashlib
import re
import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import InterfaceError, OperationalError, connections
from django.db.models import F
from django.http import HttpResponseNotAllowed
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

from portfolio.models import ContentVersion

# The values a page number may take in a cache key: anything else (0, 01, 99999999…) is answered
# uncached, so visitors can't mint keys.
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,3}")
# What paginated views pass as `params`.
PAGED = {"page": PAGE_NUMBER}
TRIGGER_NAME = "content_version_bump"
PG_FUNCTION = "portfolio_bump_content_version"

# Tables whose writes change what public pages show, registered by the apps that own them.
_content_models = []
# Functions returning the datetime when the next scheduled item goes live, or None.
_schedules = []


def register_content(*content_models):
    """Declare models whose every write changes public pages (their many-to-many tables included)."""
    for model in content_models:
        for candidate in [model, *(field.remote_field.through for field in model._meta.local_many_to_many)]:
            if candidate not in _content_models:
                _content_models.append(candidate)


def register_schedule(func):
    """Register a function returning when the next scheduled item goes live (an aware datetime or None)."""
    if func not in _schedules:
        _schedules.append(func)
    return func


# (version, the next scheduled moment under it): only a write, which bumps the version, or that moment
# passing can change it, so each process asks the database once per version rather than on every miss.
_next_publish = {}


def forget_local_state():
    """Drop what this process remembers about versions (tests roll versions back; production never does)."""
    _next_publish.clear()
    _last_known.clear()


def seconds_until_next_publish(version):
    """Seconds until the next scheduled item goes live, or None when nothing is scheduled."""
    moment = _next_publish.get(version, False)
    if moment is False or (moment is not None and moment <= timezone.now()):
        moments = [moment for func in _schedules if (moment := func()) is not None]
        moment = min(moments) if moments else None
        _next_publish.clear()
        _next_publish[version] = moment
    return None if moment is None else max(0.0, (moment - timezone.now()).total_seconds())


def content_version():
    """The current content version, from its row (recreated if a test's flush removed it)."""
    version = ContentVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    if version is None:
        # Started from the clock, so a recreated row never repeats a version that keyed older pages.
        ContentVersion.objects.get_or_create(pk=1, defaults={"version": int(time.time() * 1000)})
        version = ContentVersion.objects.values_list("version", flat=True).get(pk=1)
    return version


# The version last read, copied into the cache (at most once a minute per process, and on every change).
# While the database is unreachable no content can change, so that copy still names the right pages,
# and a server can go on serving them (portfolio/resilience.py answers everything else with a 503).
LAST_KNOWN_VERSION_KEY = "content-version:last-known"
_last_known = {}


def _serving_version():
    try:
        version = content_version()
    except (OperationalError, InterfaceError):
        version = cache.get(LAST_KNOWN_VERSION_KEY)
        if version is None:
            raise
        return version
    if isinstance(caches["default"], DatabaseCache):
        return version  # a cache in the database is down with it: a copy there could never be read
    if _last_known.get("version") != version or time.monotonic() - _last_known.get("at", 0) > 60:
        cache.set(LAST_KNOWN_VERSION_KEY, version, timeout=None)
        _last_known.update(version=version, at=time.monotonic())
    return version


def bump_content_version():
    """Mark all cached pages stale. Writes to content tables do this by themselves, through the triggers."""
    if not ContentVersion.objects.filter(pk=1).update(version=F("version") + 1):
        content_version()
    return content_version()


def _trigger_sql(vendor, table, quote):
    """The statements that make every write to `table` bump the version row."""
    version_table = quote(ContentVersion._meta.db_table)
    bump = f"UPDATE {version_table} SET version = version + 1 WHERE id = 1"
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON {quote(table)}",
            f"CREATE TRIGGER {TRIGGER_NAME} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {quote(table)} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
    statements = []
    for operation in ("INSERT", "UPDATE", "DELETE"):
        name = quote(f"{TRIGGER_NAME}_{table}_{operation.lower()}")
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {operation} ON {quote(table)} BEGIN {bump}; END",
        ]
    return statements


def install_version_triggers(using="default", **kwargs):
    """(Re)create the triggers on every registered content table; run after each `migrate`."""
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(
            f"Content version triggers are written for Postgres and SQLite, not {connection.vendor}."
        )
    quote = connection.ops.quote_name
    existing = set(connection.introspection.table_names())
    statements = []
    if connection.vendor == "postgresql":
        statements.append(
            f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$ BEGIN "
            f"UPDATE {quote(ContentVersion._meta.db_table)} SET version = version + 1 WHERE id = 1; "
            "RETURN NULL; END $$ LANGUAGE plpgsql"
        )
    for model in _content_models:
        if model._meta.db_table in existing:
            statements += _trigger_sql(connection.vendor, model._meta.db_table, quote)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _valid_params(request, params):
    """Whether every query parameter is one the view reads, with a value it could serve."""
    for name, values in request.GET.lists():
        pattern = params.get(name)
        if pattern is None or len(values) != 1 or not pattern.fullmatch(values[0]):
            return False
    return True


def _page_key(request, version):
    path = request.path + "?" + urlencode(sorted(request.GET.items()))
    return f"page:{version}:{hashlib.sha256(path.encode()).hexdigest()}"


def _store(key, response, version):
    # The page was true as of now: a later write changes the version, and a scheduled item going live
    # ends the entry's life at that moment, so it is never served past it.
    response["Last-Modified"] = http_date()
    # Browsers may keep the page but must ask again each time (a cheap 304 through the ETag), so an
    # edit in the admin shows on the next visit.
    patch_cache_control(response, public=True, no_cache=True)
    lifetime = settings.PAGE_CACHE_SECONDS
    if (until_publish := seconds_until_next_publish(version)) is not None:
        lifetime = min(lifetime, until_publish)
    if lifetime > 0:
        cache.set(key, response, lifetime)


def cache_public_page(view=None, *, params=None):
    """Serve anonymous GETs from the shared cache; signed-in users always get a fresh page; other methods a 405.

    `params` maps the query parameters the view reads to the pattern a value must match to be
    cached. Any other parameter, or value, is answered without touching the cache, so visitors
    can't fill it with keys of their own making.
    """
    params = {
        name: re.compile(pattern) if isinstance(pattern, str) else pattern for name, pattern in (params or {}).items()
    }

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            # Public pages are read-only: anything but a read is refused before any work.
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            if request.user.is_authenticated:
                response = view(request, *args, **kwargs)
                patch_cache_control(response, private=True, no_cache=True)
                return response
            if not _valid_params(request, params):
                return view(request, *args, **kwargs)
            version = _serving_version()
            key = _page_key(request, version)
            response = cache.get(key)
            if response is None:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render"):
                    response.render()
                if response.status_code == 200 and not response.has_header("Cache-Control") and not response.cookies:
                    _store(key, response, version)
            return response

        return wrapper

    return decorate(view) if view is not None else decorate

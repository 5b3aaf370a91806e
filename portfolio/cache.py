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

import gzip
import hashlib
import io
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps
from operator import attrgetter
from urllib.parse import unquote_to_bytes, urlencode, urlsplit

import brotli
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.handlers.wsgi import WSGIRequest
from django.db import InterfaceError, OperationalError, connections
from django.db.backends.signals import connection_created
from django.db.models import F
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
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
    forget_checked_version()
    local_pages.clear()
    for memo in _memos:
        memo.clear()


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


# --- The in-process tier -------------------------------------------------------------------------
#
# Each process keeps a byte-capped LRU of stored pages in front of the shared cache, and reads the
# content version from the database at most once per PAGE_CACHE_VERSION_CHECK_SECONDS (1 s). So a
# warm hit touches nothing outside the process. A write made by this process (any INSERT, UPDATE or
# DELETE on its connections) makes it read the version again on the next request, so the writer
# sees its own change at once; every other process sees it within the check interval.
# (Tables are named in registration order; the list is short, and only write statements are searched.)


@dataclass
class StoredPage:
    """A rendered page as both tiers keep it: headers, the body, and its gzip and brotli forms made once."""

    status: int
    headers: list
    body: bytes
    gzip: bytes
    brotli: bytes
    # The wall-clock moment after which the page must not be served (a scheduled item goes live).
    expires: float

    @property
    def size(self):
        return len(self.body) + len(self.gzip) + len(self.brotli) + 500

    def encoded(self, accept_encoding):
        """(body, its Content-Encoding or None): the best encoding the Accept-Encoding header allows."""
        if _accepts(accept_encoding, "br"):
            return self.brotli, "br"
        if _accepts(accept_encoding, "gzip"):
            return self.gzip, "gzip"
        return self.body, None

    def response(self, request):
        """A fresh response for this request, in the best encoding it accepts."""
        body, encoding = self.encoded(request.headers.get("Accept-Encoding", ""))
        response = HttpResponse(body, status=self.status)
        for name, value in self.headers:
            response[name] = value
        if encoding:
            response["Content-Encoding"] = encoding
        return response


def _accepts(header, coding):
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() == coding:
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _stored_page(response, version):
    body = response.content
    # The ETag names the content, whatever its encoding; weak, as the bytes differ between encodings.
    response["ETag"] = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
    patch_vary_headers(response, ["Accept-Encoding"])
    lifetime = settings.PAGE_CACHE_SECONDS
    if (until_publish := seconds_until_next_publish(version)) is not None:
        lifetime = min(lifetime, until_publish)
    return StoredPage(
        status=response.status_code,
        # The length differs between encodings; the server sets it for the body it sends.
        headers=[(name, value) for name, value in response.items() if name.lower() != "content-length"],
        body=body,
        gzip=gzip.compress(body, compresslevel=9, mtime=0),
        brotli=brotli.compress(body, quality=9),
        expires=time.time() + lifetime,
    ), lifetime


class ByteCappedLRU:
    """This process's LRU of values by key, holding at most `max_bytes()` of them, as `size_of` counts."""

    def __init__(self, max_bytes, size_of):
        self.max_bytes, self.size_of = max_bytes, size_of
        self.entries = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def expired(self, value):
        return False

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is None:
                return None
            if self.expired(value):
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return value

    def put(self, key, value):
        max_bytes = self.max_bytes()
        if self.size_of(value) > max_bytes:
            return
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = value
            self.bytes += self.size_of(value)
            while self.bytes > max_bytes:
                self._drop(next(iter(self.entries)))

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.bytes = 0

    def _drop(self, key):
        self.bytes -= self.size_of(self.entries.pop(key))


class LocalPages(ByteCappedLRU):
    """This process's StoredPages by key, holding at most PAGE_CACHE_LOCAL_BYTES, each until it expires."""

    def __init__(self):
        super().__init__(lambda: settings.PAGE_CACHE_LOCAL_BYTES, attrgetter("size"))

    def expired(self, page):
        return page.expires <= time.time()


local_pages = LocalPages()
# (version, when it was read on the monotonic clock); None forces a read.
_checked_version = None
WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|TRUNCATE)\b", re.IGNORECASE)


def recent_content_version():
    """The content version as this process last read it, at most PAGE_CACHE_VERSION_CHECK_SECONDS ago."""
    global _checked_version
    checked = _checked_version
    now = time.monotonic()
    if checked is None or now - checked[1] >= settings.PAGE_CACHE_VERSION_CHECK_SECONDS:
        version = _serving_version()
        if checked is not None and checked[0] != version:
            local_pages.clear()  # every page in it is stale
        checked = _checked_version = (version, now)
    return checked[0]


def forget_checked_version(*args, **kwargs):
    global _checked_version
    _checked_version = None


def _note_writes(execute, sql, params, many, context):
    # This process just wrote content: its next request reads the version again, so it sees its own
    # change. (Writes to other tables, such as the cache's own, change no page.)
    if WRITE_STATEMENT.match(sql) and any(table in sql for table in _content_tables()):
        forget_checked_version()
    return execute(sql, params, many, context)


def _content_tables():
    return [model._meta.db_table for model in _content_models] + [ContentVersion._meta.db_table]


def watch_writes(connection, **kwargs):
    """connection_created: every database connection of this process reports its writes."""
    if _note_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_note_writes)


connection_created.connect(watch_writes, dispatch_uid="page-cache-watch-writes")


def per_content_version(func=None, *, until_next_publish=False):
    """Memoise `func(*args)` in this process until the content version changes.

    For what pages show that only content changes (the site profile): read once per version instead
    of on every page. With `until_next_publish`, also until a scheduled item goes live, for what the
    clock changes too (how many posts are live). Arguments must be hashable; at most MEMO_ENTRIES
    results are kept per function.
    """

    def decorate(func):
        memo = {}

        @wraps(func)
        def wrapper(*args):
            version = recent_content_version()
            if memo.get("version") != version or memo.get("until", float("inf")) <= time.time():
                memo.clear()
                memo["version"] = version
                if until_next_publish and (seconds := seconds_until_next_publish(version)) is not None:
                    memo["until"] = time.time() + seconds
            results = memo.setdefault("results", {})
            if args not in results:
                if len(results) >= MEMO_ENTRIES:
                    results.clear()
                results[args] = func(*args)
            return results[args]

        register_local_memo(memo)
        return wrapper

    return decorate(func) if func is not None else decorate


MEMO_ENTRIES = 1000
_memos = []


def register_local_memo(memo):
    """Have forget_local_state() clear `memo` (anything with a clear()) too; returns it."""
    _memos.append(memo)
    return memo


def _answer(request, view, args, kwargs):
    """An anonymous read of a cacheable page: the local tier, then the shared one, then the view."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        # Caching off, every tier: the page as rendered, for measuring cold pages.
        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()
        if _storable(request, response):
            response["Last-Modified"] = http_date()
            patch_cache_control(response, public=True, no_cache=True)
        return response
    version = recent_content_version()
    key = _page_key(request, version)
    page = local_pages.get(key)
    if page is None:
        page = cache.get(key)
        if isinstance(page, StoredPage) and page.expires > time.time():
            local_pages.put(key, page)
        else:
            page = None
    if page is not None:
        response = page.response(request)
        # For portfolio.warm_hits, which answers this route itself from now on. Only a page served
        # without rendering qualifies: a render's headers carry that render's CSP nonce.
        response.served_from_tier = (key, page)
        return response
    response = view(request, *args, **kwargs)
    if hasattr(response, "render"):
        response.render()
    if not _storable(request, response):
        return response
    # The page was true as of now: a later write changes the version, and a scheduled item going live
    # ends the entry's life at that moment, so it is never served past it.
    response["Last-Modified"] = http_date()
    # Browsers may keep the page but must ask again each time (a cheap 304 through the ETag), so an
    # edit in the admin shows on the next visit.
    patch_cache_control(response, public=True, no_cache=True)
    page, lifetime = _stored_page(response, version)
    if lifetime > 0:
        cache.set(key, page, lifetime)
        local_pages.put(key, page)
    return page.response(request)


def _storable(request, response):
    # A page that set a cookie or put a CSRF token in a form is this visitor's own.
    return (
        response.status_code == 200
        and not response.has_header("Cache-Control")
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not getattr(response, "streaming", False)
    )


def cache_public_page(view=None, *, params=None):
    """Serve anonymous GETs from the page cache; signed-in users always get a fresh page; other methods a 405.

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
            return _answer(request, view, args, kwargs)

        # What warming asks (warm_pages); functools.wraps copies it onto any decorator around this one.
        wrapper.serves_public_pages = True
        return wrapper

    return decorate(view) if view is not None else decorate


# --- Warming after a publish -----------------------------------------------------------------------
#
# A publish bumps the version, so every page is cold at once, and the first reader of each would pay
# for its render. Instead the pages a publish changed are rendered once, after it commits, into the
# shared cache (portfolio.tasks runs this in the worker), so every worker's next miss is a shared hit.

warming_log = logging.getLogger("portfolio.cache.warming")


def warm_pages(paths):
    """Render public `paths` ("/blog/", "/projects/?tech=go") into the shared cache under the current version.

    Each is asked for as an anonymous reader would at the public address: the real URL resolver, then
    the view with cache_public_page's tiers, which store it. Paths that are no cached public page are
    skipped. Never raises: a failure is logged and that page renders on its first read, as without
    warming. Returns the paths the shared cache now holds.
    """
    if settings.PAGE_CACHE_SECONDS <= 0:
        return []
    warmed = []
    try:
        # This process may have read the version just before the publish committed (within the check
        # interval): read it again, or the pages would be stored under the version the publish ended.
        forget_checked_version()
        version = recent_content_version()
        paths = list(paths)
        for path in paths:
            try:
                if _warm_page(path):
                    warmed.append(path)
            except Exception:
                warming_log.exception("Warming %s failed; it renders on its first read.", path)
        warming_log.info("Warmed %d of %d pages under content version %s.", len(warmed), len(paths), version)
    except Exception:
        warming_log.exception("Warming stopped; the pages render on their first read.")
    return warmed


def _warm_page(path):
    request = _anonymous_request(path)
    try:
        match = resolve(request.path_info)
    except Resolver404:
        warming_log.warning("Not warmed: no page answers %s.", path)
        return False
    if not getattr(match.func, "serves_public_pages", False):
        warming_log.warning("Not warmed: %s is not a cached public page.", path)
        return False
    # As Django's handler sets it: templates read it (the current section of the navigation).
    request.resolver_match = match
    try:
        match.func(request, *match.args, **match.kwargs)
    except Http404:
        warming_log.info("Not warmed: %s is a 404 now.", path)
        return False
    return cache.has_key(_page_key(request, recent_content_version()))


def _anonymous_request(path):
    """A GET of `path` as a reader's reaches Django at the public address (SITE_URL): no cookie, nobody signed in.

    Built as a WSGI server would hand it over, not through django.test's RequestFactory, which is test
    machinery; and handed to the view, not to the middleware, which only adds headers around the stored
    page and would log a request nobody made.
    """
    address = urlsplit(settings.SITE_URL)
    path, _, query = path.partition("?")
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            # A WSGI server unquotes the path and hands its bytes over as latin-1.
            "PATH_INFO": unquote_to_bytes(path).decode("iso-8859-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": address.hostname or "localhost",
            "SERVER_PORT": str(address.port or (443 if address.scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": address.netloc,
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": address.scheme or "http",
            "wsgi.input": io.BytesIO(),
        }
    )
    request.user = AnonymousUser()
    return request

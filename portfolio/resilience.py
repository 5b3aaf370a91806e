"""Degrade, don't crash: what the site does when Redis or the database is unreachable.

- Redis down: `ResilientRedisCache` answers every read as a miss and drops writes, so pages render
  uncached; counters (`incr`) raise `CacheUnavailable`, so rate limits fail open where they catch it.
  Both are logged, once per outage and process, not once per request.
- Database down: `server_error` (the site's handler500) answers a friendly 503 with Retry-After instead
  of a 500, whatever part of the request hit the database: a view, a context processor rendering the
  404 page, a middleware. Pages the page cache holds are still served, because serving them needs
  no database.
"""

import logging
import sys
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure, skip Redis for this long rather than paying a connection attempt on every call.
RETRY_REDIS_AFTER_SECONDS = 5.0

# Per process, per Redis server: when to try again (0: it is up). Shared by every thread's cache objects.
_redis_down_until = {}
_state_lock = threading.Lock()


class CacheUnavailable(Exception):
    """The cache cannot count right now; callers that limit rates let the request through."""


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, but an outage reads as an empty cache instead of raising."""

    def _is_down(self):
        return time.monotonic() < _redis_down_until.get(self._server_key, 0)

    @property
    def _server_key(self):
        return str(self._servers)

    def _went_down(self, error):
        with _state_lock:
            was_up = _redis_down_until.get(self._server_key, 0) == 0
            _redis_down_until[self._server_key] = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
        if was_up:
            logger.warning("Cache unavailable (%s): serving pages without it, rate limits fail open", error)

    def _came_back(self):
        if _redis_down_until.get(self._server_key, 0):
            with _state_lock:
                _redis_down_until[self._server_key] = 0
            logger.warning("Cache reachable again")

    def _call(self, method, *args, fallback=None, **kwargs):
        if self._is_down():
            return fallback
        try:
            result = method(*args, **kwargs)
        except REDIS_DOWN as error:
            self._went_down(error)
            return fallback
        self._came_back()
        return result

    def get(self, key, default=None, version=None):
        return self._call(super().get, key, default, version, fallback=default)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, keys, version, fallback={})

    def has_key(self, key, version=None):
        return self._call(super().has_key, key, version, fallback=False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, key, value, timeout, version, fallback=False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, data, timeout, version, fallback=list(data))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, key, timeout, version, fallback=False)

    def delete(self, key, version=None):
        return self._call(super().delete, key, version, fallback=False)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, keys, version)

    def clear(self):
        return self._call(super().clear, fallback=False)

    def incr(self, key, delta=1, version=None):
        # A counter that silently reads 0 would hide abuse; say so, and let the rate limiter decide.
        if self._is_down():
            raise CacheUnavailable("cache unavailable")
        try:
            return super().incr(key, delta, version)
        except REDIS_DOWN as error:
            self._went_down(error)
            raise CacheUnavailable(str(error)) from error

    def ping(self):
        """Ask Redis directly (ignoring the back-off), for health checks."""
        try:
            self._cache.get_client(write=True).ping()
        except REDIS_DOWN as error:
            self._went_down(error)
            return False
        self._came_back()
        return True


def cache_is_up(alias="default"):
    backend = caches[alias]
    if isinstance(backend, ResilientRedisCache):
        return backend.ping()
    try:
        backend.get("health-probe")
    except Exception:
        return False
    return True


def _database_unavailable(error):
    """Whether an exception (or one it was raised from) means the database cannot be reached."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def service_unavailable(request):
    """The friendly 503: standalone (no database, no context processors), with Retry-After."""
    html = loader.get_template("503.html").render({"request_id": getattr(request, "request_id", "")})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(settings.UNAVAILABLE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: a 503 when the database is unreachable, otherwise the static 500 page with the request id."""
    if _database_unavailable(sys.exc_info()[1]):
        logger.error("Database unavailable: answered 503 for %s", request.path)
        return service_unavailable(request)
    html = loader.get_template("500.html").render({"request_id": getattr(request, "request_id", "")})
    return HttpResponseServerError(html)

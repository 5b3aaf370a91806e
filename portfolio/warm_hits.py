"""The outermost WSGI layer: a warm anonymous GET is answered from this worker's page tier before Django runs.

Profiling a warm hit under load put a quarter of the worker's time in Django's request handling and
middleware, for a page whose bytes were already in memory. So once Django has answered a request with a
page from the tier (`portfolio.cache`), this layer remembers the route: the request's path, query,
host and scheme, and the headers the whole middleware stack produced for it. The next request with the
same route is answered here with those headers, a fresh request id and an access-log record, and the
body in the encoding it accepts.

Everything else goes to Django as before: other methods, conditional requests (Django answers the
304), anything carrying the session or messages cookie (staff, a flash message), a route Django has
not answered from the tier yet (an unknown host is Django's 400), and every request while the
process's content version is due for a check or was dropped by a write. The page itself comes from the
same tier as Django's hits, so its expiry (a scheduled item going live) and byte cap apply here too.
"""

import threading
import time
import weakref
from types import SimpleNamespace

from django.conf import settings

from portfolio import cache as page_cache
from portfolio.clientip import peer_is_trusted_proxy
from portfolio.middleware import log_access, request_id_for

# Headers that differ between requests or encodings: set afresh for each answer.
PER_ANSWER_HEADERS = {"x-request-id", "content-length", "content-encoding"}
MAX_ROUTES = 4096


class Routes:
    """Route → (page key, the page, headers), bounded; emptied when full, as routes are cheap to learn again.

    The page is held weakly and must be the one the tier holds now: a page stored again (a refill from
    the shared cache, a test rolling versions back) has headers of its own, so Django answers it once more.
    """

    def __init__(self):
        self.entries = {}
        self.lock = threading.Lock()

    def get(self, route):
        return self.entries.get(route)

    def put(self, route, page_key, page, headers):
        with self.lock:
            if len(self.entries) >= MAX_ROUTES:
                self.entries.clear()
            self.entries[route] = (page_key, weakref.ref(page), headers)

    def clear(self):
        with self.lock:
            self.entries.clear()


routes = Routes()


def _route(environ):
    """What of a request decides its answer, or None when the request must go to Django."""
    if environ.get("REQUEST_METHOD") != "GET" or settings.PAGE_CACHE_SECONDS <= 0:
        return None
    if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
        return None
    cookies = environ.get("HTTP_COOKIE", "")
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return None
    return (
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_HOST", ""),
        environ.get("HTTP_X_FORWARDED_HOST", ""),
        environ.get("wsgi.url_scheme", ""),
        # The forwarded scheme counts only from our own proxy, as ForwardedProtoMiddleware believes it.
        environ.get("HTTP_X_FORWARDED_PROTO", "") if _from_trusted_proxy(environ) else "",
    )


def _from_trusted_proxy(environ):
    return peer_is_trusted_proxy(SimpleNamespace(META=environ))


def _version_is_fresh():
    # A write by this process, or the interval passing, sends the next request to Django, which reads
    # the version again; only then are this layer's answers current.
    checked = page_cache._checked_version
    return checked is not None and time.monotonic() - checked[1] < settings.PAGE_CACHE_VERSION_CHECK_SECONDS


class WarmHits:
    """WSGI middleware in front of Django's handler (see the module's docstring)."""

    def __init__(self, django_app):
        self.django_app = django_app

    def __call__(self, environ, start_response):
        route = _route(environ)
        if route is not None and _version_is_fresh() and (known := routes.get(route)) is not None:
            page_key, page_ref, headers = known
            page = page_cache.local_pages.get(page_key)
            if page is not None and page is page_ref():
                return self.answer(environ, start_response, page, headers)
        if route is None:
            return self.django_app(environ, start_response)
        answered = {}

        def recording_start_response(status, headers, exc_info=None):
            answered.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        response = self.django_app(environ, recording_start_response)
        # Set by the page tier on a page it served without rendering (see portfolio.cache).
        served_from_tier = getattr(response, "served_from_tier", None)
        if served_from_tier and answered.get("status", "").startswith("200 "):
            headers = answered["headers"]
            if not any(name.lower() == "set-cookie" for name, _ in headers):
                kept = [(name, value) for name, value in headers if name.lower() not in PER_ANSWER_HEADERS]
                routes.put(route, *served_from_tier, kept)
        return response

    def answer(self, environ, start_response, page, headers):
        started = time.monotonic()
        body, encoding = page.encoded(environ.get("HTTP_ACCEPT_ENCODING", ""))
        request = SimpleNamespace(META=environ, method="GET", path=_path(environ))
        request_id = request_id_for(request)
        headers = [*headers, ("Content-Length", str(len(body))), ("X-Request-ID", request_id)]
        if encoding:
            headers.append(("Content-Encoding", encoding))
        start_response("200 OK", headers)
        log_access(request, 200, started, request_id)
        return [body]


def _path(environ):
    # As Django decodes it (WSGI hands over the raw bytes as latin-1), for the access log.
    raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return raw.encode("latin-1").decode("utf-8", "replace")

"""Site-wide request handling: request ids and the access log, forwarded headers, and security headers."""

import contextvars
import logging
import re
import time
import uuid

from django.conf import settings

from portfolio.clientip import client_ip, forwarded_proto, peer_is_trusted_proxy

access_log = logging.getLogger("portfolio.access")

# The id of the request being handled, for every log line written while handling it.
current_request_id = contextvars.ContextVar("request_id", default="-")
# An id from our own proxy is kept (so its log and ours line up), if it looks like one.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdFilter(logging.Filter):
    """Stamps every log record with the current request's id ("-" outside a request)."""

    def filter(self, record):
        record.request_id = current_request_id.get()
        return True


class RequestLogMiddleware:
    """Gives each request an id (sent back as X-Request-ID) and writes one access-log record per request.

    The record holds the method, path (without the query string, which may carry what a visitor typed),
    status, duration and client address, never headers, cookies or bodies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        request.request_id = request_id_for(request)
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            log_access(request, response.status_code, started, request.request_id)
            return response
        finally:
            current_request_id.reset(token)


def request_id_for(request):
    """Our proxy's id for the request when it sent a sane one, else a new one."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if peer_is_trusted_proxy(request) and SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def log_access(request, status, started, request_id):
    """The one access-log record of a request (also written for answers given before Django, warm_hits.py)."""
    token = current_request_id.set(request_id)
    try:
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "client_ip": client_ip(request),
            },
        )
    finally:
        current_request_id.reset(token)


class ForwardedProtoMiddleware:
    """Believes X-Forwarded-Proto (read by SECURE_PROXY_SSL_HEADER) only from our own proxy.

    Without this, a client reaching the app directly could claim HTTPS and skip the redirect.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        proto = forwarded_proto(request)
        if proto:
            request.META["HTTP_X_FORWARDED_PROTO"] = proto
        else:
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django has no setting for, on every response (static files and error pages included)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response

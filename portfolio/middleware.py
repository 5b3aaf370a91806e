"""Site-wide request handling: request ids and the access log, forwarded headers, and security headers."""

import contextvars
import logging
import re
import time
import uuid

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed

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


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the settings' policy built once per process rather than per response.

    Responses' policies differ only by their nonce, and building one from the settings (copying every
    directive, then joining them) was about 4 % of a cold page's instructions. A response a view's
    decorator gave a policy of its own, and every response while DEBUG is on, take django-csp's own path.
    """

    OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
    NONCE_MARK = "csp-nonce-mark"  # stands for the nonce in a kept policy: no source list contains it
    HEADERS = (
        (HEADER, False, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
        (HEADER_REPORT_ONLY, True, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
    )
    _policies = {}  # (report only, with a nonce) -> the policy, its nonce as NONCE_MARK

    def process_response(self, request, response):
        if settings.DEBUG or any(getattr(response, name, None) is not None for name in self.OWN_POLICY):
            return super().process_response(request, response)
        nonce = getattr(request, "_csp_nonce", None)
        for header, report_only, exempt, setting in self.HEADERS:
            key = (report_only, nonce is not None)
            if key not in self._policies:
                self._policies[key] = build_policy(nonce=nonce and self.NONCE_MARK, report_only=report_only)
            policy = self._policies[key].replace(self.NONCE_MARK, nonce) if nonce else self._policies[key]
            excluded = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            wanted = not getattr(response, exempt, False) and not request.path_info.startswith(excluded)
            if policy and wanted and header not in response:
                response[header] = policy
        if nonce is None:  # as django-csp does: a nonce asked for after the header is written is an error
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _forget_built_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        CSPMiddleware._policies.clear()


setting_changed.connect(_forget_built_policies)

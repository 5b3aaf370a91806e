"""The public page cache.

Anonymous GETs of public pages are cached under a key that includes a content
version. Saving or deleting any content bumps the version, so every cached page
goes stale at once, with no list of keys to invalidate.

Scheduled content (a post with a future publish time) goes live without a save, so
apps register a function that says when their next scheduled item goes live
(`register_schedule`). The version remembers that moment, and the first request
after it bumps the version: the item appears on time, with no cron job.
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

VERSION_KEY = "content-version"
# Apps whose saves change what public pages show.
CONTENT_APPS = {"portfolio", "blog", "projects", "taggit", "redirects"}


# Functions returning the datetime when the next scheduled item goes live, or None.
_schedules = []


def register_schedule(func):
    """Register a function returning when the next scheduled item goes live (an aware datetime or None)."""
    if func not in _schedules:
        _schedules.append(func)
    return func


def _next_publish_timestamp():
    moments = [moment for func in _schedules if (moment := func()) is not None]
    return min(moments).timestamp() if moments else None


def _state():
    """(version, next scheduled publish as a timestamp or None), shared by every worker through the cache."""
    state = cache.get(VERSION_KEY)
    if not isinstance(state, tuple):
        fresh = (int(time.time()), _next_publish_timestamp())
        if state is None:
            cache.add(VERSION_KEY, fresh, timeout=None)  # another worker may have just set it; keep theirs
        else:
            cache.set(VERSION_KEY, fresh, timeout=None)  # a bare version from before schedules were tracked
        state = cache.get(VERSION_KEY)
        if not isinstance(state, tuple):
            state = fresh
    return state


def content_version():
    """A timestamp of the last content change; doubles as the pages' Last-Modified."""
    version, next_publish = _state()
    if next_publish is not None and time.time() >= next_publish:
        return bump_content_version()
    return version


def bump_content_version(**kwargs):
    # Strictly increasing, even for two saves within one second.
    version = max(int(time.time()), _state()[0] + 1)
    cache.set(VERSION_KEY, (version, _next_publish_timestamp()), timeout=None)
    return version


def content_changed(sender, **kwargs):
    if sender._meta.app_label in CONTENT_APPS:
        bump_content_version()


def cache_public_page(view):
    """Serve anonymous GETs from the shared cache; staff and other methods always get a fresh page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        version = content_version()
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{version}:{digest}"
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if response.status_code == 200 and not response.has_header("Cache-Control"):
                response["Last-Modified"] = http_date(version)
                patch_cache_control(response, public=True, max_age=60)
                cache.set(key, response, settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper

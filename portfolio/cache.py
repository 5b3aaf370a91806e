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
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

VERSION_KEY = "content-version"
# The only query parameters our public pages read; anything else bypasses the cache.
CACHEABLE_PARAMS = {"page", "tech"}
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
    if state is None:
        cache.add(VERSION_KEY, (time.time(), _next_publish_timestamp()), timeout=None)
        state = cache.get(VERSION_KEY)  # another worker may have just set it; theirs wins
    # None: the cache is unreachable (portfolio.resilience), so nothing is cached and any version will do.
    return state or (time.time(), _next_publish_timestamp())


def content_version():
    """A timestamp of the last content change; doubles as the pages' Last-Modified."""
    version, next_publish = _state()
    if next_publish is not None and time.time() >= next_publish:
        return bump_content_version()
    return version


def bump_content_version(**kwargs):
    # Strictly increasing, even for two saves in the same instant, yet never ahead of the clock by more
    # than a hair: it is also the pages' Last-Modified.
    version = max(time.time(), _state()[0] + 0.001)
    cache.set(VERSION_KEY, (version, _next_publish_timestamp()), timeout=None)
    return version


def content_changed(sender, **kwargs):
    if sender._meta.app_label in CONTENT_APPS:
        bump_content_version()
        # Again once the change is committed: a visitor's request between the save and the commit
        # would otherwise cache the old content under the new version.
        transaction.on_commit(bump_content_version)


def update_content(queryset, **fields):
    """queryset.update() for content, which sends no save signal; returns the number of rows changed."""
    changed = queryset.update(**fields)
    content_changed(queryset.model)
    return changed


def _page_key(request, version):
    path = request.path + "?" + urlencode(sorted(request.GET.items()))
    return f"page:{version}:{hashlib.sha256(path.encode()).hexdigest()}"


def cache_public_page(view):
    """Serve anonymous GETs from the shared cache; staff and other methods always get a fresh page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        if not CACHEABLE_PARAMS.issuperset(request.GET):
            # Unknown parameters change nothing on our pages; not caching them keeps
            # `?junk=1..N` from filling the cache and pushing real pages out.
            return view(request, *args, **kwargs)
        version = content_version()
        key = _page_key(request, version)
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if response.status_code == 200 and not response.has_header("Cache-Control"):
                response["Last-Modified"] = http_date(int(version))
                # Browsers may keep the page but must ask again each time (a cheap 304 through the
                # ETag), so an edit in the admin shows on the next visit.
                patch_cache_control(response, public=True, no_cache=True)
                cache.set(key, response, settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper

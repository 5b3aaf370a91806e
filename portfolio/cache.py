"""The public page cache.

Anonymous GETs of public pages are cached under a key that includes a content
version. Saving or deleting any content bumps the version, so every cached page
goes stale at once, with no list of keys to invalidate.
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


def content_version():
    """A timestamp of the last content change; doubles as the pages' Last-Modified."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = int(time.time())
        cache.add(VERSION_KEY, version, timeout=None)
    return version


def bump_content_version(**kwargs):
    # Strictly increasing, even for two saves within one second.
    cache.set(VERSION_KEY, max(int(time.time()), content_version() + 1), timeout=None)


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

"""Per-IP limits in the shared cache, so they hold across gunicorn workers."""

import time

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac


def client_ip(request):
    if settings.CONTACT_TRUST_X_FORWARDED_FOR:
        # Our own proxy appends the address it saw; anything to its left could be forged by the client.
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def ip_hash(request):
    """A keyed hash, so the stored value can group abuse without being an IP address."""
    return salted_hmac("contact.ip", client_ip(request)).hexdigest()[:32]


def allow(scope, key):
    """Count one submission; False once this key has used up its window (a fixed-window counter)."""
    limit, window = settings.CONTACT_RATE_LIMIT, settings.CONTACT_RATE_WINDOW_SECONDS
    bucket = int(time.time() // window)
    cache = caches["ratelimit"]
    cache_key = f"ratelimit:{scope}:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 60)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=window + 60)
        count = 1
    return count <= limit

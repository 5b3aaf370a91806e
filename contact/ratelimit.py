"""Per-IP limits in the shared cache, so they hold across gunicorn workers."""

import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac

from portfolio.clientip import client_ip

logger = logging.getLogger(__name__)


def ip_hash(request):
    """A keyed hash, so the stored value can group abuse without being an IP address."""
    return salted_hmac("contact.ip", client_ip(request)).hexdigest()[:32]


def hits(scope, key):
    """Count one submission and return this key's count in the current window (a fixed-window counter)."""
    window = settings.CONTACT_RATE_WINDOW_SECONDS
    bucket = int(time.time() // window)
    cache = caches["ratelimit"]
    cache_key = f"ratelimit:{scope}:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 60)
    try:
        return cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=window + 60)
        return 1


def over_limit(scope, request):
    """Why this submission is over the per-IP limit (for `spam_reason`), or "" when it is within it.

    A failing limiter (cache down) lets the submission through: the caller stores it either way,
    and one extra email is better than a lost message.
    """
    try:
        count = hits(scope, ip_hash(request))
    except Exception:
        logger.warning("Rate limiter unavailable; letting a %s through", scope, exc_info=True)
        return ""
    if count <= settings.CONTACT_RATE_LIMIT:
        return ""
    minutes = settings.CONTACT_RATE_WINDOW_SECONDS // 60
    window = "an hour" if minutes == 60 else f"{minutes} minutes"
    return f"Rate limited ({count} from this address within {window})."

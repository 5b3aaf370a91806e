"""Per-address limits and single-use form tokens, counted atomically so they hold across gunicorn workers.

Each counter's window opens with its first hit and lasts exactly `window` seconds: later hits never
extend it. With Redis (the "ratelimit" cache is a RedisCache) a counter is `INCR` plus `EXPIRE NX` in
one MULTI/EXEC; otherwise it is one row of `RateCounter`, bumped by a single `INSERT … ON CONFLICT DO
UPDATE … RETURNING` that SQLite and Postgres both run atomically.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from contact.models import RateCounter
from portfolio.clientip import client_ip

logger = logging.getLogger(__name__)


def ip_hash(request):
    """A keyed hash, so the stored value can group abuse without being an IP address."""
    return salted_hmac("contact.ip", client_ip(request)).hexdigest()[:32]


def _redis_hit(cache, key, window):
    cache_key = cache.make_and_validate_key(key)
    client = cache._cache.get_client(cache_key, write=True)
    pipe = client.pipeline(transaction=True)
    pipe.incr(cache_key)
    pipe.expire(cache_key, window, nx=True)  # set once, when the window opens; never pushed back
    count, _ = pipe.execute()
    return count


def _database_hit(key, window, now):
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    count_col, expires_col, key_col = (connection.ops.quote_name(name) for name in ("count", "expires_at", "key"))
    adapt = connection.ops.adapt_datetimefield_value
    now_value, expires_value = adapt(now), adapt(now + timedelta(seconds=window))
    expired = f"{table}.{expires_col} <= %s"
    sql = (
        f"INSERT INTO {table} ({key_col}, {count_col}, {expires_col}) VALUES (%s, 1, %s) "
        f"ON CONFLICT ({key_col}) DO UPDATE SET "
        f"{count_col} = CASE WHEN {expired} THEN 1 ELSE {table}.{count_col} + 1 END, "
        f"{expires_col} = CASE WHEN {expired} THEN %s ELSE {table}.{expires_col} END "
        f"RETURNING {count_col}"
    )
    # A savepoint, so a failure here can't poison the caller's transaction on Postgres.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [key, expires_value, now_value, now_value, expires_value])
        count = cursor.fetchone()[0]
        if count == 1:
            # A new window is a good moment to forget finished ones, so the table stays small.
            RateCounter.objects.filter(expires_at__lte=now).delete()
    return count


def _redis_cache():
    """The Redis cache to count in, or None to count in the database (no Redis configured)."""
    if "ratelimit" in settings.CACHES:
        cache = caches["ratelimit"]
        if isinstance(cache, RedisCache):
            return cache
    return None


def hit(key, window, now=None):
    """Count one hit on `key` and return the count in its current window, or None when the counter is down."""
    try:
        if cache := _redis_cache():
            return _redis_hit(cache, key, window)
        return _database_hit(key, window, now or timezone.now())
    except Exception:
        # Failing open: one extra email is better than a lost message or a 500.
        logger.warning("Rate limiter unavailable; letting %s through", key.split(":", 1)[0], exc_info=True)
        return None


def count_submission(scope, request):
    """This address's submissions of `scope` in the current window, this one included (None: unknown)."""
    return hit(f"{scope}:{ip_hash(request)}", settings.CONTACT_RATE_WINDOW_SECONDS)


def over_limit_reason(count):
    """Why a submission with this count is over the limit (for `spam_reason`), or "" within it."""
    if count is None or count <= settings.CONTACT_RATE_LIMIT:
        return ""
    minutes = settings.CONTACT_RATE_WINDOW_SECONDS // 60
    window = "an hour" if minutes == 60 else f"{minutes} minutes"
    return f"Rate limited ({count} from this address within {window})."


def worth_storing(count):
    """Over-limit submissions are kept as spam up to a cap; past it the counter alone records them."""
    return count is None or count <= settings.CONTACT_RATE_LIMIT + settings.CONTACT_RATE_SPAM_CAP


def first_use(token):
    """True the first time a signed form token is seen within its lifetime, False on every replay."""
    digest = hashlib.sha256(token.encode()).hexdigest()[:40]
    count = hit(f"form-token:{digest}", settings.CONTACT_FORM_MAX_AGE_SECONDS)
    return count is None or count == 1

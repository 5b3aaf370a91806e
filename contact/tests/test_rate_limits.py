"""Per-address limits and single-use form tokens: atomic, with their windows honoured, on both backends."""

import hashlib
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest import mock

import pytest
import redis
from django.core import mail
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from contact import ratelimit
from contact.forms import started_token
from contact.models import ContactMessage, RateCounter
from contact.tests.factories import contact_data
from portfolio.tests import services
from portfolio.tests.factories import make_profile

URL = reverse("contact:contact_form")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")
HOUR = 3600


def redis_or_skip():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return client


@pytest.fixture
def redis_ratelimit(settings):
    """The "ratelimit" cache on a real Redis, as when REDIS_URL is set.

    Under a prefix of its own, deleted afterwards: the database may be shared, so it is never flushed.
    """
    client = redis_or_skip()
    client.prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = settings.CACHES | {
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": client.prefix,
        }
    }
    yield client
    for key in client.scan_iter(f"{client.prefix}:*"):
        client.delete(key)


# --- the window on the database backend ------------------------------------------------------------


@pytest.mark.django_db
def test_a_database_window_lasts_exactly_its_length_from_the_first_hit():
    start = timezone.now()
    assert [ratelimit.hit("k", HOUR, now=start) for _ in range(5)] == [1, 2, 3, 4, 5]
    # Hits late in the window count on, and do not push its end back (a cache's incr reset it to 5 minutes).
    assert ratelimit.hit("k", HOUR, now=start + timedelta(minutes=30)) == 6
    assert ratelimit.hit("k", HOUR, now=start + timedelta(minutes=59)) == 7
    assert RateCounter.objects.get(key="k").expires_at == start + timedelta(hours=1)
    # An hour after the first hit, a new window opens.
    assert ratelimit.hit("k", HOUR, now=start + timedelta(minutes=61)) == 1
    assert RateCounter.objects.get(key="k").expires_at == start + timedelta(minutes=121)


@pytest.mark.django_db
def test_counters_are_per_key_and_finished_windows_are_deleted():
    start = timezone.now()
    ratelimit.hit("old", 60, now=start)
    assert ratelimit.hit("other", 60, now=start) == 1
    assert ratelimit.hit("new", 60, now=start + timedelta(minutes=5)) == 1
    assert set(RateCounter.objects.values_list("key", flat=True)) == {"new"}


@pytest.mark.django_db
def test_a_failing_database_counter_fails_open_and_says_so(monkeypatch, caplog):
    def broken(*args):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(ratelimit, "_database_hit", broken)
    assert ratelimit.hit("message:x", HOUR) is None
    assert "Rate limiter unavailable" in caplog.text


# --- the window on Redis -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_redis_window_is_set_once_by_the_first_hit_and_never_pushed_back(redis_ratelimit):
    assert [ratelimit.hit("k", HOUR) for _ in range(3)] == [1, 2, 3]
    (key,) = redis_ratelimit.keys(f"{redis_ratelimit.prefix}:*")
    ttl = redis_ratelimit.pttl(key)
    assert HOUR * 1000 - 5000 < ttl <= HOUR * 1000
    # Shorten the window as if it had nearly run out: the next hit counts on and leaves it short.
    redis_ratelimit.pexpire(key, 50_000)
    assert ratelimit.hit("k", HOUR) == 4
    assert redis_ratelimit.pttl(key) <= 50_000
    assert not RateCounter.objects.exists()


@pytest.mark.django_db
def test_redis_down_lets_messages_through_stored_emailed_and_logged(submit, settings, caplog):
    make_profile()
    settings.CACHES = settings.CACHES | {
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{services.free_port()}/0",
        }
    }
    response = submit(URL, contact_data())
    assert response.status_code == 302 and response["Location"] == reverse("contact:sent")
    message = ContactMessage.objects.get()
    assert message.status == ContactMessage.Status.NEW and message.notified_at is not None
    assert [email.to for email in mail.outbox] == [["owner@example.com"], ["grace@example.org"]]
    assert "Rate limiter unavailable" in caplog.text


# --- the time trap --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["database", "redis"])
def test_a_signed_start_time_admits_one_message_and_a_replay_is_spam(submit, request, backend):
    if backend == "redis":
        request.getfixturevalue("redis_ratelimit")
    make_profile()
    token = started_token(time.time() - 60)
    assert submit(URL, contact_data(started=token)).status_code == 302
    assert len(mail.outbox) == 2
    for _ in range(3):
        assert submit(URL, contact_data(started=token, message="Again.")).status_code == 302
    assert len(mail.outbox) == 2  # no more emails
    replays = ContactMessage.objects.filter(message="Again.")
    assert replays.count() == 3
    assert {(row.status, row.spam_reason) for row in replays} == {
        (ContactMessage.Status.SPAM, "Form timestamp reused (a replayed submission).")
    }


@pytest.mark.django_db
def test_an_expired_form_keeps_the_text_and_asks_to_send_again(submit, settings):
    make_profile()
    settings.CONTACT_FORM_MAX_AGE_SECONDS = -1  # every token is now past its lifetime
    response = submit(URL, contact_data(message="Written very slowly."))
    assert response.status_code == 200
    assert "open for a long time" in response.content.decode()
    assert "Written very slowly." in response.content.decode()
    assert ContactMessage.objects.get(message="Written very slowly.").spam_reason == "Form timestamp expired."
    assert mail.outbox == []
    settings.CONTACT_FORM_MAX_AGE_SECONDS = 60
    fresh = response.context["form"].data["started"]
    with mock.patch("contact.forms.time.time", return_value=time.time() + 5):
        assert submit(URL, contact_data(started=fresh)).status_code == 302


# --- over the limit -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_submissions_past_the_spam_cap_are_counted_not_stored(client, settings):
    settings.CONTACT_RATE_LIMIT, settings.CONTACT_RATE_SPAM_CAP = 2, 3
    statuses = [client.post(URL, contact_data()).status_code for _ in range(40)]
    assert statuses == [302] * 2 + [429] * 38
    assert ContactMessage.objects.exclude(status="spam").count() == 2
    assert ContactMessage.objects.filter(status="spam").count() == 3  # the cap: kept for review
    (counter,) = RateCounter.objects.filter(key__startswith="message:")
    assert counter.count == 40  # every one counted
    assert ContactMessage.objects.latest().spam_reason == "Rate limited (5 from this address within an hour)."


# --- concurrency: 20 posts at once from one address, against a real server ----------------------------

LIMIT, CAP, BURST = 5, 5, 20


def burst_of_posts(server, tokens=None):
    """BURST visitors from one address open the form, then all post at the same moment."""
    visitor = services.Visitor(server.port)
    opened = [visitor.open_form(URL) for _ in range(BURST)]
    if tokens is not None:
        tokens.extend(form["started"] for form in opened)
    barrier = threading.Barrier(BURST)

    def post(index):
        barrier.wait()
        data = contact_data(message=f"Burst message {index}.")
        return visitor.post_form(URL, opened[index], {k: v for k, v in data.items() if k != "started"})[0]

    with ThreadPoolExecutor(BURST) as pool:
        return sorted(pool.map(post, range(BURST)))


def assert_exactly_the_limit_got_through(statuses, database_url):
    assert statuses == [302] * LIMIT + [429] * (BURST - LIMIT)
    rows = dict(services.query(database_url, "SELECT status, COUNT(*) FROM contact_contactmessage GROUP BY status"))
    assert rows == {"new": LIMIT, "spam": CAP}
    queued = services.query(database_url, "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult")[0][0]
    assert queued == LIMIT


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_twenty_concurrent_posts_let_exactly_the_limit_through_on_the_database_backend(kind, tmp_path):
    with services.scratch_database(kind, tmp_path) as database_url:
        env = services.server_env(
            database_url,
            CONTACT_RATE_LIMIT=LIMIT,
            CONTACT_RATE_SPAM_CAP=CAP,
            CONTACT_MIN_FILL_SECONDS=0,
            TASKS_BACKEND="django_tasks_db.backend.DatabaseBackend",
        )
        with services.AppServer(env, workers=2, threads=10) as server:
            statuses = burst_of_posts(server)
        assert_exactly_the_limit_got_through(statuses, database_url)
        counter = services.query(database_url, "SELECT count FROM contact_ratecounter WHERE key LIKE ?", ["message:%"])
        assert counter == [(BURST,)]


def test_twenty_concurrent_posts_let_exactly_the_limit_through_on_redis(tmp_path):
    client = redis_or_skip()
    # The server's counter for 127.0.0.1: its secret key is this run's own, so no other run shares it.
    sender = salted_hmac("contact.ip", "127.0.0.1", secret=services.SERVER_SECRET_KEY).hexdigest()[:32]
    key = f"ratelimit:1:message:{sender}"
    tokens = []
    try:
        with services.scratch_database("sqlite", tmp_path) as database_url:
            env = services.server_env(
                database_url,
                REDIS_URL=REDIS_URL,
                REDIS_RATELIMIT_URL=REDIS_URL,  # counters in the database this test inspects
                CONTACT_RATE_LIMIT=LIMIT,
                CONTACT_RATE_SPAM_CAP=CAP,
                CONTACT_MIN_FILL_SECONDS=0,
                TASKS_BACKEND="django_tasks_db.backend.DatabaseBackend",
            )
            with services.AppServer(env, workers=2, threads=10) as server:
                statuses = burst_of_posts(server, tokens)
            assert_exactly_the_limit_got_through(statuses, database_url)
            assert services.query(database_url, "SELECT COUNT(*) FROM contact_ratecounter") == [(0,)]
            assert int(client.get(key)) == BURST
            assert 0 < client.ttl(key) <= HOUR
    finally:
        used = [f"ratelimit:1:form-token:{hashlib.sha256(token.encode()).hexdigest()[:40]}" for token in tokens]
        client.delete(key, *used)


@pytest.mark.django_db(transaction=True)
def test_concurrent_database_hits_never_lose_a_count():
    """Threads with their own connections, racing on one counter row in Postgres."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's in-memory test database locks tables across connections instead of waiting; "
            "the gunicorn test above covers SQLite on a real file"
        )

    def hit_five_times(_):
        try:
            return [ratelimit.hit("race", HOUR) for _ in range(5)]
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        counts = [count for batch in pool.map(hit_five_times, range(8)) for count in batch]
    assert sorted(counts) == list(range(1, 41))


@pytest.mark.django_db
def test_the_admin_shows_how_many_submissions_each_sender_made(admin_client, client, settings):
    settings.CONTACT_RATE_LIMIT, settings.CONTACT_RATE_SPAM_CAP = 1, 1
    for _ in range(7):
        client.post(URL, contact_data(), REMOTE_ADDR="203.0.113.9")
    html = admin_client.get(reverse("admin:contact_ratecounter_changelist")).content.decode()
    sender = ContactMessage.objects.first().ip_hash
    assert sender in html and "Messages" in html and '<td class="field-count">7</td>' in html
    assert "form-token" not in html


@pytest.mark.django_db
def test_without_a_ratelimit_cache_alias_counting_uses_the_database(settings):
    settings.CACHES = {alias: config for alias, config in settings.CACHES.items() if alias != "ratelimit"}
    assert [ratelimit.hit("k", HOUR) for _ in range(2)] == [1, 2]
    assert RateCounter.objects.get(key="k").count == 2

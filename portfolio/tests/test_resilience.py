"""Outages degrade the site instead of crashing it (findings 2 and 3), against real gunicorn processes."""

import re

import pytest
import redis
from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor

from portfolio import cache as cache_module
from portfolio import resilience, views
from portfolio.models import SiteProfile
from portfolio.resilience import CacheUnavailable, ResilientRedisCache
from portfolio.tests.factories import make_profile
from portfolio.tests.servers import OWNER_PASSWORD, QUEUE, Visitor, app_server, json_lines
from portfolio.tests.test_operations import run_django

# Nothing listens on these loopback ports (this suite's own range): a Redis and a Postgres that are down.
DEAD_REDIS = "redis://127.0.0.1:8129/0"
DEAD_POSTGRES = "postgres://postgres@127.0.0.1:8128/nowhere"
LIVE_REDIS = "redis://127.0.0.1:6379/2"
PAGES = ["/", "/blog/", "/projects/", "/feeds/rss/", "/sitemap.xml", "/sitemap-posts.xml", "/llms.txt", "/robots.txt"]


def redis_is_running():
    try:
        return redis.Redis.from_url(LIVE_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def post_url(server):
    """The address of the first post listed on /blog/."""
    html = Visitor().get(server.url + "/blog/").text
    return server.url + re.search(r'href="(/blog/(?!category|archive)[^"/]+/)"', html).group(1)


def send_a_message(visitor, server):
    fields = visitor.form(server.url + "/contact/")
    data = {**fields, "name": "Ada", "email": "ada@example.com", "topic": "other", "message": "Hello from the outage"}
    return visitor.post(server.url + "/contact/", data)


def test_with_redis_down_pages_render_uncached_limits_fail_open_and_health_says_so(site_database, tmp_path):
    env = {
        "DATABASE_URL": site_database,
        "REDIS_URL": DEAD_REDIS,
        "CONTACT_MIN_FILL_SECONDS": "0",
        "TASKS_BACKEND": QUEUE,
    }
    with app_server(8121, tmp_path, **env) as server:
        visitor = Visitor()
        for url in [*PAGES, post_url(server).removeprefix(server.url)]:
            response = visitor.get(server.url + url)
            assert response.status_code == 200, (url, response.status_code)

        health = visitor.get(server.url + "/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "degraded", "database": "up", "cache": "down"}
        # Ready all the same: every instance shares the cache, and pages render without it.
        ready = visitor.get(server.url + "/readyz")
        assert ready.status_code == 200 and ready.json()["cache"] == "down"

        # Sessions are written through to the database, so the owner can still sign in and stay signed in.
        owner = Visitor(address="198.51.100.7")
        assert owner.sign_in(server.url, "owner", OWNER_PASSWORD).status_code == 302
        assert owner.get(server.url + "/admin/").status_code == 200

        # The rate limiter cannot count, so it lets the message through rather than losing it.
        sent = send_a_message(visitor, server)
        assert sent.status_code == 302 and sent.headers["Location"].endswith("/contact/sent/")

        records = json_lines(server.log())
    messages = [record["message"] for record in records]
    assert any(message.startswith("Cache unavailable") for message in messages)
    assert any(message.startswith("Rate limiter unavailable") for message in messages)
    assert [record for record in records if record.get("status", 200) >= 500] == []


def test_with_the_database_down_cached_pages_are_served_and_the_rest_is_a_friendly_503(site_database, tmp_path):
    if not redis_is_running():
        pytest.skip("Redis is not running at 127.0.0.1:6379: cached pages outliving the database need it")
    redis.Redis.from_url(LIVE_REDIS).flushdb()
    try:
        with app_server(8122, tmp_path, DATABASE_URL=site_database, REDIS_URL=LIVE_REDIS) as healthy:
            home = Visitor().get(healthy.url + "/")
            assert home.status_code == 200

        with app_server(8122, tmp_path, DATABASE_URL=DEAD_POSTGRES, REDIS_URL=LIVE_REDIS) as server:
            visitor = Visitor()
            cached = visitor.get(server.url + "/")
            assert cached.status_code == 200
            assert cached.text == home.text

            for url in ["/blog/", "/projects/", "/robots.txt", "/no/such/page/", "/contact/", "/admin/login/"]:
                response = visitor.get(server.url + url)
                assert response.status_code == 503, (url, response.status_code)
                assert response.headers["Retry-After"] == "30"
                assert "Back in a moment" in response.text and "Traceback" not in response.text
                assert response.headers["X-Request-ID"] in response.text
            posted = visitor.post(server.url + "/contact/", {"name": "Ada"})
            assert posted.status_code in (403, 503)  # no CSRF cookie could be handed out; never a 500

            for probe in ("/healthz", "/readyz"):
                response = visitor.get(server.url + probe)
                assert response.status_code == 503
                assert response.json()["database"] == "down"
            log = server.log()
        assert "Database unavailable: answered 503" in log
    finally:
        redis.Redis.from_url(LIVE_REDIS).flushdb()


def test_a_dead_redis_reads_as_an_empty_cache_and_refuses_to_count(caplog, monkeypatch):
    monkeypatch.setattr(resilience, "_redis_down_until", {})  # a fresh process's view
    cache = ResilientRedisCache(DEAD_REDIS, {"OPTIONS": {"socket_connect_timeout": 1}})
    assert cache.get("page", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert not cache.add("a", 1) and not cache.has_key("a")
    cache.set("a", 1)  # dropped, not raised
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys that were not stored
    assert not cache.touch("a") and not cache.delete("a") and not cache.clear()
    cache.delete_many(["a", "b"])
    with pytest.raises(CacheUnavailable):
        cache.incr("hits")
    assert not cache.ping()
    # Logged once per outage, not once per call.
    assert len([r for r in caplog.records if r.message.startswith("Cache unavailable")]) == 1


def test_the_cache_is_used_again_once_redis_answers(caplog, monkeypatch):
    if not redis_is_running():
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    monkeypatch.setattr(resilience, "RETRY_REDIS_AFTER_SECONDS", 0)
    cache = ResilientRedisCache(LIVE_REDIS, {"KEY_PREFIX": "resilience-test"})
    cache._went_down(OSError("simulated outage"))
    cache.set("k", "v", timeout=None)  # the back-off is over: Redis is tried again
    assert cache.get("k") == "v"
    assert "Cache reachable again" in caplog.text
    cache.delete("k")


@pytest.mark.django_db
def test_readiness_waits_for_migrations_while_health_is_already_up(client, monkeypatch):
    assert client.get("/readyz").json() == {"status": "ok", "database": "up", "cache": "up", "migrations": "ok"}
    monkeypatch.setattr(views, "_migrations_applied", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("blog", "0099_pending")])
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json()["migrations"] == "pending"
    assert client.get("/healthz").status_code == 200


def database_down(*args, **kwargs):
    raise OperationalError("could not connect to server: Connection refused")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/robots.txt", "/no/such/page/", "/blog/"])
def test_a_database_outage_anywhere_in_a_request_is_the_friendly_503(client, monkeypatch, url):
    # The 404 page and robots.txt reach the database only through the context processor.
    monkeypatch.setattr(SiteProfile, "load", database_down)
    monkeypatch.setattr(cache_module, "content_version", database_down)
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"  # never kept by a browser or proxy
    assert response["X-Request-ID"] in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("portfolio.tests.test_logging")
def test_other_errors_stay_500s(client, monkeypatch):
    client.raise_request_exception = False
    assert client.get("/boom/").status_code == 500


@pytest.mark.django_db
def test_pages_cached_before_a_database_outage_are_still_served(client, settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    make_profile(owner_name="Ada Example")
    home = client.get("/")
    assert home.status_code == 200
    monkeypatch.setattr(cache_module, "content_version", database_down)
    monkeypatch.setattr(SiteProfile, "load", database_down)
    # What this process kept from before the outage (its page tier, the profile it read) is dropped, so
    # the pages come from the shared cache and the profile is asked for again, as after a restart.
    cache_module.forget_local_state()
    client.raise_request_exception = False
    again = client.get("/")
    assert again.status_code == 200 and again.content == home.content
    assert client.get("/projects/").status_code == 503  # never cached: nothing to serve without the database


def test_an_unreachable_postgres_fails_fast_rather_than_holding_a_worker():
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['connect_timeout'])"
    result = run_django(code, DJANGO_DEBUG="true", DATABASE_URL=DEAD_POSTGRES)
    assert result.stdout.strip() == "5", result.stderr

"""The page cache and scheduled posts: a post appears at its time even while pages are cached."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from blog.tests.factories import make_post
from portfolio.cache import VERSION_KEY, bump_content_version, content_version

pytestmark = pytest.mark.django_db


def later(seconds):
    """Move both clocks the cache and the publishing rule read."""
    now_ts, now_dt = time.time() + seconds, timezone.now() + timedelta(seconds=seconds)
    return mock.patch("portfolio.cache.time.time", return_value=now_ts), mock.patch(
        "django.utils.timezone.now", return_value=now_dt
    )


def test_anonymous_pages_are_served_from_the_cache(client):
    make_post("Cached post")
    first = client.get("/blog/")
    assert "public" in first["Cache-Control"]
    with mock.patch("blog.views.PostListView.get_queryset", side_effect=AssertionError("view ran")):
        assert client.get("/blog/").content == first.content


def test_a_scheduled_post_appears_on_cached_pages_at_its_time(client):
    make_post("Already live")
    make_post("Goes live soon", published_at=timezone.now() + timedelta(minutes=10))
    for url in ("/", "/blog/"):
        assert "Goes live soon" not in client.get(url).content.decode()  # now cached

    clock, tz_now = later(11 * 60)
    with clock, tz_now:
        for url in ("/", "/blog/"):
            assert "Goes live soon" in client.get(url).content.decode()


def test_before_its_time_a_scheduled_post_does_not_invalidate_the_cache(client):
    make_post("Goes live later", published_at=timezone.now() + timedelta(hours=1))
    version = content_version()
    clock, tz_now = later(60)
    with clock, tz_now:
        assert content_version() == version


def test_saving_content_bumps_the_version_and_remembers_the_next_publish_time():
    before = content_version()
    post = make_post("Scheduled", published_at=timezone.now() + timedelta(hours=2))
    version, next_publish = cache.get(VERSION_KEY)
    assert version > before
    assert next_publish == pytest.approx(post.published_at.timestamp())


def test_bumps_are_strictly_increasing():
    first = bump_content_version()
    assert bump_content_version() > first


def test_unknown_query_parameters_bypass_the_cache(client):
    make_post("Cached post")
    for n in range(5):
        assert client.get(f"/blog/?junk={n}").status_code == 200
    page_keys = [key for (key,) in _cache_keys() if ":page:" in key]
    assert page_keys == []


def test_the_parameters_pages_read_are_cached_in_any_order(client):
    make_post("Cached post")
    client.get("/blog/?page=1")
    client.get("/projects/?tech=go")
    assert len([key for (key,) in _cache_keys() if ":page:" in key]) == 2


def test_a_save_bumps_the_version_again_once_committed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_post("Fresh")
        during = content_version()
    assert callbacks, "the post-commit bump was not scheduled"
    for callback in callbacks:
        callback()
    assert content_version() > during


def _cache_keys():
    """The keys in the default cache's table (the database cache, as in CI)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM django_cache")
        return cursor.fetchall()

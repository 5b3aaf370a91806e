"""The page cache and scheduled posts: a post appears at its time even while pages are cached."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
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


def test_a_bare_version_left_in_the_cache_by_an_older_release_is_upgraded():
    cache.set(VERSION_KEY, 12345, timeout=None)
    assert content_version() >= 12345
    assert isinstance(cache.get(VERSION_KEY), tuple)

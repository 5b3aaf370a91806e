"""The in-process page tier: warm hits stay in the worker, writes show at once here and within the bound
elsewhere, and only anonymous, cookie-free, form-free pages are ever kept, with gzip and brotli bodies."""

import gzip
from unittest import mock

import brotli
import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.test import RequestFactory

from blog.models import Post
from blog.tests.factories import make_post
from portfolio import cache as page_cache
from portfolio.cache import cache_public_page, local_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    """The monotonic clock the version check reads, moved by hand."""
    now = [1000.0]
    with mock.patch.object(page_cache.time, "monotonic", side_effect=lambda: now[0]):
        yield now


def shared_page_keys():
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM django_cache")
        return [key for (key,) in cursor.fetchall() if ":page:" in key]


def view_runs(path="blog.views.PostListView.get_queryset"):
    """Counts the list view's runs (its queryset is built once per render)."""
    return mock.patch(path, side_effect=Post.objects.published().for_lists, autospec=False)


def test_a_warm_hit_touches_nothing_outside_the_process(client, django_assert_num_queries):
    make_post("Cached post")
    client.get("/blog/")
    with mock.patch.object(page_cache.cache, "get") as shared_get, django_assert_num_queries(0):
        assert "Cached post" in client.get("/blog/").text
    shared_get.assert_not_called()


def test_a_write_shows_at_once_in_the_process_that_made_it(client, clock):
    post = make_post("Old title")
    assert "Old title" in client.get("/blog/").text
    post.title = "New title"
    post.save()
    assert "New title" in client.get("/blog/").text  # the clock has not moved: no wait for the check


def test_a_write_from_elsewhere_shows_within_the_version_check_bound(client, clock, settings):
    settings.PAGE_CACHE_VERSION_CHECK_SECONDS = 1
    make_post("Old title")
    assert "Old title" in client.get("/blog/").text
    # A write this process does not see itself, as another worker's would be: the triggers still bump the
    # version row, and this process finds out at its next check.
    connection.execute_wrappers.remove(page_cache._note_writes)
    try:
        Post.objects.update(title="New title")
    finally:
        connection.execute_wrappers.append(page_cache._note_writes)
    clock[0] += 0.5
    assert "Old title" in client.get("/blog/").text  # within the bound: this worker's copy
    clock[0] += 0.6
    assert "New title" in client.get("/blog/").text  # past it: the version was read again


def test_staff_never_get_a_cached_page_and_never_fill_one(client, admin_client):
    make_post("Cached post")
    client.get("/blog/")  # an anonymous visitor fills both tiers
    with view_runs() as view:
        response = admin_client.get("/blog/")
    assert view.called
    assert "private" in response["Cache-Control"]
    local_pages.clear()
    cache.clear()
    admin_client.get("/")
    assert local_pages.entries == {} and shared_page_keys() == []


def test_previews_are_never_cached(client):
    post = make_post("Draft preview", status=Post.Status.DRAFT, published_at=None)
    url = post.get_preview_url()
    assert client.get(url).status_code == 200
    assert local_pages.entries == {} and shared_page_keys() == []


def _anonymous_get(path="/somewhere/"):
    request = RequestFactory().get(path)
    request.user = mock.Mock(is_authenticated=False)
    return request


def test_a_page_with_a_form_is_never_cached():
    def page_with_a_form(request):
        token = Template("{% csrf_token %}").render(Context({"csrf_token": get_token(request)}))
        return HttpResponse(f"<form method=post>{token}</form>")

    cache_public_page(page_with_a_form)(_anonymous_get())
    assert local_pages.entries == {} and shared_page_keys() == []


def test_a_response_that_sets_a_cookie_is_never_cached():
    def page_setting_a_cookie(request):
        response = HttpResponse("hello")
        response.set_cookie("seen", "1")
        return response

    cache_public_page(page_setting_a_cookie)(_anonymous_get())
    assert local_pages.entries == {} and shared_page_keys() == []


def test_an_unchanged_page_is_answered_304(client):
    make_post("Cached post")
    first = client.get("/blog/")
    again = client.get("/blog/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_a_changed_page_is_not_answered_304(client):
    post = make_post("Cached post")
    etag = client.get("/blog/")["ETag"]
    post.title = "Edited"
    post.save()
    assert client.get("/blog/", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [("gzip, deflate", "gzip", gzip.decompress), ("gzip, deflate, br", "br", brotli.decompress)],
)
def test_the_compressed_body_is_the_plain_one(client, accept, encoding, decode):
    make_post("Compressed post")
    plain = client.get("/blog/")  # a miss: stored, then served plain
    for _ in range(2):  # the response that stored it, then a hit
        compressed = client.get("/blog/", headers={"Accept-Encoding": accept})
        assert compressed["Content-Encoding"] == encoding
        assert "Accept-Encoding" in compressed["Vary"]
        assert decode(compressed.content) == plain.content
        assert compressed["ETag"] == plain["ETag"]


def test_no_encoding_is_used_that_the_client_refused(client):
    make_post("Post")
    client.get("/blog/")
    response = client.get("/blog/", headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert not response.has_header("Content-Encoding")
    assert b"Post" in response.content


def test_page_cache_seconds_0_turns_every_tier_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    make_post("Cold post")
    with view_runs() as view:
        client.get("/blog/")
        client.get("/blog/")
    assert view.call_count == 2
    assert local_pages.entries == {} and shared_page_keys() == []


def test_the_local_tier_keeps_to_its_byte_cap(client, settings):
    make_post("Post", tags=["One", "Two"])
    client.get("/blog/")
    one_page = local_pages.bytes
    settings.PAGE_CACHE_LOCAL_BYTES = int(one_page * 2.5)
    for url in ("/", "/tags/one/", "/tags/two/", "/blog/archive/"):
        client.get(url)
    assert 0 < local_pages.bytes <= settings.PAGE_CACHE_LOCAL_BYTES
    assert len(local_pages.entries) == 2
    # The least recently used went first; the newest stay.
    assert all(page.body for page in local_pages.entries.values())


def test_a_worker_whose_tier_was_emptied_refills_it_from_the_shared_cache(client):
    make_post("Shared post")
    client.get("/blog/")
    local_pages.clear()  # as a second worker starts empty
    with view_runs() as view:
        assert "Shared post" in client.get("/blog/").text
    assert not view.called
    assert len(local_pages.entries) == 1


def test_per_version_memos_follow_writes_and_scheduled_posts(settings):
    from datetime import timedelta

    from django.utils import timezone

    from blog.views import live_post_count

    make_post("Live")
    scheduled = make_post("Soon", published_at=timezone.now() + timedelta(hours=1))
    assert live_post_count() == 1
    make_post("Another")
    assert live_post_count() == 2  # a write: counted again
    later = scheduled.published_at + timedelta(seconds=1)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        mock.patch.object(page_cache.time, "time", return_value=later.timestamp()),
    ):
        assert live_post_count() == 3  # the scheduled post went live: counted again


def test_the_list_pages_count_follows_a_new_post(client):
    for number in range(10):
        make_post(f"Post {number}")
    assert "Page 1 of 2" not in client.get("/blog/").text
    make_post("The eleventh")
    assert "Page 1 of 2" in client.get("/blog/").text

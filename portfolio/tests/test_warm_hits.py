"""The layer in front of Django: a warm anonymous GET is answered from the page tier with the headers the
whole stack gives it, and everything Django must see (staff, writes, conditional requests, unknown
hosts) still reaches Django."""

import gzip
import io
import logging
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import brotli
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.utils import timezone

from blog.models import Post
from blog.tests.factories import make_post
from portfolio import cache as page_cache
from portfolio import warm_hits
from portfolio.tests.servers import Visitor, app_server
from portfolio.warm_hits import WarmHits, routes

pytestmark = pytest.mark.django_db

# Headers that are the request's own, not the page's.
PER_REQUEST = {"x-request-id", "date"}


@contextmanager
def site_over_django():
    """The site's WSGI application as gunicorn runs it, over Django's own handler (spied on)."""
    # As Django's test client does: a request's end must not close the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    routes.clear()
    django = mock.Mock(side_effect=WSGIHandler())
    try:
        yield WarmHits(django), django
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        routes.clear()


@pytest.fixture
def site():
    with site_over_django() as app_and_django:
        yield app_and_django


def get(app, path="/blog/", method="GET", query="", **environ):
    base = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
    }
    answered = {}

    def start_response(status, headers, exc_info=None):
        answered.update(status=status, headers={name.lower(): value for name, value in headers})

    body = b"".join(app({**base, **environ}, start_response))
    return int(answered["status"].split()[0]), answered["headers"], body


def warm_up(app, path="/blog/", **environ):
    """A render that stores the page, then a hit Django answers from the tier (which teaches the route)."""
    get(app, path, **environ)
    return get(app, path, **environ)


def page_headers(headers):
    return {name: value for name, value in headers.items() if name not in PER_REQUEST}


def test_a_warm_hit_is_answered_before_django_with_the_headers_the_stack_gave_it(site):
    app, django = site
    make_post("Warm post")
    _, stack_headers, stack_body = warm_up(app)
    django.reset_mock()
    status, headers, body = get(app)
    assert not django.called
    assert status == 200 and body == stack_body and b"Warm post" in body
    assert page_headers(headers) == page_headers(stack_headers)
    # The site's security headers came from the middleware and are kept.
    for name in ("content-security-policy", "permissions-policy", "x-frame-options", "etag", "vary"):
        assert name in headers
    assert headers["content-length"] == str(len(body))
    assert headers["x-request-id"] != stack_headers["x-request-id"]
    assert len({get(app)[1]["x-request-id"] for _ in range(3)}) == 3


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"), [("gzip", "gzip", gzip.decompress), ("br, gzip", "br", brotli.decompress)]
)
def test_a_warm_hit_comes_in_the_encoding_the_client_accepts(site, accept, encoding, decode):
    app, django = site
    make_post("Compressed post")
    _, _, plain = warm_up(app)
    django.reset_mock()
    _, headers, body = get(app, HTTP_ACCEPT_ENCODING=accept)
    assert not django.called
    assert headers["content-encoding"] == encoding
    assert headers["content-length"] == str(len(body))
    assert decode(body) == plain
    _, headers, body = get(app, HTTP_ACCEPT_ENCODING="br;q=0, gzip;q=0")
    assert "content-encoding" not in headers and body == plain


@pytest.mark.parametrize(
    "request_environ",
    [
        pytest.param({"REQUEST_METHOD": "HEAD"}, id="HEAD"),
        pytest.param({"HTTP_IF_NONE_MATCH": '"x"'}, id="conditional"),
        pytest.param({"HTTP_IF_MODIFIED_SINCE": "Fri, 27 Nov 2026 06:00:00 GMT"}, id="if-modified-since"),
        pytest.param({"HTTP_COOKIE": "sessionid=abc"}, id="signed-in"),
        pytest.param({"HTTP_COOKIE": "csrftoken=x; messages=abc"}, id="flash-message"),
        pytest.param({"QUERY_STRING": "page=2"}, id="another-route"),
        pytest.param({"HTTP_HOST": "localhost"}, id="another-host"),
        pytest.param({"HTTP_X_FORWARDED_PROTO": "https"}, id="another-scheme-from-a-trusted-proxy"),
    ],
)
def test_requests_the_layer_has_not_seen_answered_go_to_django(site, settings, request_environ):
    settings.TRUSTED_PROXY_HOPS = 1  # REMOTE_ADDR is our proxy, so its scheme header counts
    app, django = site
    for number in range(12):
        make_post(f"Post {number}")
    warm_up(app)
    django.reset_mock()
    get(app, **request_environ)
    assert django.called


def test_a_forwarded_scheme_from_anyone_but_our_proxy_is_no_new_route(site):
    app, django = site
    make_post("Post")
    warm_up(app)
    django.reset_mock()
    get(app, HTTP_X_FORWARDED_PROTO="https")  # no trusted proxies: Django ignores the header too
    assert not django.called


def test_an_unknown_host_is_still_refused(site):
    app, _ = site
    make_post("Post")
    warm_up(app)
    status, _, _ = get(app, HTTP_HOST="evil.example")
    assert status == 400


def test_a_write_by_this_process_shows_on_the_next_request(site):
    app, django = site
    post = make_post("Old title")
    warm_up(app)
    post.title = "New title"
    post.save()
    django.reset_mock()
    _, _, body = get(app)
    assert django.called and b"New title" in body


def test_a_write_elsewhere_shows_once_the_version_check_is_due(site, settings):
    app, django = site
    settings.PAGE_CACHE_VERSION_CHECK_SECONDS = 1
    make_post("Old title")
    now = [1000.0]
    with (
        mock.patch.object(page_cache.time, "monotonic", side_effect=lambda: now[0]),
        mock.patch.object(warm_hits.time, "monotonic", side_effect=lambda: now[0]),
    ):
        warm_up(app)
        # Another worker's write: this process's own write watcher does not see it.
        connection.execute_wrappers.remove(page_cache._note_writes)
        try:
            Post.objects.update(title="New title")
        finally:
            connection.execute_wrappers.append(page_cache._note_writes)
        now[0] += 0.5
        django.reset_mock()
        assert b"Old title" in get(app)[2] and not django.called  # within the bound
        now[0] += 0.6
        assert b"New title" in get(app)[2] and django.called  # past it: Django read the version again


def test_a_page_past_its_expiry_goes_to_django(site):
    app, django = site
    make_post("Post")
    warm_up(app)
    django.reset_mock()
    with mock.patch.object(page_cache.time, "time", return_value=page_cache.time.time() + 10**6):
        get(app)
    assert django.called


def test_page_cache_seconds_0_sends_everything_to_django(site, settings):
    app, django = site
    make_post("Post")
    warm_up(app)
    settings.PAGE_CACHE_SECONDS = 0
    django.reset_mock()
    get(app)
    assert django.called


def test_the_route_table_is_bounded(site, monkeypatch):
    app, _ = site
    monkeypatch.setattr(warm_hits, "MAX_ROUTES", 2)
    make_post("Post", tags=["One"])
    for path in ("/blog/", "/", "/tags/one/"):
        warm_up(app, path)
    assert len(routes.entries) <= 2


def test_a_warm_hit_writes_its_access_record(site, caplog):
    app, django = site
    make_post("Post")
    warm_up(app)
    django.reset_mock()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="portfolio.access"):
        _, headers, _ = get(app, REMOTE_ADDR="192.0.2.7")
    assert not django.called
    (record,) = [record for record in caplog.records if record.name == "portfolio.access"]
    assert (record.method, record.path, record.status, record.client_ip) == ("GET", "/blog/", 200, "192.0.2.7")
    assert record.request_id == headers["x-request-id"]


def test_gunicorn_answers_warm_hits_with_the_full_set_of_headers(site_database, tmp_path):
    with app_server(8131, tmp_path, DATABASE_URL=site_database) as server:
        visitor = Visitor()
        answers = [visitor.get(server.url + "/blog/") for _ in range(4)]
    assert all(answer.status_code == 200 for answer in answers)
    assert len({answer.text for answer in answers}) == 1
    stack_hit, *warm = answers[1:]
    for answer in warm:
        assert {name.lower() for name in answer.headers} - PER_REQUEST == {
            name.lower() for name in stack_hit.headers
        } - PER_REQUEST
        for name in ("Content-Security-Policy", "Permissions-Policy", "ETag", "Vary", "Cache-Control"):
            assert answer.headers[name] == stack_hit.headers[name]
    assert len({answer.headers["X-Request-ID"] for answer in answers}) == 4


def test_a_page_rendered_again_under_the_same_version_gets_its_own_headers(site):
    app, django = site
    make_post("Live post")
    scheduled = make_post("Scheduled post", published_at=timezone.now() + timedelta(hours=1))
    _, before, _ = warm_up(app)
    later = scheduled.published_at + timedelta(seconds=1)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        mock.patch.object(page_cache.time, "time", return_value=later.timestamp()),
    ):
        # No write: the post going live ends the page's life, and the same key is rendered again.
        get(app)
        _, stack_hit, _ = get(app)
        django.reset_mock()
        _, headers, body = get(app)
    assert not django.called
    assert b"Scheduled post" in body
    assert headers["etag"] == stack_hit["etag"] != before["etag"]


def cookie_setting_middleware(get_response):
    def middleware(request):
        response = get_response(request)
        response.set_cookie("seen", "1")
        return response

    return middleware


def test_an_answer_that_sets_a_cookie_is_never_replayed(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.cookie_setting_middleware"]
    make_post("Post")
    with site_over_django() as (app, django):  # after the setting: the handler reads it once
        warm_up(app)
        django.reset_mock()
        _, headers, _ = get(app)
        assert routes.entries == {}
    assert django.called and "set-cookie" in headers

"""Warming after a publish: the pages a publish changed are in the shared cache before anyone asks for
them, so the first reader after a publish is served a stored page, never a cold render."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult

from blog.models import Post
from blog.tests.factories import make_category, make_draft, make_post, post_form_data
from portfolio import cache as page_cache
from portfolio.cache import (
    StoredPage,
    bump_content_version,
    cache_public_page,
    content_version,
    local_pages,
    warm_pages,
)
from portfolio.publishing import PublishableQuerySet
from portfolio.tasks import warm_published_pages
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


# A small site of its own (`@pytest.mark.urls(__name__)`), whose views note every request they answer.
requests_answered = []


def cached_page(request):
    requests_answered.append(request)
    return HttpResponse("a cached page")


def uncached_page(request):
    requests_answered.append(request)
    return HttpResponse("a page never cached")


def page_setting_a_cookie(request):
    requests_answered.append(request)
    response = HttpResponse("a page of this visitor's own")
    response.set_cookie("seen", "1")
    return response


def gone_page(request):
    raise Http404


def broken_page(request):
    raise RuntimeError("a template bug")


urlpatterns = [
    # Wrapped again outside the page cache, as a require_* decorator would.
    path("cached/", require_safe(cache_public_page(cached_page)), name="cached"),
    path("uncached/", uncached_page),
    path("cookie/", cache_public_page(page_setting_a_cookie)),
    path("gone/", cache_public_page(gone_page)),
    path("broken/", cache_public_page(broken_page)),
]


@pytest.fixture(autouse=True)
def _no_requests_answered_yet():
    requests_answered.clear()


def stored(url):
    """The page the shared cache holds for an anonymous GET of `url` under the current version, or None."""
    page = cache.get(page_cache._page_key(RequestFactory().get(url), content_version()))
    return page if isinstance(page, StoredPage) else None


def shared_page_keys():
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM django_cache")
        return [key for (key,) in cursor.fetchall() if ":page:" in key]


@pytest.fixture
def warming_tasks():
    """The arguments of every warming task queued during the test."""
    queued = []

    def note(sender, task_result, **kwargs):
        if task_result.task.name == "warm_published_pages":
            queued.append(task_result.args)

    task_enqueued.connect(note)
    yield queued
    task_enqueued.disconnect(note)


@pytest.fixture
def publish(admin_client, django_capture_on_commit_callbacks):
    """Adds a post through the admin's change form, then runs what waited for the commit, as Django would."""

    def publish(**overrides):
        data = post_form_data(
            make_category(),
            title="Fresh from the admin",
            slug="fresh-from-the-admin",
            tags="#AIInfrastructure #Café",
            summary="A post published through the admin.",
            body="## First\n\nSome text.\n",
            **overrides,
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(reverse("admin:blog_post_add"), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        return Post.objects.get(slug=data["slug"])

    return publish


# After a publish ------------------------------------------------------------------------------------


def test_a_post_published_in_the_admin_is_stored_before_its_first_reader_asks(publish, client):
    post = publish()
    urls = [
        "/",
        "/blog/",
        "/blog/archive/",
        f"/blog/archive/?year={timezone.localtime(post.published_at).year}",
        post.get_absolute_url(),
        post.category.get_absolute_url(),
        "/tags/aiinfrastructure/",
        "/tags/caf%C3%A9/",
        "/feeds/rss/",
        "/feeds/atom/",
        "/feeds/json/",
    ]
    for url in urls:
        assert stored(url), url  # under the version the publish left

    # Another worker's first reads: nothing in its own tier, everything in the shared one.
    local_pages.clear()
    with mock.patch.object(
        PublishableQuerySet, "published", autospec=True, side_effect=PublishableQuerySet.published
    ) as published:
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.served_from_tier, url
    published.assert_not_called()  # no view ran


def test_publish_now_warms_the_pages_of_what_it_published(admin_client, django_capture_on_commit_callbacks):
    draft = make_draft(tags=["Rust"])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:blog_post_changelist"), {"action": "publish_now", "_selected_action": [draft.pk]}
        )
    for url in ["/", "/blog/", draft.get_absolute_url(), "/tags/rust/"]:
        assert stored(url), url


def test_a_project_published_in_code_warms_home_the_list_its_page_and_its_tech_pages(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        project = make_project(tech=["Go"])  # the tech is added after the save, in the same transaction
    for url in ["/", "/projects/", project.get_absolute_url(), "/tags/go/", "/projects/?tech=go"]:
        assert stored(url), url


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": "draft"},
        {"published_at_0": (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d"), "published_at_1": "12:00:00"},
    ],
    ids=["draft", "scheduled"],
)
def test_a_save_that_leaves_the_post_not_live_warms_nothing(publish, warming_tasks, overrides):
    # The inline queue (the default) can't wait for a scheduled post's time; the database queue can (below).
    publish(**overrides)
    assert warming_tasks == []
    assert shared_page_keys() == []


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection, as in production
def test_the_database_queue_warms_a_scheduled_posts_pages_as_it_goes_live(settings, warming_tasks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    goes_live = timezone.now() + timedelta(seconds=2)
    post = make_post("Scheduled for later", tags=["Raft"], published_at=goes_live)
    assert warming_tasks == [["blog.post", [post.pk]]]
    assert DBTaskResult.objects.get().run_after == goes_live

    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay")
    assert shared_page_keys() == []  # not yet: the task waits for the post's time

    time.sleep(max(0, (goes_live - timezone.now()).total_seconds()) + 0.2)
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay")
    for url in ("/", "/blog/", post.get_absolute_url(), "/tags/raft/", "/feeds/rss/"):
        page = stored(url)
        assert page is not None, url
        assert b"Scheduled for later" in page.response(RequestFactory().get(url)).content, url


def test_a_rescheduled_posts_old_warming_task_warms_nothing(settings):
    post = make_post("Moved", published_at=timezone.now() + timedelta(days=1))
    assert warm_published_pages.call("blog.post", [post.pk]) == 0
    assert shared_page_keys() == []


def test_with_the_page_cache_off_a_publish_queues_no_warming(publish, warming_tasks, settings):
    settings.PAGE_CACHE_SECONDS = 0
    publish()
    assert warming_tasks == []
    assert shared_page_keys() == []


def test_a_warming_failure_never_breaks_the_admin_save(publish, caplog):
    with mock.patch.object(page_cache.cache, "set", side_effect=ConnectionError("the cache is down")):
        post = publish()
    assert post.is_live
    assert "Warming / failed" in caplog.text
    assert shared_page_keys() == []


def test_a_queue_that_is_down_never_breaks_the_admin_save(publish):
    down = mock.Mock(**{"enqueue.side_effect": DatabaseError("the task table is unreachable")})
    with mock.patch("portfolio.tasks.warm_published_pages", down):
        post = publish()
    down.enqueue.assert_called_once()
    assert post.is_live


# warm_pages itself ----------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_only_cached_public_pages_are_warmed_and_as_an_anonymous_reader():
    assert warm_pages(["/cached/", "/uncached/", "/nowhere/", "/gone/", "/cookie/"]) == ["/cached/"]
    request, _ = requests_answered  # the cached page's and the cookie page's: the uncached page's view never ran
    assert isinstance(request.user, AnonymousUser) and not request.COOKIES
    assert request.resolver_match.url_name == "cached"
    assert stored("/cached/").body == b"a cached page"


@pytest.mark.urls(__name__)
def test_pages_are_stored_under_the_version_just_committed_not_the_one_this_process_last_read(settings):
    settings.PAGE_CACHE_VERSION_CHECK_SECONDS = 10**6
    page_cache.recent_content_version()
    # Another process publishes: a write this process does not see itself.
    connection.execute_wrappers.remove(page_cache._note_writes)
    try:
        bump_content_version()
    finally:
        connection.execute_wrappers.append(page_cache._note_writes)
    warm_pages(["/cached/"])
    assert stored("/cached/")


@pytest.mark.urls(__name__)
def test_one_failing_page_is_logged_and_the_others_are_still_warmed(caplog):
    assert warm_pages(["/broken/", "/cached/"]) == ["/cached/"]
    assert "Warming /broken/ failed" in caplog.text


@pytest.mark.urls(__name__)
def test_an_unreachable_database_is_logged_not_raised(caplog):
    with mock.patch.object(page_cache, "recent_content_version", side_effect=DatabaseError("down")):
        assert warm_pages(["/cached/"]) == []
    assert "Warming stopped" in caplog.text


@pytest.mark.urls(__name__)
def test_with_the_page_cache_off_nothing_is_rendered(settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert warm_pages(["/cached/"]) == []
    assert requests_answered == []

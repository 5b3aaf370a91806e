"""The page cache follows every write, from any process, and scheduled posts appear on time."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.contrib.redirects.models import Redirect
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from taggit.models import Tag

from blog.models import Category, Post
from blog.tests.factories import make_category, make_post
from portfolio.cache import bump_content_version, content_version
from portfolio.models import ContentVersion, FocusArea, SiteProfile
from portfolio.tests.factories import make_profile
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_anonymous_pages_are_served_from_the_cache(client):
    make_post("Cached post")
    first = client.get("/blog/")
    assert "public" in first["Cache-Control"]
    with mock.patch("blog.views.PostListView.get_queryset", side_effect=AssertionError("view ran")):
        assert client.get("/blog/").content == first.content


def _goes_live_in(seconds):
    return timezone.now() + timedelta(seconds=seconds)


def _wait_until(moment):
    """Move every clock (the publishing rule's, the cache entries' expiry) to just past `moment`."""
    return time_machine.travel(moment + timedelta(seconds=1), tick=False)


def test_a_scheduled_post_appears_on_cached_pages_at_its_time(client):
    make_post("Already live")
    post = make_post("Goes live soon", published_at=_goes_live_in(5 * 60))  # well inside PAGE_CACHE_SECONDS
    for url in ("/", "/blog/"):
        assert "Goes live soon" not in client.get(url).content.decode()  # now cached
    with _wait_until(post.published_at):
        for url in ("/", "/blog/"):
            assert "Goes live soon" in client.get(url).content.decode()


def test_a_page_cached_before_a_scheduled_post_lives_only_until_its_time(client):
    make_post("Goes live later", published_at=timezone.now() + timedelta(minutes=10))
    with mock.patch("portfolio.cache.cache.set") as cache_set:
        client.get("/blog/")
    lifetime = cache_set.call_args.args[2]
    assert 9 * 60 < lifetime <= 10 * 60


def test_a_write_bumps_the_version():
    before = content_version()
    make_post("New")
    assert content_version() > before


def test_a_scheduled_project_appears_on_cached_pages_at_its_time(client):
    make_project("Already out")
    project = make_project("Launching soon", published_at=_goes_live_in(5 * 60))  # well inside PAGE_CACHE_SECONDS
    assert "Launching soon" not in client.get("/projects/").content.decode()
    with _wait_until(project.published_at):
        assert "Launching soon" in client.get("/projects/").content.decode()


def test_bumps_are_strictly_increasing():
    first = bump_content_version()
    assert bump_content_version() > first


def test_the_version_row_comes_back_after_a_flush_with_a_version_never_used_before():
    before = content_version()
    ContentVersion.objects.all().delete()
    assert content_version() > before


def test_pages_keep_their_version_when_nothing_changes(client):
    make_post("Steady")
    version = content_version()
    client.get("/")
    client.get("/blog/")
    assert content_version() == version


def test_unknown_query_parameters_bypass_the_cache(client):
    make_post("Cached post")
    for n in range(5):
        assert client.get(f"/blog/?junk={n}").status_code == 200
    assert _page_keys() == []


def test_the_parameters_pages_read_are_cached(client):
    make_post("Cached post")
    make_project("Tool", tech=["Go"])
    client.get("/blog/?page=1")
    client.get("/projects/?tech=go")
    assert len(_page_keys()) == 2


@pytest.mark.parametrize(
    "url",
    [
        "/?page=2",  # the home page reads no parameter
        "/blog/?page=01",  # not the canonical spelling of a page number
        "/blog/?page=0",
        "/blog/?page=99999",
        "/blog/?page=1&page=2",
        "/projects/?tech=no-such-tech",  # a tech tag that exists on no project
        "/projects/?page=1",
    ],
)
def test_visitors_cannot_mint_cache_entries_with_parameters(client, url):
    make_post("Cached post")
    make_project("Tool", tech=["Go"])
    client.get(url)
    assert _page_keys() == []


def test_responses_that_set_cookies_are_never_cached(client):
    make_post("Cached post")
    client.get("/contact/")  # the form sets the CSRF cookie
    assert _page_keys() == []


# Every way content can change, each seen through HTTP on the next request.


def _fresh(client, url, old, new, change):
    assert old in client.get(url).content.decode()  # cached now
    change()
    html = client.get(url).content.decode()
    assert new in html and old not in html


def test_a_save_shows_on_the_next_request(client):
    post = make_post("Old title")

    def change():
        post.title = "New title"
        post.save()

    _fresh(client, "/blog/", "Old title", "New title", change)


def test_a_bulk_update_shows_on_the_next_request(client):
    make_post("Old title")
    _fresh(client, "/blog/", "Old title", "New title", lambda: Post.objects.update(title="New title"))


def test_a_bulk_delete_shows_on_the_next_request(client):
    make_post("Keep me")
    make_post("Old title")
    _fresh(client, "/blog/", "Old title", "Keep me", lambda: Post.objects.filter(title="Old title").delete())


def test_deleting_one_post_shows_on_the_next_request(client):
    make_post("Keep me")
    post = make_post("Old title")
    _fresh(client, "/blog/", "Old title", "Keep me", post.delete)


def test_adding_and_removing_tags_shows_on_the_next_request(client):
    post = make_post("Tagged", tags=["Storage"])
    _fresh(client, f"/blog/{post.slug}/", "#Storage", "#Consensus", lambda: post.tags.set(["Consensus"]))


def test_renaming_a_tag_shows_on_the_next_request(client):
    post = make_post("Tagged", tags=["Storage"])
    _fresh(client, f"/blog/{post.slug}/", "#Storage", "#Disks", lambda: Tag.objects.update(name="Disks"))


def test_a_category_rename_by_update_shows_on_the_next_request(client):
    make_post("In a category", category=make_category("Old category"))
    _fresh(client, "/blog/", "Old category", "New category", lambda: Category.objects.update(name="New category"))


def test_a_project_bulk_update_shows_on_the_next_request(client):
    make_project("Old project", summary="A tool.")
    _fresh(client, "/projects/", "Old project", "New project", lambda: Project.objects.update(title="New project"))


def test_the_home_page_follows_profile_and_focus_area_updates(client):
    make_profile(headline="Old headline")
    FocusArea.objects.create(title="Old area", description="x")
    _fresh(client, "/", "Old headline", "New headline", lambda: SiteProfile.objects.update(headline="New headline"))
    _fresh(client, "/", "Old area", "New area", lambda: FocusArea.objects.update(title="New area"))


def test_a_new_redirect_takes_effect_at_once(client):
    make_post("Target", slug="target")
    assert client.get("/old-address/").status_code == 404
    Redirect.objects.create(site_id=1, old_path="/old-address/", new_path="/blog/target/")
    assert client.get("/old-address/").status_code == 301


def test_an_admin_bulk_action_shows_on_the_next_request(admin_client, client):
    post = make_post("Going away")
    assert "Going away" in client.get("/blog/").content.decode()
    admin_client.post("/admin/blog/post/", {"action": "unpublish", "_selected_action": [post.pk]})
    assert "Going away" not in client.get("/blog/").content.decode()


def test_a_management_command_shows_on_the_next_request(client):
    make_post("Seeded later")
    before = client.get("/").content.decode()
    call_command("seed_demo", verbosity=0)
    assert client.get("/").content.decode() != before


def test_raw_sql_from_a_data_migration_shows_on_the_next_request(client):
    make_post("Old title")
    table = connection.ops.quote_name(Post._meta.db_table)

    def change():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET title = %s", ["New title"])

    _fresh(client, "/blog/", "Old title", "New title", change)


def _page_keys():
    """The page entries in the default cache's table (the database cache, as in CI)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM django_cache")
        return [key for (key,) in cursor.fetchall() if ":page:" in key]


# Another process, with other cache settings, sharing only the database.


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_available():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _django(args, env, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, text=True, timeout=120, **kwargs)


@pytest.mark.skipif(not _redis_available(), reason="needs Redis at 127.0.0.1:6379 (CI and these machines have it)")
def test_a_write_from_a_process_with_other_cache_settings_shows_on_the_web_server(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    base |= {"DJANGO_DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}"}
    web_env = base | {"REDIS_URL": "redis://127.0.0.1:6379/15"}  # the web server caches pages in Redis
    shell_env = base  # the shell has no REDIS_URL: its cache is a database table the server never reads
    _django(["migrate", "--noinput"], shell_env, check=True, capture_output=True)
    _django(["createcachetable"], shell_env, check=True, capture_output=True)
    _django(["seed_demo"], shell_env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=web_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = _get_when_up(f"http://127.0.0.1:{port}/blog/")
        assert page == _get_when_up(f"http://127.0.0.1:{port}/blog/")  # served from Redis now
        assert "Renamed from the shell" not in page
        code = "from blog.models import Post; Post.objects.filter(pk=Post.objects.first().pk).update(title='Renamed from the shell')"  # noqa: E501
        _django(["shell", "-c", code], shell_env, check=True, capture_output=True)
        # The server reads the version at most once a second (PAGE_CACHE_VERSION_CHECK_SECONDS): the
        # write shows within that bound, so the page is asked for until then, plus a margin for a busy machine.
        assert _shows_within(f"http://127.0.0.1:{port}/blog/", "Renamed from the shell", seconds=3)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _shows_within(url, text, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in _get_when_up(url):
            return True
        time.sleep(0.1)
    return False


def _get_when_up(url, attempts=100):
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def test_with_redis_rate_limit_counters_live_in_their_own_database():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.CACHES['default']['LOCATION'], s.CACHES['ratelimit']['LOCATION'])",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_DEBUG": "true",
            "REDIS_URL": "redis://127.0.0.1:6379/2",
            "DJANGO_SETTINGS_MODULE": "portfolio.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379/3"], result.stderr

"""Pages cost a fixed number of queries, whatever the number of posts (measured on a cache miss)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Post
from blog.related import rebuild_all as rebuild_related
from blog.sitemaps import PostSitemap
from blog.tests.factories import make_category, make_many_posts, make_series

pytestmark = pytest.mark.django_db

# The budgets of issue 7, for an anonymous visitor's cache miss in a worker's steady state (see the
# count_queries fixture): the content version and the site profile and links are read once per version
# per process, so a page pays only its own queries. Counted with an in-memory cache, so the database
# cache's own queries don't blur the view's.
# - home: focus areas, featured projects and their tech, recent posts and their tags;
# - list: count, posts, tags; category: the category too;
# - post: the post (with its category, series and tags) and the posts around it (previous/next, series,
#   related) in one statement; the projects listing posts in their build log, once per version;
# - tag: the tag with its post count, posts, their tags, projects and their tech;
# - feed: the profile, posts, tags;
# - sitemap (the index): the live posts' count and newest change, the live categories, the live projects;
# - sitemap_posts (a page of the posts sitemap): the live posts' count, then the page's slice.
QUERY_BUDGET = {
    "home": 6,
    "list": 5,
    "detail": 6,
    "tag": 6,
    "category": 5,
    "archive": 4,
    "feed": 4,
    "sitemap": 4,
    "sitemap_posts": 2,
}


@pytest.fixture(autouse=True)
def memory_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def page_urls(posts, category):
    middle = posts[len(posts) // 2]
    return {
        "list": "/blog/",
        "detail": middle.get_absolute_url(),
        "tag": "/tags/systems/",
        "category": category.get_absolute_url(),
        "archive": "/blog/archive/",
        "home": "/",
        "feed": "/feeds/rss/",
        "sitemap": "/sitemap.xml",
        "sitemap_posts": "/sitemap-posts.xml",
    }


@pytest.mark.parametrize("page", ["home", "list", "detail", "tag", "category", "feed", "sitemap", "sitemap_posts"])
def test_pages_cost_the_same_queries_with_300_posts_as_with_3(client, page, count_queries):
    category = make_category(slug="systems-category")
    series = make_series()
    posts = make_many_posts(3, category=category, tags=["Systems", "Agents"], series=series)
    rebuild_related()
    few = count_queries(page_urls(posts, category)[page])

    posts += make_many_posts(297, category=category, tags=["Systems", "Agents"], series=series)
    rebuild_related()
    many = count_queries(page_urls(posts, category)[page])
    assert many == few
    assert many <= QUERY_BUDGET[page]


def test_the_post_page_shows_what_its_one_navigation_query_found(client):
    category = make_category()
    posts = make_many_posts(30, category=category, tags=["Systems"], series=make_series())
    outside_series = make_many_posts(5, category=category, tags=["Systems"])
    rebuild_related()
    response = client.get(posts[15].get_absolute_url())
    assert response.context["previous_post"] == posts[16]
    assert response.context["next_post"] == posts[14]
    assert response.context["related_posts"] == outside_series[:3]
    assert response.context["series_posts"] == sorted(posts, key=lambda post: post.series_order)
    assert response.context["series_position"] == 16


def test_the_archive_loads_one_years_posts_in_a_fixed_number_of_queries(client, count_queries):
    posts = make_many_posts(300, category=make_category(), tags=["Systems"])
    a_year_ago = timezone.now() - timedelta(days=400)
    Post.objects.filter(pk__in=[post.pk for post in posts[100:]]).update(published_at=a_year_ago)
    assert count_queries("/blog/archive/") <= QUERY_BUDGET["archive"]
    loaded = []

    def count_loaded_post(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(count_loaded_post, sender=Post)
    try:
        client.get(f"/blog/archive/?year={timezone.localtime(a_year_ago).year}")
    finally:
        post_init.disconnect(count_loaded_post, sender=Post)
    assert len(loaded) == 200


def test_the_sitemap_index_and_its_posts_pages_cost_the_same_with_300_posts_as_with_3(monkeypatch, count_queries):
    # Ten posts to a page: 3 posts are one page, 300 are thirty, and neither the index nor a page pays for that.
    monkeypatch.setattr(PostSitemap, "limit", 10)
    category = make_category()
    make_many_posts(3, category=category, tags=["Systems"])
    few = [count_queries("/sitemap.xml"), count_queries("/sitemap-posts.xml")]

    make_many_posts(297, category=make_category(), tags=["Systems"])

    assert [count_queries("/sitemap.xml"), count_queries("/sitemap-posts.xml")] == few
    assert count_queries("/sitemap-posts.xml?p=30") == few[1]  # the last page, far into the archive
    assert few[0] <= QUERY_BUDGET["sitemap"] and few[1] <= QUERY_BUDGET["sitemap_posts"]


def test_a_posts_sitemap_page_loads_only_its_own_posts_and_the_index_loads_none(client, monkeypatch):
    monkeypatch.setattr(PostSitemap, "limit", 10)
    make_many_posts(100, category=make_category(), tags=["Systems"])
    loaded = []

    def count_loaded_post(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(count_loaded_post, sender=Post)
    try:
        client.get("/sitemap.xml")
        from_index = len(loaded)
        client.get("/sitemap-posts.xml?p=5")
    finally:
        post_init.disconnect(count_loaded_post, sender=Post)

    assert from_index == 0  # counted and dated in the database
    assert len(loaded) == 10


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's virtual-machine steps")
def test_finding_a_posts_neighbours_takes_the_same_database_work_at_any_archive_size(client, settings):
    """Query counts can be flat while one query's cost grows: count the work SQLite does for the page.

    Given two upper bounds on the publish time (now, and the post's own), SQLite searches its index from
    the first and filters its way down to the second, a step per newer post.
    """
    settings.PAGE_CACHE_SECONDS = 0  # every request renders
    category = make_category()
    # The oldest post of each archive: every other post is newer, so the search would step over them all.
    few = sqlite_steps(client, make_many_posts(20, category=category, tags=["Systems"])[-1].get_absolute_url())
    many = sqlite_steps(client, make_many_posts(1500, category=category, tags=["Systems"])[-1].get_absolute_url())
    assert many < few * 1.25, (few, many)


def sqlite_steps(client, url):
    """The virtual-machine instructions SQLite runs to answer `url`, in tens."""
    client.get(url)  # the steady state: per-version reads done
    steps = []
    raw = connection.connection
    raw.set_progress_handler(lambda: steps.append(1), 10)  # returns None: carry on
    try:
        assert client.get(url).status_code == 200
    finally:
        raw.set_progress_handler(None, 0)
    return len(steps)


def test_the_admins_post_list_reads_its_newest_page_through_an_index(admin_client):
    """The admin lists drafts too, so the live-post indexes can't order it: without its own, every post is sorted."""
    make_many_posts(30, category=make_category(), tags=["Systems"])
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get("/admin/blog/post/").status_code == 200
    (page,) = [query["sql"] for query in queries if query["sql"].startswith('SELECT "blog_post"."id"')]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # 30 rows would otherwise be read whole
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + page)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    assert "post_published_id_idx" in plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan


def test_a_posts_neighbours_series_and_related_posts_are_found_through_indexes(client, settings):
    """Each branch of the post page's nearby-posts query is an index lookup, on both databases."""
    settings.PAGE_CACHE_SECONDS = 0
    series = make_series("Raft")
    posts = make_many_posts(40, category=make_category(), tags=["Systems"], series=series)
    rebuild_related()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(posts[20].get_absolute_url()).status_code == 200
    (nearby,) = [query["sql"] for query in queries if "WHERE t.id <> " in query["sql"]]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # 40 rows would otherwise be read whole
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + nearby)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    # No branch reads every post: SQLite SEARCHes rather than SCANs, Postgres has no Seq Scan left. Read
    # whole: the page's own row (one) and its list of related ids (SQLite's json_each, a few entries).
    scans = [line for line in plan.splitlines() if "SCAN " in line or "Seq Scan" in line]
    assert all("SCAN page" in line or "SCAN entry" in line for line in scans), plan
    # A SubPlan is a subquery tested on each row read: with scans off, Postgres read every post in an
    # unrelated index's order to test `id IN (…)` on each.
    assert "SubPlan" not in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan  # each neighbour is the index's next entry


def test_a_visitors_post_page_reads_the_post_and_the_posts_around_it_in_one_statement(count_queries):
    posts = make_many_posts(12, category=make_category(), tags=["Systems"], series=make_series())
    rebuild_related()
    assert count_queries(posts[6].get_absolute_url()) == 1

"""Pages cost a fixed number of queries, whatever the number of posts (measured on a cache miss)."""

import pytest

from blog.related import rebuild_all as rebuild_related
from blog.tests.factories import make_category, make_many_posts, make_series

pytestmark = pytest.mark.django_db

# The budgets of issue 7, for an anonymous visitor's cache miss in a worker's steady state (see the
# count_queries fixture): the content version and the site profile and links are read once per version
# per process, so a page pays only its own queries. Counted with an in-memory cache, so the database
# cache's own queries don't blur the view's.
# - home: focus areas, featured projects and their tech, recent posts and their tags;
# - list: count, posts, tags; category: the category too;
# - post: the post (with category and series), its tags, previous/next/series/related in one query,
#   and the projects listing it in their build log;
# - tag: the tag with its post count, posts, their tags, projects and their tech;
# - feed: the profile, posts, tags; sitemap: posts, categories, projects.
QUERY_BUDGET = {
    "home": 6,
    "list": 5,
    "detail": 6,
    "tag": 6,
    "category": 5,
    "archive": 4,
    "feed": 4,
    "sitemap": 4,
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
    }


@pytest.mark.parametrize("page", ["home", "list", "detail", "tag", "category", "feed", "sitemap"])
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


def test_the_archive_is_one_query_for_all_its_posts(client, count_queries):
    make_many_posts(300, category=make_category(), tags=["Systems"])
    assert count_queries("/blog/archive/") <= QUERY_BUDGET["archive"]

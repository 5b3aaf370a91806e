"""Pages cost a fixed number of queries, whatever the number of posts (measured on a cache miss)."""

import pytest
from django.core.cache import cache

from blog.tests.factories import make_category, make_many_posts, make_series

pytestmark = pytest.mark.django_db

# Every page pays: the content version, the profile and social links (context processor); then its own
# queries. (The first miss after a write also asks when the next scheduled post and project go live.)
# Counted with an in-memory cache, so the database cache's own queries don't blur the view's.
# The post page also asks which projects list it in their build log; the tag page lists projects, and the
# home page shows featured projects with their tech tags.
QUERY_BUDGET = {"list": 6, "detail": 10, "tag": 9, "category": 7, "archive": 4, "home": 8}


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
    }


@pytest.mark.parametrize("page", ["list", "detail", "tag", "category", "home"])
def test_pages_cost_the_same_queries_with_300_posts_as_with_3(
    client, page, count_queries, django_assert_max_num_queries
):
    category = make_category(slug="systems-category")
    series = make_series()
    posts = make_many_posts(3, category=category, tags=["Systems", "Agents"], series=series)
    few = count_queries(page_urls(posts, category)[page])

    posts += make_many_posts(297, category=category, tags=["Systems", "Agents"], series=series)
    url = page_urls(posts, category)[page]
    many = count_queries(url)
    cache.clear()
    with django_assert_max_num_queries(QUERY_BUDGET[page]):
        client.get(url)
    assert many == few


def test_the_archive_is_one_query_for_all_its_posts(client, count_queries):
    make_many_posts(300, category=make_category(), tags=["Systems"])
    assert count_queries("/blog/archive/") <= QUERY_BUDGET["archive"]

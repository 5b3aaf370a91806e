"""Pages that list posts or projects fetch only what a card shows: never the Markdown, the HTML body,
the table of contents or the search text of every item."""

import re

import pytest
from django.db import connection
from django.db.models import Model
from django.db.models.sql.query import Query
from django.test.utils import CaptureQueriesContext
from taggit.managers import TaggableManager

from blog.models import Post
from blog.tests.factories import make_post, make_series
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db

HEAVY_COLUMNS = re.compile(r'"(body|body_html|toc|search_text)"')


@pytest.fixture(autouse=True)
def cold_pages(settings):
    settings.PAGE_CACHE_SECONDS = 0


def selected_columns(sql):
    """The SELECT list of every (sub)query in a statement: what it fetches, not what it filters on."""
    return re.findall(r"SELECT(.*?)FROM", sql, flags=re.DOTALL)


@pytest.mark.parametrize(
    "path",
    ["/", "/blog/", "/blog/archive/", "/blog/category/systems/", "/projects/", "/projects/?tech=go", "/tags/go/"],
)
def test_list_pages_never_fetch_bodies(client, path):
    post = make_post("A post", tags=["Go"], body="# Heading\n\nLong body " * 50)
    post.category.slug = "systems"
    post.category.save()
    make_project("A project", tech=["Go"], featured=True, body="Case study " * 50)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    fetched = [columns for query in queries for columns in selected_columns(query["sql"])]
    assert fetched, "the page ran no query: the test would prove nothing"
    heavy = [columns for columns in fetched if HEAVY_COLUMNS.search(columns)]
    assert heavy == []


POST_ITEM = ("A post", "Consensus")  # its title and its series
PROJECT_CARD = ("A project", "https://example.com/r")  # its title and its code link


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/", (POST_ITEM, PROJECT_CARD)),
        ("/blog/", (POST_ITEM,)),
        ("/blog/category/systems/", (POST_ITEM,)),
        ("/tags/go/", (POST_ITEM, PROJECT_CARD)),
        ("/search/?q=body", (POST_ITEM, PROJECT_CARD)),
        ("/projects/?tech=go", (PROJECT_CARD,)),
        ("/nowhere/", (POST_ITEM,)),  # the 404 page's latest posts
    ],
)
def test_list_pages_load_only_fields_they_show(client, monkeypatch, path, shown):
    """A post's item and a project's card load a few fields (blog.models.LIST_FIELDS, projects.models.CARD_FIELDS);
    reading any other would cost a query per item."""
    series = make_series("Consensus")
    post = make_post("A post", tags=["Go"], body="A body worth searching.", series=series, series_order=1)
    post.category.slug = "systems"
    post.category.save()
    make_project("A project", tech=["Go"], featured=True, summary="A body of work.", repo_url="https://example.com/r")
    loaded_later = []
    original = Model.refresh_from_db
    monkeypatch.setattr(
        Model, "refresh_from_db", lambda self, *a, **k: loaded_later.append((self, k)) or original(self, *a, **k)
    )
    response = client.get(path)
    for texts in shown:
        assert all(text in response.text for text in texts)
    assert loaded_later == []


def test_prefetching_tags_costs_the_same_for_40_items_as_for_2(monkeypatch):
    """taggit built a two-join filter for every prefetched object, only to pin its tags on it."""
    built = []
    original = Query.build_filter
    monkeypatch.setattr(Query, "build_filter", lambda query, *a, **k: built.append(1) or original(query, *a, **k))

    def filters_built_to_list(count):
        built.clear()
        posts = list(Post.objects.for_lists().order_by("pk")[:count])
        assert len(posts) == count and all(post.tags.all() for post in posts)
        return len(built)

    for number in range(40):
        make_post(f"Post {number}", tags=[f"Tag {number}", "Shared"])
    assert filters_built_to_list(2) == filters_built_to_list(40)


def test_an_object_not_prefetched_still_gets_only_its_own_tags():
    first = make_post("First", tags=["Alpha", "Shared"])
    make_post("Second", tags=["Beta", "Shared"])
    assert sorted(tag.name for tag in first.tags.all()) == ["Alpha", "Shared"]
    assert first.tags.count() == 2
    assert list(first.tags.filter(name="Alpha").values_list("name", flat=True)) == ["Alpha"]


@pytest.mark.parametrize("path", ["/", "/blog/", "/tags/go/", "/search/?q=body"])
def test_list_items_read_their_tags_without_making_a_manager_for_each(client, monkeypatch, path):
    """Each item shows its primary tag, from the tags its list prefetched: making a manager for every post
    to reach them was a fortieth of a list page."""
    for number in range(3):
        make_post(f"Post {number}", tags=[f"Tag{number}", "Go"], body="A body worth searching.")
    managers_made = []
    original = TaggableManager.__get__

    def making_a_manager(self, instance, owner=None):
        managers_made.append(instance)
        return original(self, instance, owner)

    monkeypatch.setattr(TaggableManager, "__get__", making_a_manager)
    response = client.get(path)
    assert all(f"#Tag{number}<" in response.text for number in range(3))
    assert [post for post in managers_made if isinstance(post, Post)] == []

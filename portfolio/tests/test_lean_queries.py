"""Pages that list posts or projects fetch only what a card shows: never the Markdown, the HTML body,
the table of contents or the search text of every item."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.tests.factories import make_post
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

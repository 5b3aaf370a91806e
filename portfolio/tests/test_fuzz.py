"""Hypothesis through the test client: search, pagination and every slug route answer without a 500,
and what exists is still found."""

import re
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.urls import URLResolver, get_resolver, reverse
from hypothesis import given
from hypothesis import strategies as st

from blog.tests.factories import make_category, make_post
from contact.tests.factories import make_booking_settings
from portfolio.tests.factories import make_profile
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db
# Anything a URL can carry once percent-encoded (lone surrogates can't be UTF-8 encoded, so no browser sends them).
any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=200)
page_numbers = st.one_of(any_text, st.integers(min_value=-(10**20), max_value=10**20).map(str))
ANSWERS = {200, 301, 302, 404}


@pytest.fixture(autouse=True)
def site():
    make_profile()
    make_booking_settings()
    category = make_category("Systems", slug="systems")
    posts = [make_post(f"Post {n}", slug=f"post-{n}", category=category, tags=["Raft", "Go"]) for n in range(3)]
    projects = [make_project("Queue", slug="queue", tech=["Rust", "Raft"])]
    return {"posts": posts, "projects": projects}


NOT_PUBLIC = (reverse("admin:index"), "/" + django_settings.MEDIA_URL.strip("/"))


def slug_routes(patterns=None, prefix="/"):
    """Every public route with a slug or token in it, from the URLconf itself, so new ones are fuzzed too."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from slug_routes(pattern.url_patterns, route)
        elif "<" in route and not route.startswith(
            (reverse("admin:index"), "/" + django_settings.MEDIA_URL.strip("/"))
        ):
            yield re.sub(r"<[^>]+>", "{}", route)


SLUG_ROUTES = sorted(slug_routes())


def test_the_fuzzed_routes_include_every_kind_of_slug_page():
    assert {"/blog/{}/", "/projects/{}/", "/tags/{}/", "/blog/category/{}/", "/feeds/tags/{}/"} <= set(SLUG_ROUTES)


@given(route=st.sampled_from(SLUG_ROUTES), segment=any_text)
def test_no_slug_gives_a_server_error(client, route, segment):
    # Every placeholder gets the segment: a route may take more than one (/cards/<kind>/<slug>/<key>.png).
    response = client.get(route.replace("{}", quote(segment, safe="")))
    assert response.status_code in ANSWERS | {400}


@given(query=any_text)
def test_no_search_gives_a_server_error(client, query):
    assert client.get(reverse("search"), {"q": query}).status_code == 200


@given(
    path=st.sampled_from(["/blog/", "/projects/", "/tags/raft/", "/blog/category/systems/", "/search/"]),
    page=page_numbers,
    tech=any_text,
)
def test_no_page_or_filter_parameter_gives_a_server_error(client, path, page, tech):
    response = client.get(path, {"page": page, "tech": tech, "q": "post"})
    assert response.status_code in ANSWERS


@given(page=page_numbers)
def test_a_page_parameter_either_lists_the_posts_or_is_not_found(client, page):
    response = client.get("/blog/", {"page": page})
    assert response.status_code in (200, 301, 302, 404)
    if response.status_code == 200:
        html = response.content.decode()
        assert all(f"Post {n}" in html for n in range(3))  # one page holds all three


@given(section=st.sampled_from(["home", "posts", "categories", "project-pages", "nowhere"]), page=page_numbers)
def test_no_sitemap_page_parameter_gives_a_server_error(client, section, page):
    assert client.get(f"/sitemap-{section}.xml", {"p": page}).status_code in (200, 404)


def test_existing_slugs_and_searches_still_answer(client, site):
    assert "Post 1" in client.get(reverse("search"), {"q": "Post"}).content.decode()
    for post in site["posts"]:
        assert client.get(post.get_absolute_url()).status_code == 200
    assert client.get("/projects/queue/").status_code == 200
    assert client.get("/tags/raft/").status_code == 200
    assert client.get("/blog/category/systems/").status_code == 200

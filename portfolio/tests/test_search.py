"""Site search at /search/?q=, on SQLite (word match) and Postgres (full-text search) alike."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from blog.models import Post
from blog.search import search_posts
from blog.tests.factories import make_category, make_draft, make_many_posts, make_post
from portfolio.search import MAX_QUERY_LENGTH, clean_query
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db
SEARCH = reverse("search")
ON_POSTGRES = connection.vendor == "postgresql"


def titles(response, key):
    return [item.title for item in response.context[key]]


@pytest.fixture
def library():
    make_post("Consensus with Raft", summary="Leader election, explained.", body="Logs and terms.", tags=["Go"])
    make_post("Caching pages", summary="Keys and versions.", body="We replicate state with raft in one section.")
    make_post("Gardening", summary="Tomatoes.", body="Soil and water.", tags=["Distributed"])
    make_project("Raftly", summary="A toy raft implementation.", tech=["Go"])
    make_project("Weather bot", summary="Forecasts in chat.")


def test_finds_posts_by_title_summary_and_body_words(client, library):
    assert titles(client.get(SEARCH, {"q": "consensus"}), "posts") == ["Consensus with Raft"]
    assert titles(client.get(SEARCH, {"q": "election"}), "posts") == ["Consensus with Raft"]
    assert titles(client.get(SEARCH, {"q": "replicate"}), "posts") == ["Caching pages"]


def test_finds_posts_and_projects_by_tag(client, library):
    response = client.get(SEARCH, {"q": "distributed"})
    assert titles(response, "posts") == ["Gardening"]
    assert titles(client.get(SEARCH, {"q": "go"}), "projects") == ["Raftly"]


def test_every_word_must_match(client, library):
    assert titles(client.get(SEARCH, {"q": "raft leader"}), "posts") == ["Consensus with Raft"]
    assert titles(client.get(SEARCH, {"q": "raft tomatoes"}), "posts") == []


def test_title_matches_come_before_body_matches(client, library):
    response = client.get(SEARCH, {"q": "raft"})
    assert titles(response, "posts") == ["Consensus with Raft", "Caching pages"]
    assert titles(response, "projects") == ["Raftly"]


def test_the_page_counts_posts_and_projects_for_the_query(client, library):
    response = client.get(SEARCH, {"q": "raft"})
    text = re.sub(r"\s+", " ", response.content.decode())
    assert "2 posts and 1 project for “raft”" in text


def test_drafts_scheduled_posts_and_draft_projects_never_appear(client, library):
    make_draft("Raft draft", body="raft")
    make_post("Raft scheduled", body="raft", published_at="future")
    make_project("Raft secret", status=Project.Status.DRAFT)
    response = client.get(SEARCH, {"q": "raft"})
    assert "Raft draft" not in titles(response, "posts")
    assert "Raft scheduled" not in titles(response, "posts")
    assert "Raft secret" not in titles(response, "projects")
    assert b"Raft draft" not in response.content and b"Raft scheduled" not in response.content
    assert b"Raft secret" not in response.content


def test_the_snippet_quotes_plain_text_and_marks_the_hits(client):
    make_post(
        "Formatting",
        summary="On style.",
        body="Intro.\n\n## Heading\n\nWe **replicate** the `state` [everywhere](https://example.com).\n",
    )
    response = client.get(SEARCH, {"q": "replicate"})
    (post,) = response.context["posts"]
    assert "<mark>replicate</mark>" in post.search_snippet
    for markup in ("**", "`", "](", "<strong>", "<code>", "<a ", "#"):
        assert markup not in post.search_snippet
    assert '<p class="search-snippet">' in response.content.decode()


def test_the_search_text_is_the_rendered_body_without_markup():
    post = make_post(body="# Title\n\nSome *emphasis* and `<b>` code[^1].\n\n[^1]: A note.\n")
    assert post.search_text == "Title Some emphasis and <b> code. A note."


def test_markup_in_the_query_and_the_text_is_escaped(client):
    make_post("Scripts", summary="About the script tag.", body="Never trust `<script>alert(1)</script>` input.\n")
    response = client.get(SEARCH, {"q": "<script>"})
    html = response.content.decode()
    assert "<script>alert" not in html and 'value="<script>"' not in html
    assert 'value="&lt;script&gt;"' in html
    assert "“&lt;script&gt;”" in html
    (post,) = response.context["posts"]
    assert post.title == "Scripts"
    # Whatever each database quotes (Postgres's headline drops tag-like words), no markup but <mark> survives.
    assert "<" not in post.search_snippet.replace("<mark>", "").replace("</mark>", "")


@pytest.mark.parametrize(
    "query", ["%00", "raft\x00", "\x00", "'", '"raft', "raft -", "a & b | !c", "café ☕", "((", "*", "-raft", "OR"]
)
def test_odd_input_never_fails(client, library, query):
    assert client.get(SEARCH, {"q": query}).status_code == 200


def test_a_nul_byte_in_the_url_is_stripped(client, library):
    response = client.get(SEARCH + "?q=raft%00")
    assert response.status_code == 200
    assert response.context["query"] == "raft"
    assert "Consensus with Raft" in titles(response, "posts")


def test_a_long_query_is_truncated_and_still_answers(client, library):
    query = "raft " * 100
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert len(response.context["query"]) <= MAX_QUERY_LENGTH
    assert "Consensus with Raft" in titles(response, "posts")
    assert b"shortened to their first 200 characters" in response.content


def test_clean_query_drops_control_characters_and_extra_space():
    assert clean_query("  raft\x00 \n consensus\x02 ") == "raft consensus"
    assert clean_query(None) == ""
    assert len(clean_query("x" * 500)) == MAX_QUERY_LENGTH


def test_an_empty_query_shows_only_the_form_and_runs_no_search(client, library):
    for url in (SEARCH, SEARCH + "?q=", SEARCH + "?q=%20%20"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert "posts" not in response.context
        assert not [q for q in queries if "blog_post" in q["sql"] or "projects_project" in q["sql"]]
        html = response.content.decode()
        assert '<input id="search-q" type="search" name="q" value=""' in html
        assert "empty-state" not in html


def test_no_results_shows_a_friendly_empty_state_with_links(client, library):
    response = client.get(SEARCH, {"q": "zeppelin"})
    html = response.content.decode()
    assert "Nothing matches “zeppelin”" in html
    assert f'href="{reverse("blog:post_list")}"' in html
    assert f'href="{reverse("projects:project_list")}"' in html


def test_the_nav_links_to_search_and_marks_it_current_there(client):
    assert f'<a class="nav-search" href="{SEARCH}">' in client.get(reverse("home")).content.decode()
    assert f'<a class="nav-search" href="{SEARCH}" aria-current="page">' in client.get(SEARCH).content.decode()


def test_result_pages_ask_crawlers_not_to_index_them(client):
    assert b'<meta name="robots" content="noindex">' in client.get(SEARCH, {"q": "raft"}).content


def test_search_posts_returns_published_matches_with_safe_snippets(library):
    found = search_posts("raft")
    assert [post.title for post in found] == ["Consensus with Raft", "Caching pages"]
    assert not found.has_more
    assert all(post.search_snippet is not None for post in found)


def test_search_costs_the_same_queries_with_3_or_60_posts(count_queries):
    category = make_category()
    make_many_posts(3, category=category, tags=["Raft", "Go"])
    make_project("Raft tool", tech=["Go", "Raft"])
    few = count_queries(SEARCH + "?q=bulk")
    make_many_posts(57, category=category, tags=["Raft", "Go"])
    make_project("Raft tool two", tech=["Go"])
    assert Post.objects.published().count() == 60
    assert count_queries(SEARCH + "?q=bulk") == few


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_searches_from_the_home_page(page, live_server, axe, screenshot):
    make_post("Consensus with Raft", summary="Leader election, explained.", body="We replicate logs with raft.")
    make_project("Raftly", summary="A toy raft implementation.", tech=["Go"])
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server.url + "/")
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
            box = page.get_by_role("searchbox", name="Search posts and projects")
            box.fill("raft")
            box.press("Enter")
            expect(page.get_by_role("heading", name="Consensus with Raft")).to_be_visible()
            expect(page.get_by_role("heading", name="Raftly")).to_be_visible()
            expect(page.locator(".search-snippet mark").first).to_have_text("raft")
            expect(page.get_by_role("searchbox")).to_have_value("raft")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert axe() == []
            screenshot(f"search-{theme}-{width}")
    page.goto(live_server.url + "/search/?q=zeppelin")
    expect(page.get_by_text("Nothing matches “zeppelin”")).to_be_visible()
    assert axe() == []

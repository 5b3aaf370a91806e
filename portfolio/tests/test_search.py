"""Site search at /search/?q=, on SQLite (word match) and Postgres (full-text search) alike."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from blog.models import Post
from blog.search import search_posts
from blog.tests.factories import make_category, make_draft, make_many_posts, make_post
from portfolio import search as site_search
from portfolio.rows import ordering
from portfolio.search import MAX_QUERY_LENGTH, clean_query
from projects.models import Project
from projects.search import search_projects
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db
SEARCH = reverse("search")
ON_POSTGRES = connection.vendor == "postgresql"


def titles(response, key):
    return [item.title for item in response.context[key]]


def text_of(response):
    return re.sub(r"\s+", " ", response.content.decode())


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def snippets(client, query):
    return [post.search_snippet for post in client.get(SEARCH, {"q": query}).context["posts"]]


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


def test_a_minus_word_excludes_the_posts_that_contain_it(client, library):
    assert titles(client.get(SEARCH, {"q": "raft -leader"}), "posts") == ["Caching pages"]


def test_the_page_counts_posts_and_projects_for_the_query(client, library):
    text = text_of(client.get(SEARCH, {"q": "raft"}))
    assert "2 posts and 1 project for “raft”." in text
    assert "More than" not in text and "newest" not in text


def test_only_the_newest_matches_are_ranked_and_the_page_says_more_match(client, monkeypatch):
    monkeypatch.setattr(site_search, "WINDOW", 3)
    make_post("Raft, the oldest", body="Terms.", published_at=days_ago(9))  # the best match, but too old
    for day in (1, 2, 3, 4):
        make_post(f"Notes {day}", body="We use raft here.", published_at=days_ago(day))
    response = client.get(SEARCH, {"q": "raft"})
    assert titles(response, "posts") == ["Notes 1", "Notes 2", "Notes 3"]
    text = text_of(response)
    assert "More than 3 posts and 0 projects for “raft”." in text
    assert "The best matches among the newest 3 posts come first; add words to narrow the search." in text


def test_a_window_exactly_full_is_not_called_more(client, monkeypatch):
    monkeypatch.setattr(site_search, "WINDOW", 3)
    for day in (1, 2, 3):
        make_post(f"Notes {day}", body="We use raft here.", published_at=days_ago(day))
    text = text_of(client.get(SEARCH, {"q": "raft"}))
    assert "3 posts and 0 projects for “raft”." in text
    assert "More than" not in text


def test_within_the_window_title_hits_come_first_whatever_their_age(client, monkeypatch):
    monkeypatch.setattr(site_search, "WINDOW", 3)
    make_post("Notes", body="We use raft here.", published_at=days_ago(1))
    make_post("Raft in practice", body="Logs and terms.", published_at=days_ago(2))
    make_post("More notes", body="We use raft here.", published_at=days_ago(3))
    make_post("Raft, the oldest", body="Terms.", published_at=days_ago(9))
    response = client.get(SEARCH, {"q": "raft"})
    assert titles(response, "posts") == ["Raft in practice", "Notes", "More notes"]


def test_results_come_ten_to_a_page_whose_links_keep_the_query(client):
    for day in range(1, 26):
        make_post(f"Raft notes {day:02}", body="We use raft here.", published_at=days_ago(day))
    first = client.get(SEARCH, {"q": "raft notes"})
    assert titles(first, "posts") == [f"Raft notes {day:02}" for day in range(1, 11)]
    html = first.content.decode()
    assert '<nav class="pagination" aria-label="Result pages">' in html
    assert (
        '<a href="?q=raft+notes&amp;page=2" rel="next">Next<span class="visually-hidden"> results</span> →</a>' in html
    )
    second = client.get(SEARCH, {"q": "raft notes", "page": 2})
    assert titles(second, "posts") == [f"Raft notes {day:02}" for day in range(11, 21)]
    html = second.content.decode()
    assert "<title>Search: raft notes · page 2 · " in html
    assert 'href="?q=raft+notes&amp;page=1" rel="prev">← Previous' in html
    assert 'href="?q=raft+notes&amp;page=3" rel="next">' in html
    assert "25 posts and 0 projects for “raft notes”." in text_of(second)
    assert titles(client.get(SEARCH, {"q": "raft notes", "page": 3}), "posts") == [
        f"Raft notes {day:02}" for day in range(21, 26)
    ]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99", "", "2.5", "%00"])
def test_a_bad_page_number_still_answers_with_results(client, page):
    for day in range(1, 13):
        make_post(f"Raft notes {day:02}", body="We use raft here.", published_at=days_ago(day))
    response = client.get(SEARCH, {"q": "raft", "page": page})
    assert response.status_code == 200
    assert titles(response, "posts")


def test_the_blog_list_keeps_its_newer_and_older_links(client):
    make_many_posts(11, category=make_category(), tags=[])
    html = client.get(reverse("blog:post_list")).content.decode()
    assert '<nav class="pagination" aria-label="Pages">' in html
    assert '<a href="?page=2" rel="next">Older<span class="visually-hidden"> posts</span> →</a>' in html


def test_projects_show_on_the_first_page_only_and_at_most_six(client):
    for day in range(1, 13):
        make_post(f"Raft notes {day:02}", body="We use raft here.", published_at=days_ago(day))
    for number in range(7):
        make_project(f"Raft tool {number}", summary="A raft tool.")
    first = client.get(SEARCH, {"q": "raft"})
    assert len(first.context["projects"]) == 6
    assert "12 posts and 7 projects for “raft”. The best 6 projects are shown." in text_of(first)
    second = client.get(SEARCH, {"q": "raft", "page": 2})
    assert second.context["projects"] == []
    assert "projects are shown" not in text_of(second)


def test_only_the_page_shown_is_fetched_and_quoted(client):
    for day in range(1, 26):
        make_post(f"Raft notes {day:02}", body="We use raft here.", published_at=days_ago(day))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, {"q": "raft", "page": 2})
    (rows,) = [query["sql"] for query in queries if "search_text" in query["sql"].split("FROM")[0]]
    assert len(re.search(r"t\.id IN \(([^)]*)\)", rows)[1].split(",")) == 10
    assert response.content.decode().count('<p class="search-snippet">') == 10


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
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in post.search_snippet
    assert "<" not in post.search_snippet.replace("<mark>", "").replace("</mark>", "")


def test_a_match_outside_the_text_quotes_its_beginning_unmarked(client, library):
    # "Consensus with Raft" matches by its title and tag; its body text has neither word.
    assert snippets(client, "consensus go") == ["Logs and terms."]


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite matches and marks the words as typed, not their stems")
def test_snippets_mark_the_forms_of_each_stem(client):
    make_post("Copies", body="Each write is replicated to three replicas before it is acknowledged.")
    make_post("Learning", body="Case studies from one study group.")
    (copies,) = snippets(client, "replication")
    assert "<mark>replicated</mark>" in copies and "<mark>replicas</mark>" in copies
    (learning,) = snippets(client, "study")
    assert "Case <mark>studies</mark> from one <mark>study</mark> group." in learning


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite marks the words as typed")
def test_a_stem_of_one_or_two_letters_marks_only_itself(client):
    make_post("Names", body="O'Neil wrote on ordering of operations.")
    (snippet,) = snippets(client, "O'Neil")
    assert snippet == "<mark>O</mark>&#x27;<mark>Neil</mark> wrote on ordering of operations."


@pytest.mark.skipif(
    not ON_POSTGRES, reason="SQLite excludes a minus word anywhere in the text, so none is left to mark"
)
def test_snippets_never_mark_the_words_a_query_excludes(client):
    # Matches: "replication" is the stem replic, not replica; "hot" and "dog" are not the phrase "hot dog".
    make_post("Copies", body="Raft replication is a hot topic, said the dog.")
    (snippet,) = snippets(client, 'raft -replica -"hot dog"')
    assert snippet == "<mark>Raft</mark> replication is a hot topic, said the dog."


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


def test_search_posts_ranks_published_matches_and_fetches_them_with_safe_snippets(library):
    found = search_posts("raft")
    assert len(found) == 2 and not found.has_more
    rows = found.rows(found.ids)
    assert [post.title for post in rows] == ["Consensus with Raft", "Caching pages"]
    assert rows[1].search_snippet == "We replicate state with <mark>raft</mark> in one section."


def test_written_statements_order_by_every_field_of_the_models_ordering():
    # The search window, the lists and the cards: ties on the first field are broken by the rest. The
    # databases' index walks return ties in id order anyway, so a missing tie-breaker shows only here.
    assert ordering(Post) == 't."published_at" DESC, t."id" DESC'
    assert ordering(Project) == 't."order", t."id"'


def test_rows_unpublished_after_the_search_ran_are_not_shown(library):
    posts, projects = search_posts("raft"), search_projects("raft")
    Post.objects.filter(title="Consensus with Raft").update(status=Post.Status.DRAFT)
    Project.objects.filter(title="Raftly").update(published_at=timezone.now() + timedelta(days=1))
    assert [post.title for post in posts.rows(posts.ids)] == ["Caching pages"]
    assert projects.rows(projects.ids) == []


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
    make_many_posts(11, category=make_category(), tags=["Raft"])  # a second page of results
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
            page.get_by_role("navigation", name="Result pages").get_by_role("link", name="Next results").click()
            expect(page.get_by_text("Page 2 of 2")).to_be_visible()
            expect(page.get_by_role("heading", name="Raftly")).to_have_count(0)
            expect(page.get_by_role("searchbox")).to_have_value("raft")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert axe() == []
            screenshot(f"search-page-2-{theme}-{width}")
    page.goto(live_server.url + "/search/?q=zeppelin")
    expect(page.get_by_text("Nothing matches “zeppelin”")).to_be_visible()
    assert axe() == []


def test_the_posts_and_projects_a_search_shows_come_from_one_statement(count_queries):
    make_many_posts(12, category=make_category(), tags=["Raft"])
    make_project("Raft tool", tech=["Raft"])
    # Each model's window of matches, then the page's posts and the projects shown together.
    assert count_queries(SEARCH + "?q=raft") == 3

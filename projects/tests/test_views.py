import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from blog.tests.factories import make_post
from portfolio.cache import local_pages
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db

LIST_URL = reverse("projects:project_list")


def links(response):
    return response.content.decode()


# The list and its tech filter


def test_project_list_shows_published_projects_with_tech_and_links(client):
    make_project(
        "ResumeSnap",
        tech=["NLP", "FastAPI"],
        summary="Career intelligence platform.",
        repo_url="https://github.com/owner/resumesnap",
        demo_url="https://resumesnap.example.com/",
    )
    make_project("Secret", status=Project.Status.DRAFT)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    html = links(response)
    assert "ResumeSnap" in html and "Career intelligence platform." in html
    assert 'href="/projects/?tech=nlp"' in html
    assert 'href="https://github.com/owner/resumesnap" rel="external noopener"' in html
    assert 'href="https://resumesnap.example.com/" rel="external noopener"' in html
    assert "Secret" not in html


def test_project_cards_without_urls_have_no_repo_or_demo_buttons(client):
    make_project("No links")
    html = links(client.get(LIST_URL))
    assert "Live demo" not in html and 'rel="external' not in html


def test_tech_filter_shows_matching_projects_and_marks_the_active_tech(client):
    make_project("Agent", tech=["LangGraph", "LLM"])
    make_project("Bakery", tech=["Stripe"])
    response = client.get(LIST_URL, {"tech": "langgraph"})
    html = links(response)
    assert [p.title for p in response.context["projects"]] == ["Agent"]
    assert 'href="/projects/?tech=langgraph" aria-current="page"' in html
    assert "built with <strong>LangGraph</strong>" in html
    assert 'class="filter-clear" href="/projects/"' in html


def test_tech_filter_links_list_only_tech_in_published_projects(client):
    make_project(tech=["Stripe"])
    make_project(tech=["Unreleased"], status=Project.Status.DRAFT)
    response = client.get(LIST_URL)
    assert [tag.slug for tag in response.context["techs"]] == ["stripe"]
    assert 'href="/projects/" aria-current="page"' in links(response)


def test_unknown_tech_shows_an_empty_state_with_a_404(client):
    # A 404, so crawlers never index (and the page cache never stores) filters that match nothing.
    make_project(tech=["Stripe"])
    response = client.get(LIST_URL, {"tech": "cobol"})
    assert response.status_code == 404
    assert list(response.context["projects"]) == []
    assert "No tech called <strong>“cobol”</strong>" in links(response)
    assert "See all projects" in links(response)


@pytest.mark.parametrize(
    "value", ["<script>alert(1)</script>", "a\x00b", "' OR 1=1 --", "../../etc/passwd", "é" * 300, "%", " "]
)
def test_tech_filter_handles_odd_characters_safely(client, value):
    make_project("Agent", tech=["LLM"])
    response = client.get(LIST_URL, {"tech": value})
    assert response.status_code == (404 if value.strip() else 200)
    html = links(response)
    assert "<script>alert(1)</script>" not in html
    if value.strip():
        assert list(response.context["projects"]) == []


# The case study


def test_project_page_shows_the_case_study_with_tech_linking_to_tag_pages(client):
    project = make_project(
        "UI-Navigator Agent",
        tech=["LangGraph"],
        summary="An agent.",
        body="## Architecture\n\nPlanner and executor.",
        repo_url="https://github.com/owner/nav",
        demo_url="https://nav.example.com/",
    )
    response = client.get(project.get_absolute_url())
    html = links(response)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "Planner and executor." in html
    assert f'href="{reverse("tag_detail", kwargs={"slug": "langgraph"})}"' in html
    assert 'href="https://github.com/owner/nav" rel="external noopener"' in html
    assert 'href="https://nav.example.com/" rel="external noopener"' in html
    assert html.count("(external site)") == 2


def test_unknown_or_malformed_project_slug_is_404(client):
    assert client.get(reverse("projects:project_detail", kwargs={"slug": "no-such-project"})).status_code == 404
    assert client.get("/projects/bad%20slug!/").status_code == 404


def test_draft_project_is_404_for_visitors_but_visible_to_staff(client, admin_client):
    draft = make_project(status=Project.Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    response = admin_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Draft: only staff can see this page." in links(response)


def test_project_page_links_to_previous_and_next_projects(client):
    first, middle, last = make_project("First", order=1), make_project("Middle", order=2), make_project("Last", order=3)
    html = links(client.get(middle.get_absolute_url()))
    assert f'href="{first.get_absolute_url()}" rel="prev"' in html
    assert f'href="{last.get_absolute_url()}" rel="next"' in html


def test_project_page_lists_its_published_build_log_posts_linking_to_them(client):
    project = make_project()
    post = make_post("How I built the planner")
    draft = make_post("Unfinished notes", status="draft")
    project.related_posts.add(post, draft)
    html = links(client.get(project.get_absolute_url()))
    assert "Build log" in html
    assert f'<a href="{post.get_absolute_url()}">How I built the planner</a>' in html
    assert "Unfinished notes" not in html


# Build log, from the post's side


def test_build_log_note_names_the_published_projects_that_list_a_post():
    post = make_post()
    first = make_project("UI-Navigator Agent")
    second = make_project("ResumeSnap")
    hidden = make_project("Secret", status=Project.Status.DRAFT)
    for project in (first, second, hidden):
        project.related_posts.add(post)
    html = render_to_string("projects/includes/build_log_note.html", {"projects": post.build_log_projects.published()})
    assert (
        f'Part of the build log of <a href="{first.get_absolute_url()}">UI-Navigator Agent</a>'
        f' and <a href="{second.get_absolute_url()}">ResumeSnap</a>.'
    ) in html
    assert "Secret" not in html


def test_build_log_note_is_empty_for_a_post_no_project_lists():
    post = make_post()
    html = render_to_string("projects/includes/build_log_note.html", {"projects": post.build_log_projects.published()})
    assert html.strip() == ""


# Home and the shared tag page


def test_home_shows_featured_projects_in_admin_order(client):
    make_project("Gandom Bakery Platform", featured=True, order=2, tech=["Stripe"])
    make_project("UI-Navigator Agent", featured=True, order=0, tech=["LangGraph"])
    make_project("ResumeSnap", featured=True, order=1)
    make_project("Not featured", featured=False, order=0)
    make_project("Draft", featured=True, order=0, status=Project.Status.DRAFT)
    html = links(client.get(reverse("home")))
    titles = ["UI-Navigator Agent", "ResumeSnap", "Gandom Bakery Platform"]
    positions = [html.index(f">{title}</a>") for title in titles]
    assert positions == sorted(positions)
    assert "Not featured" not in html and ">Draft</a>" not in html
    assert 'class="chip chip-tech" href="/projects/?tech=langgraph"' in html


def test_home_has_no_projects_section_when_none_is_featured(client):
    make_project(featured=False)
    assert "featured-projects-title" not in links(client.get(reverse("home")))


def test_tag_page_lists_published_projects_with_that_tech_and_a_count(client):
    make_project("Agent", tech=["LLM"])
    make_project("Snap", tech=["LLM"])
    make_project("Bakery", tech=["Stripe"])
    make_project("Draft", tech=["LLM"], status=Project.Status.DRAFT)
    response = client.get(reverse("tag_detail", kwargs={"slug": "llm"}))
    html = links(response)
    assert response.status_code == 200
    assert "Agent" in html and "Snap" in html
    assert "Bakery" not in html and ">Draft<" not in html
    assert 'Projects <span class="count">(2)</span>' in html


def test_unknown_tag_page_is_404(client):
    assert client.get(reverse("tag_detail", kwargs={"slug": "nothing"})).status_code == 404


# Query budgets: the number of projects must not change the number of queries.


def add_projects(n, **fields):
    return [make_project(tech=["LLM", "Stripe", f"Tool {i}"], featured=True, **fields) for i in range(n)]


@pytest.mark.parametrize(
    "url",
    [LIST_URL, f"{LIST_URL}?tech=llm", reverse("home"), reverse("tag_detail", kwargs={"slug": "llm"})],
)
def test_project_pages_cost_no_more_queries_with_100_projects_than_with_3(client, url, count_queries):
    add_projects(3)
    with_three = count_queries(url)
    add_projects(97)  # each save bumps the content version, so the page cache misses
    assert count_queries(url) <= with_three
    cache.clear()
    local_pages.clear()  # and this process's own tier
    response = client.get(url)
    shown = response.context["featured_projects" if url == reverse("home") else "projects"]
    assert len(shown) == 100


def test_project_page_costs_no_more_queries_with_100_build_log_posts_than_with_3(client, count_queries):
    project = make_project(tech=["LLM", "Stripe"], order=2)
    make_project(order=1), make_project(order=3)
    project.related_posts.add(*(make_post() for _ in range(3)))
    with_three = count_queries(project.get_absolute_url())
    project.related_posts.add(*(make_post() for _ in range(97)))
    assert count_queries(project.get_absolute_url()) <= with_three
    cache.clear()
    local_pages.clear()  # and this process's own tier
    response = client.get(project.get_absolute_url())
    assert len(response.context["related_posts"]) == 100


def test_the_tech_filter_counts_only_techs_used_more_than_once(client):
    make_project("One", tech=["LLM", "Stripe"])
    make_project("Two", tech=["LLM"])
    html = client.get(LIST_URL).content.decode()
    assert 'LLM <span class="chip-count">2<span class="visually-hidden"> projects</span></span>' in html
    assert ">Stripe</a>" in html  # a "1" on every chip says nothing

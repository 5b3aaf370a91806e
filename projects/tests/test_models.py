import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from blog.models import Post
from portfolio.rows import fetch_together
from projects.models import Project, featured_projects_part, tagged_projects
from projects.sitemaps import ProjectSitemap
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def test_only_published_projects_are_public():
    shown = make_project(status=Project.Status.PUBLISHED)
    make_project(status=Project.Status.DRAFT)
    assert list(Project.objects.published()) == [shown]


def test_featured_is_published_and_featured_in_the_owners_order():
    third = make_project(featured=True, order=3)
    first = make_project(featured=True, order=1)
    make_project(featured=False, order=2)
    tied = make_project(featured=True, order=1, tech=["Rust", "Go"])  # the same order: the older one first
    make_project(featured=True, order=0, status=Project.Status.DRAFT)
    make_project(featured=True, order=0, published_at=timezone.now() + datetime.timedelta(days=1))  # scheduled
    (featured,) = fetch_together([featured_projects_part()])
    assert featured == [first, tied, third]
    assert [tag.name for tag in featured[1].tech.all()] == ["Rust", "Go"]


def test_tagged_projects_are_the_published_ones_with_the_tech_in_the_owners_order():
    second = make_project(tech=["Go", "LangGraph"], order=2)
    first = make_project(tech=["LangGraph"], order=1)
    tied = make_project(tech=["LangGraph"], order=2)  # the same place: the older one first
    make_project(tech=["LangGraph"], status=Project.Status.DRAFT)
    make_project(tech=["LangGraph"], published_at=timezone.now() + datetime.timedelta(days=1))  # scheduled
    other = make_project(tech=["Stripe"])
    # Tags are shared with posts: a post whose id is another project's carries the tag, not that project.
    TaggedItem.objects.create(
        tag=Tag.objects.get(slug="langgraph"), content_type=ContentType.objects.get_for_model(Post), object_id=other.pk
    )
    assert tagged_projects("langgraph") == [first, second, tied]
    assert [tag.name for tag in tagged_projects("langgraph")[1].tech.all()] == ["Go", "LangGraph"]
    assert tagged_projects("nothing") == []


def test_tech_in_use_counts_published_projects_only():
    make_project(tech=["LLM", "FastAPI"])
    make_project(tech=["LLM"])
    make_project(tech=["Hidden"], status=Project.Status.DRAFT)
    assert [(tag.name, tag.project_count) for tag in Project.objects.tech_in_use()] == [("FastAPI", 1), ("LLM", 2)]


def test_tech_keeps_the_order_it_was_added_in():
    project = make_project(tech=["Agentic AI", "LangGraph", "Browser Automation", "LLM"])
    assert [tag.name for tag in project.tech.all()] == ["Agentic AI", "LangGraph", "Browser Automation", "LLM"]


def test_body_is_rendered_and_sanitised_on_save():
    project = make_project(body="## How it works\n\n<script>alert(1)</script>[x](javascript:alert(1))")
    assert "<h2" in project.body_html
    assert "<script" not in project.body_html
    assert "javascript:" not in project.body_html


@pytest.mark.parametrize("url", ["https://github.com/owner/app", "http://demo.example.com/"])
def test_repo_and_demo_urls_accept_web_addresses(url):
    project = make_project(repo_url=url, demo_url=url)
    project.full_clean()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,hi", "ftp://example.com/x", "github.com"]
)
@pytest.mark.parametrize("field", ["repo_url", "demo_url"])
def test_repo_and_demo_urls_refuse_anything_but_http_and_https(field, url):
    project = make_project()
    setattr(project, field, url)
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert field in error.value.message_dict


def test_a_project_cannot_end_before_it_starts():
    project = make_project(started=datetime.date(2025, 5, 1))
    project.ended = datetime.date(2025, 4, 1)
    with pytest.raises(ValidationError, match="can't end before it starts"):
        project.full_clean()


def test_case_study_is_hidden_when_it_only_repeats_the_summary():
    assert not make_project(summary="Same text.", body="Same text.\n").has_case_study
    assert make_project(summary="Short.", body="The long story.").has_case_study


def test_neighbours_follow_the_owners_order_and_skip_drafts():
    first = make_project(order=1)
    make_project(order=2, status=Project.Status.DRAFT)
    middle = make_project(order=3)
    last = make_project(order=3)  # same order: the older one comes first
    assert middle.neighbours() == (first, last)
    assert first.neighbours() == (None, middle)
    assert last.neighbours() == (middle, None)


def test_sitemap_lists_published_projects_only():
    shown = make_project()
    make_project(status=Project.Status.DRAFT)
    sitemap = ProjectSitemap()
    assert [sitemap.location(item) for item in sitemap.items()] == [shown.get_absolute_url()]

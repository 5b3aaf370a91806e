"""/sitemap.xml, /robots.txt and /llms.txt: absolute addresses on SITE_URL's host, published content only."""

import xml.etree.ElementTree as ET

import pytest

from blog.tests.factories import make_category, make_draft, make_many_posts, make_post
from portfolio.tests.factories import make_profile
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db

SITE_URL = "https://ada.example"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL


def sitemap_entries(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)
    return {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")}


def test_sitemap_lists_public_pages_posts_categories_and_projects_on_the_site_url_host(client):
    category = make_category(slug="systems")
    post = make_post("Live", category=category)
    project = make_project("Tyche")

    entries = sitemap_entries(client)

    assert set(entries) == {
        f"{SITE_URL}/",
        f"{SITE_URL}/blog/",
        f"{SITE_URL}{post.get_absolute_url()}",
        f"{SITE_URL}/blog/category/systems/",
        f"{SITE_URL}/projects/",
        f"{SITE_URL}{project.get_absolute_url()}",
    }
    assert entries[f"{SITE_URL}{post.get_absolute_url()}"] == post.updated_at.date().isoformat()


def test_sitemap_never_uses_the_sites_framework_domain(client):
    make_post("Live")

    assert b"example.com" not in client.get("/sitemap.xml").content


def test_sitemap_excludes_drafts_scheduled_posts_draft_projects_and_empty_categories(client):
    make_post("Live")
    draft = make_draft("Draft")
    scheduled = make_post("Scheduled", published_at="future")
    hidden = make_project("Hidden", status=Project.Status.DRAFT)
    empty = make_category(slug="empty")

    locations = " ".join(sitemap_entries(client))

    for item in (draft, scheduled, hidden, empty, draft.category, scheduled.category):
        assert item.get_absolute_url() not in locations


def test_sitemap_costs_the_same_queries_with_50_posts_as_with_3(client, settings, count_queries):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    category = make_category()
    make_many_posts(3, category=category, tags=["Systems"])
    few = count_queries("/sitemap.xml")

    make_many_posts(47, category=make_category(), tags=["Systems"])

    assert count_queries("/sitemap.xml") == few


def test_robots_txt_points_crawlers_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"].startswith("text/plain")
    assert f"Sitemap: {SITE_URL}/sitemap.xml" in response.content.decode().splitlines()


def test_llms_txt_introduces_the_owner_then_lists_published_posts_and_projects(client):
    make_profile(owner_name="Ada Example", headline="Building systems that scale")
    post = make_post("Backpressure [part 3]", summary="Bounded queues\npush back.")
    project = make_project("Tyche", summary="Pre-loading for serverless ML.")

    response = client.get("/llms.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "# Ada Example"
    assert "> Building systems that scale" in lines
    assert lines.index("## Posts") < lines.index("## Projects")
    post_twin = f"{SITE_URL}/blog/{post.slug}.md"
    assert (
        f"- [Backpressure \\[part 3\\]]({SITE_URL}{post.get_absolute_url()}): Bounded queues push back. "
        f"([Markdown]({post_twin}))"
    ) in lines
    project_twin = f"{SITE_URL}/projects/{project.slug}.md"
    assert (
        f"- [Tyche]({SITE_URL}{project.get_absolute_url()}): Pre-loading for serverless ML. "
        f"([Markdown]({project_twin}))"
    ) in lines


def test_llms_txt_leaves_out_drafts_scheduled_posts_and_draft_projects(client):
    make_post("Live post")
    make_draft("Draft post")
    make_post("Scheduled post", published_at="future")
    make_project("Live project")
    make_project("Draft project", status=Project.Status.DRAFT)

    text = client.get("/llms.txt").content.decode()

    assert "Live post" in text and "Live project" in text
    assert "Draft post" not in text and "Scheduled post" not in text and "Draft project" not in text


def test_llms_txt_is_served_before_the_site_profile_exists(client):
    response = client.get("/llms.txt")

    assert response.status_code == 200
    assert response.content.decode().startswith("# ")

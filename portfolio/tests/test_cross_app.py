"""Where posts, projects and contact meet: the shared tag page, the build log, and `?about=`."""

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from blog.tests.factories import make_category, make_many_posts, make_post
from blog.tests.test_query_counts import sqlite_steps
from contact.models import ContactMessage
from contact.tests.factories import contact_data
from portfolio.tests.factories import make_profile
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def test_a_tag_page_lists_projects_and_posts_with_counts(client):
    make_project("Raft Store", tech=["Distributed Systems", "Go"])
    make_project("Hidden", tech=["Distributed Systems"], status=Project.Status.DRAFT)
    post = make_post("Consensus notes")
    post.tags.add("Distributed Systems")
    make_post("Unrelated").tags.add("Cooking")

    html = client.get(reverse("tag_detail", args=["distributedsystems"])).content.decode()

    assert 'Projects <span class="count">(1)</span>' in html
    assert 'Posts <span class="count">(1)</span>' in html
    assert "Raft Store" in html and "Consensus notes" in html
    assert "Hidden" not in html and "Unrelated" not in html


def test_a_tag_with_only_projects_shows_no_empty_posts_section(client):
    make_project("Raft Store", tech=["Go"])
    html = client.get(reverse("tag_detail", args=["go"])).content.decode()
    assert "Raft Store" in html
    assert "No posts with this tag yet." not in html


def test_project_tech_chips_lead_to_the_shared_tag_page(client):
    project = make_project("Raft Store", tech=["Go"])
    html = client.get(project.get_absolute_url()).content.decode()
    assert f'href="{reverse("tag_detail", args=["go"])}"' in html


def test_a_build_log_post_names_its_project_and_the_project_links_back(client):
    post = make_post("Day 1: the write path")
    project = make_project("Raft Store")
    project.related_posts.add(post)

    post_html = client.get(post.get_absolute_url()).content.decode()
    assert "Part of the build log of" in post_html
    assert f'href="{project.get_absolute_url()}"' in post_html

    project_html = client.get(project.get_absolute_url()).content.decode()
    assert f'href="{post.get_absolute_url()}"' in project_html


def test_a_draft_project_does_not_claim_a_post(client):
    post = make_post("Day 1: the write path")
    make_project("Secret", status=Project.Status.DRAFT).related_posts.add(post)
    assert "Part of the build log of" not in client.get(post.get_absolute_url()).content.decode()


def test_contact_about_a_project_names_it_in_the_form_and_the_email(client, django_capture_on_commit_callbacks):
    make_profile()
    project = make_project("Raft Store")
    form = client.get(reverse("contact:contact_form"), {"about": project.slug}).content.decode()
    assert "Raft Store" in form

    with django_capture_on_commit_callbacks(execute=True):  # the email task is enqueued on commit
        response = client.post(reverse("contact:contact_form"), contact_data(about=project.slug))
    assert response.status_code == 302
    assert ContactMessage.objects.get().about == project.slug
    assert "About: Raft Store (project)" in mail.outbox[0].body


def test_the_tag_page_costs_the_same_with_many_projects_and_posts(count_queries):
    url = reverse("tag_detail", args=["go"])
    for _ in range(3):
        make_project(tech=["Go", "Rust"])
        make_post(tags=["Go"])
    few = count_queries(url)
    for _ in range(60):
        make_project(tech=["Go", "Rust"])
        make_post(tags=["Go"])
    assert count_queries(url) == few


def test_a_post_page_links_to_the_contact_form_about_that_post(client):
    post = make_post("Raft in practice", slug="raft-in-practice")
    html = client.get(post.get_absolute_url()).content.decode()
    contact = reverse("contact:contact_form")
    assert f'href="{contact}?about=raft-in-practice">Questions about this? Write to me</a>' in html
    assert client.get(contact, {"about": "raft-in-practice"}).context["about"].title == "Raft in practice"


def test_a_project_page_links_to_the_contact_form_about_that_project(client):
    project = make_project("Raft Store", slug="raft-store")
    html = client.get(project.get_absolute_url()).content.decode()
    contact = reverse("contact:contact_form")
    assert f'href="{contact}?about=raft-store">Questions about this? Write to me</a>' in html
    assert client.get(contact, {"about": "raft-store"}).context["about"].title == "Raft Store"


def test_home_reads_its_recent_posts_and_featured_projects_in_one_statement(count_queries, settings):
    # In memory, so the database cache's own queries don't count.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    for _ in range(5):
        make_post(tags=["Raft"])
        make_project(featured=True, tech=["Go"])
    assert count_queries(reverse("home")) == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's virtual-machine steps")
def test_a_tag_pages_projects_are_found_without_reading_the_tags_posts(client, settings):
    """A popular tag is on thousands of posts: finding its few projects must not step through their items
    (taggeditem_tag_type_object_idx; without it SQLite read every item of the tag)."""
    settings.PAGE_CACHE_SECONDS = 0  # every request renders
    for _ in range(3):
        make_project(tech=["Go"])
    category = make_category()

    def add_posts(batches):
        # Each batch with a topic of its own too: as on a real site, most tags are on few items, so
        # SQLite's statistics expect few items for "go" and search by tag, where it found every post's.
        for _ in range(batches):
            make_many_posts(10, category=category, tags=["Go", f"Topic {next(topics)}"])

    topics = iter(range(10**6))
    add_posts(2)  # two pages: the page shows as many posts either way
    few = _steps_with_statistics(client, reverse("tag_detail", args=["go"]))
    add_posts(150)
    many = _steps_with_statistics(client, reverse("tag_detail", args=["go"]))
    assert many < few * 1.25, (few, many)


def _steps_with_statistics(client, url):
    # With the statistics a database that has lived a while has (bench/generate.py): without them
    # SQLite picks its plan blind, and happened to pick the content type's index.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return sqlite_steps(client, url)

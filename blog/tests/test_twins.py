"""/blog/<slug>.md: a published post's own Markdown, with front matter, for agents and readers."""

import pytest
import yaml

from blog.tests.factories import make_draft, make_post

pytestmark = pytest.mark.django_db

SITE_URL = "https://ada.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL


def split_front_matter(text):
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(front), body


def test_a_published_post_has_a_markdown_twin_with_front_matter(client):
    post = make_post(
        'Title: with "quotes" and # signs',
        slug="twin",
        tags=["Systems", "ML"],
        summary="Why it matters.",
        body="## Heading\n\nText with $x$ and <b>html</b>.\r\n",
    )

    response = client.get("/blog/twin.md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Link"] == f'<{SITE_URL}/blog/twin/>; rel="canonical"'
    front, body = split_front_matter(response.content.decode())
    assert front == {
        "title": 'Title: with "quotes" and # signs',
        "date": post.published_at.isoformat(),
        "updated": post.updated_at.isoformat(),
        "category": post.category.name,
        "tags": ["Systems", "ML"],
        "summary": "Why it matters.",
        "reading_time_minutes": post.reading_time,
        "canonical": f"{SITE_URL}/blog/twin/",
    }
    assert body == "\n## Heading\n\nText with $x$ and <b>html</b>.\n"


def test_drafts_and_scheduled_posts_have_no_twin(client):
    make_draft(slug="draft")
    make_post(slug="later", published_at="future")
    assert client.get("/blog/draft.md").status_code == 404
    assert client.get("/blog/later.md").status_code == 404
    assert client.get("/blog/nothing-here.md").status_code == 404


def test_the_post_page_names_its_twin_and_a_draft_page_does_not(client, admin_client):
    post = make_post(slug="named")
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<link rel="alternate" type="text/markdown"' in page and 'href="/blog/named.md"' in page
    draft = make_draft(slug="hidden")
    assert "text/markdown" not in admin_client.get(draft.get_absolute_url()).content.decode()


def test_a_title_that_yaml_would_misread_survives_the_round_trip(client):
    for title in ("yes", "2026-01-01", "- item", "key: value", "Ελληνικά: Ωμέγα", "null"):
        post = make_post(title)
        front, _ = split_front_matter(client.get(f"/blog/{post.slug}.md").content.decode())
        assert front["title"] == title

"""/sitemap.xml (an index of section sitemaps), /robots.txt and /llms.txt: absolute addresses on SITE_URL's
host, published content only."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from unittest import mock

import pytest

from blog.models import Post
from blog.sitemaps import PostSitemap
from blog.tests.factories import make_category, make_draft, make_many_posts, make_post
from portfolio.cache import local_pages
from portfolio.tests.factories import make_profile
from portfolio.urls import SITEMAPS
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db

SITE_URL = "https://ada.example"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL


def fetch_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)


def sitemap_addresses(client):
    """The sitemaps /sitemap.xml lists, in order: each section's, and each further page of a long one."""
    index = fetch_xml(client, "/sitemap.xml")
    return [entry.findtext(f"{SITEMAP}loc") for entry in index.iter(f"{SITEMAP}sitemap")]


def sitemap_pages(client):
    """{sitemap address: [(page address, lastmod), …]} for every sitemap the index lists."""
    pages = {}
    for address in sitemap_addresses(client):
        assert address.startswith(f"{SITE_URL}/sitemap-"), address
        urlset = fetch_xml(client, address.removeprefix(SITE_URL))
        pages[address] = [
            (url.findtext(f"{SITEMAP}loc"), url.findtext(f"{SITEMAP}lastmod")) for url in urlset.iter(f"{SITEMAP}url")
        ]
    return pages


def sitemap_entries(client):
    """{page address: lastmod} over every sitemap the index lists, each address listed once."""
    entries = [entry for listed in sitemap_pages(client).values() for entry in listed]
    assert len({address for address, _ in entries}) == len(entries)
    return dict(entries)


@pytest.fixture
def small_sitemap_pages(monkeypatch):
    """Two posts to a sitemap page, so a handful of posts spans several pages."""
    monkeypatch.setattr(PostSitemap, "limit", 2)


def test_sitemap_lists_public_pages_posts_categories_and_projects_on_the_site_url_host(client):
    category = make_category(slug="systems")
    post = make_post("Live", category=category)
    project = make_project("Tyche")

    entries = sitemap_entries(client)

    assert set(entries) == {
        f"{SITE_URL}/",
        f"{SITE_URL}/about/",
        f"{SITE_URL}/blog/",
        f"{SITE_URL}{post.get_absolute_url()}",
        f"{SITE_URL}/blog/category/systems/",
        f"{SITE_URL}/projects/",
        f"{SITE_URL}{project.get_absolute_url()}",
    }
    assert entries[f"{SITE_URL}{post.get_absolute_url()}"] == post.updated_at.date().isoformat()
    assert entries[f"{SITE_URL}/blog/category/systems/"] == post.updated_at.date().isoformat()


def test_sitemap_xml_is_an_index_of_one_sitemap_per_section_on_the_site_url_host(client):
    make_post("Live")

    assert sitemap_addresses(client) == [f"{SITE_URL}/sitemap-{section}.xml" for section in SITEMAPS]


def test_the_index_gives_a_section_the_newest_change_of_what_it_lists(client):
    older = make_post("Older", category=make_category(slug="older"))
    newer = make_post("Newer", category=make_category(slug="newer"))
    draft = make_draft("Draft edited last")
    Post.objects.filter(pk=older.pk).update(updated_at=newer.updated_at + timedelta(days=1))
    Post.objects.filter(pk=draft.pk).update(updated_at=newer.updated_at + timedelta(days=2))
    project = make_project("Tyche")

    index = fetch_xml(client, "/sitemap.xml")
    lastmods = {entry.findtext(f"{SITEMAP}loc"): entry.findtext(f"{SITEMAP}lastmod") for entry in index}

    newest_post_change = (newer.updated_at + timedelta(days=1)).isoformat()
    assert lastmods[f"{SITE_URL}/sitemap-posts.xml"] == newest_post_change
    assert lastmods[f"{SITE_URL}/sitemap-categories.xml"] == newest_post_change
    assert lastmods[f"{SITE_URL}/sitemap-project-pages.xml"] == project.updated_at.isoformat()
    assert lastmods[f"{SITE_URL}/sitemap-home.xml"] is None  # pages without a model have no known change


def test_the_index_lists_every_page_of_the_posts_sitemap_and_each_page_holds_at_most_its_limit(
    client, small_sitemap_pages
):
    posts = make_many_posts(5, category=make_category(), tags=["Systems"])

    pages = sitemap_pages(client)

    posts_pages = [address for address in pages if address.startswith(f"{SITE_URL}/sitemap-posts.xml")]
    assert posts_pages == [
        f"{SITE_URL}/sitemap-posts.xml",
        f"{SITE_URL}/sitemap-posts.xml?p=2",
        f"{SITE_URL}/sitemap-posts.xml?p=3",
    ]
    assert [len(pages[address]) for address in posts_pages] == [2, 2, 1]
    listed = [address for page in posts_pages for address, _ in pages[page]]
    assert listed == [f"{SITE_URL}{post.get_absolute_url()}" for post in posts]  # newest first, each once


def test_sitemap_never_uses_the_sites_framework_domain(client, small_sitemap_pages):
    make_many_posts(3, category=make_category(), tags=["Systems"])

    for address in ["/sitemap.xml"] + [address.removeprefix(SITE_URL) for address in sitemap_addresses(client)]:
        assert b"example.com" not in client.get(address).content


def test_sitemap_excludes_drafts_scheduled_posts_draft_projects_and_empty_categories(client):
    make_post("Live")
    draft = make_draft("Draft")
    scheduled = make_post("Scheduled", published_at="future")
    hidden = make_project("Hidden", status=Project.Status.DRAFT)
    empty = make_category(slug="empty")

    locations = " ".join(sitemap_entries(client))

    for item in (draft, scheduled, hidden, empty, draft.category, scheduled.category):
        assert item.get_absolute_url() not in locations


def test_drafts_and_scheduled_posts_neither_appear_on_nor_add_sitemap_pages(client, small_sitemap_pages):
    live = make_many_posts(3, category=make_category(), tags=["Systems"])
    hidden = [make_draft(f"Draft {n}") for n in range(3)] + [
        make_post(f"Scheduled {n}", published_at="future") for n in range(3)
    ]

    addresses = sitemap_addresses(client)
    locations = set(sitemap_entries(client))

    assert f"{SITE_URL}/sitemap-posts.xml?p=2" in addresses
    assert f"{SITE_URL}/sitemap-posts.xml?p=3" not in addresses  # three live posts, two to a page
    assert {f"{SITE_URL}{post.get_absolute_url()}" for post in live} <= locations
    assert not {f"{SITE_URL}{post.get_absolute_url()}" for post in hidden} & locations


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-posts.xml?p=3",  # past the last page
        "/sitemap-posts.xml?p=9999",
        "/sitemap-posts.xml?p=99999999999999999999",
        "/sitemap-posts.xml?p=0",
        "/sitemap-posts.xml?p=-1",
        "/sitemap-posts.xml?p=abc",
        "/sitemap-posts.xml?p=1.5",
        "/sitemap-posts.xml?p=",
        "/sitemap-home.xml?p=2",
        "/sitemap-nowhere.xml",
        "/sitemap-nowhere.xml?p=1",
    ],
)
def test_a_sitemap_page_that_does_not_exist_is_a_404_and_never_cached(client, small_sitemap_pages, url):
    make_many_posts(3, category=make_category(), tags=["Systems"])

    assert client.get(url).status_code == 404
    assert not local_pages.entries


@pytest.mark.parametrize("url", ["/sitemap-posts.xml?p=01", "/sitemap-posts.xml?p=1&p=2", "/sitemap-posts.xml?x=1"])
def test_visitors_cannot_mint_cache_entries_with_sitemap_parameters(client, small_sitemap_pages, url):
    make_many_posts(3, category=make_category(), tags=["Systems"])

    assert client.get(url).status_code == 200
    assert not local_pages.entries


def test_the_sitemap_index_and_its_pages_are_cached(client, small_sitemap_pages):
    make_many_posts(3, category=make_category(), tags=["Systems"])

    for url in ["/sitemap.xml", "/sitemap-posts.xml", "/sitemap-posts.xml?p=2"]:
        first = client.get(url)
        assert "public" in first["Cache-Control"]
        with mock.patch.object(PostSitemap, "items", side_effect=AssertionError("view ran")):
            assert client.get(url).content == first.content


def test_robots_txt_points_crawlers_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"].startswith("text/plain")
    assert f"Sitemap: {SITE_URL}/sitemap.xml" in response.content.decode().splitlines()


def test_robots_txt_lets_crawlers_find_the_contact_and_booking_pages_but_not_private_ones(client):
    rules = client.get("/robots.txt").content.decode().splitlines()

    assert "Disallow: /contact/" not in rules
    for private in ["/contact/sent/", "/contact/book/sent/", "/contact/book/cancel/"]:
        assert f"Disallow: {private}" in rules
    # One group: no blank line between the user-agent line and its rules.
    assert rules[rules.index("User-agent: *") : rules.index("Disallow: /contact/book/cancel/") + 1].count("") == 0


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

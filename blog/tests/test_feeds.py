"""RSS, Atom, JSON Feed and tag feeds: full content, absolute links, and only what is published."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from blog.feeds import FEED_LENGTH, absolutize_urls
from blog.tests.factories import make_category, make_draft, make_many_posts, make_post
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.django_db

SITE_URL = "https://ada.example"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
BODY = (
    "Read [the case study](/projects/tyche/) first.\n\n![A diagram](/media/covers/diagram.png)\n\n## Results\n\nFast.\n"
)
FEED_URLS = ["/feeds/rss/", "/feeds/atom/", "/feeds/json/", "/feeds/tags/systems/"]


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, ET.fromstring(response.content)


def rss_items(client, url="/feeds/rss/"):
    return get_xml(client, url)[1].findall("./channel/item")


def feed_titles(client, url):
    response = client.get(url)
    assert response.status_code == 200
    if url == "/feeds/json/":
        return [item["title"] for item in json.loads(response.content)["items"]]
    if url == "/feeds/atom/":
        return [entry.findtext(f"{ATOM}title") for entry in ET.fromstring(response.content).iter(f"{ATOM}entry")]
    return [item.findtext("title") for item in ET.fromstring(response.content).iter("item")]


def test_rss_feed_is_rss_2_with_full_content_and_absolute_links(client):
    make_profile(owner_name="Ada Example")
    post = make_post("Tyche", body=BODY, summary="Pre-loading for serverless ML.", tags=["Systems", "ML"])

    response, root = get_xml(client, "/feeds/rss/")

    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.findtext("./channel/link") == f"{SITE_URL}/blog/"
    (item,) = root.findall("./channel/item")
    url = f"{SITE_URL}{post.get_absolute_url()}"
    assert item.findtext("title") == "Tyche"
    assert item.findtext("link") == url
    assert item.findtext("guid") == url
    assert item.find("guid").get("isPermaLink") == "true"
    assert item.findtext("description") == "Pre-loading for serverless ML."
    assert item.findtext(DC_CREATOR) == "Ada Example"
    assert item.findtext("pubDate")
    assert [category.text for category in item.findall("category")] == ["Systems", "ML"]
    content = item.findtext(CONTENT)
    assert "Fast." in content and "<h2" in content
    assert f'href="{SITE_URL}/projects/tyche/"' in content
    assert f'src="{SITE_URL}/media/covers/diagram.png"' in content
    assert f'href="{url}#md-results"' in content


def test_atom_feed_has_full_content_author_and_both_dates(client):
    make_profile(owner_name="Ada Example")
    post = make_post("Tyche", body=BODY, tags=["Systems"])

    response, root = get_xml(client, "/feeds/atom/")

    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE_URL}/feeds/atom/"
    (entry,) = root.findall(f"{ATOM}entry")
    url = f"{SITE_URL}{post.get_absolute_url()}"
    assert entry.findtext(f"{ATOM}id") == url
    assert entry.find(f"{ATOM}link").get("href") == url
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Ada Example"
    assert entry.findtext(f"{ATOM}published") and entry.findtext(f"{ATOM}updated")
    assert entry.find(f"{ATOM}category").get("term") == "Systems"
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "Fast." in content.text and f'src="{SITE_URL}/media/covers/diagram.png"' in content.text


def test_json_feed_has_the_keys_json_feed_1_1_requires(client):
    make_profile(owner_name="Ada Example")
    post = make_post("Tyche", body=BODY, tags=["Systems", "ML"])

    response = client.get("/feeds/json/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/feed+json"
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"]
    assert feed["home_page_url"] == f"{SITE_URL}/blog/"
    assert feed["feed_url"] == f"{SITE_URL}/feeds/json/"
    assert feed["authors"] == [{"name": "Ada Example", "url": f"{SITE_URL}/"}]
    (item,) = feed["items"]
    assert item["id"] == item["url"] == f"{SITE_URL}{post.get_absolute_url()}"
    assert item["title"] == "Tyche"
    assert "Fast." in item["content_html"] and f'href="{SITE_URL}/projects/tyche/"' in item["content_html"]
    assert item["date_published"].startswith(str(post.published_at.date()))
    assert item["date_modified"] >= item["date_published"]
    assert item["tags"] == ["Systems", "ML"]


@pytest.mark.parametrize("url", FEED_URLS)
def test_draft_and_scheduled_posts_are_hidden_from_the_feed(client, url):
    make_post("Live", tags=["Systems"])
    make_draft("Draft", tags=["Systems"])
    make_post("Scheduled", published_at="future", tags=["Systems"])

    assert feed_titles(client, url) == ["Live"]


@pytest.mark.parametrize("url", FEED_URLS)
def test_feeds_hold_the_newest_posts_first(client, url):
    category = make_category()
    posts = make_many_posts(FEED_LENGTH + 5, category=category, tags=["Systems"])

    assert feed_titles(client, url) == [post.title for post in posts[:FEED_LENGTH]]


def test_feed_titles_are_escaped_once(client):
    make_post("C++ & Rust <fast>")

    assert rss_items(client)[0].findtext("title") == "C++ & Rust <fast>"
    assert b"C++ &amp; Rust &lt;fast&gt;" in client.get("/feeds/rss/").content


def test_feed_links_use_site_url_not_the_sites_framework_domain(client):
    make_post("Live")

    for url in FEED_URLS[:3]:
        assert b"example.com" not in client.get(url).content


def test_tag_feed_lists_only_posts_with_that_tag(client):
    make_post("About systems", tags=["Systems"])
    make_post("About agents", tags=["Agents"])

    response, root = get_xml(client, "/feeds/tags/systems/")

    assert [item.findtext("title") for item in root.iter("item")] == ["About systems"]
    assert root.findtext("./channel/link") == f"{SITE_URL}/tags/systems/"
    assert "#Systems" in root.findtext("./channel/title")


def test_tag_feed_for_an_unknown_tag_is_not_found(client):
    assert client.get("/feeds/tags/no-such-tag/").status_code == 404


def test_feeds_work_before_the_site_profile_exists(client):
    make_post("Live")

    for url in FEED_URLS[:3]:
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", FEED_URLS)
def test_feeds_are_cacheable_for_anonymous_readers(client, url):
    make_post("Live", tags=["Systems"])

    response = client.get(url)

    assert "public" in response["Cache-Control"]
    assert response.has_header("Last-Modified")


@pytest.mark.parametrize("url", FEED_URLS)
def test_feeds_cost_the_same_queries_with_50_posts_as_with_3(client, settings, count_queries, url):
    # An in-memory cache, so the database cache's own queries don't blur the feed's.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    make_profile()
    category = make_category()
    make_many_posts(3, category=category, tags=["Systems", "Agents"])
    few = count_queries(url)

    make_many_posts(47, category=category, tags=["Systems", "Agents"])

    assert count_queries(url) == few


def test_relative_urls_resolve_against_the_post_and_others_are_kept():
    html = (
        '<a href="/blog/other/">o</a><a href="#part">p</a><a href="https://x.example/">x</a>'
        '<a href="mailto:a@x.example">m</a><img src="media/a.png" alt=""><a href="/s/?a=1&amp;b=2">q</a>'
    )

    result = absolutize_urls(html, "https://ada.example/blog/post/")

    assert 'href="https://ada.example/blog/other/"' in result
    assert 'href="https://ada.example/blog/post/#part"' in result
    assert 'href="https://x.example/"' in result
    assert 'href="mailto:a@x.example"' in result
    assert 'src="https://ada.example/blog/post/media/a.png"' in result
    assert 'href="https://ada.example/s/?a=1&amp;b=2"' in result


def test_every_page_advertises_its_feeds_for_autodiscovery(client):
    html = client.get("/").content.decode()

    assert '<link rel="alternate" type="application/rss+xml"' in html and 'href="/feeds/rss/"' in html
    assert 'type="application/atom+xml"' in html and 'href="/feeds/atom/"' in html
    assert 'type="application/feed+json"' in html and 'href="/feeds/json/"' in html


def test_the_footer_and_the_blog_page_link_to_the_rss_feed(client):
    home = client.get("/").content.decode()
    blog = client.get("/blog/").content.decode()

    assert '<p class="footer-feed"><a class="feed-link" href="/feeds/rss/">' in home
    assert blog.count('<a class="feed-link" href="/feeds/rss/"') == 2


def test_prose_and_code_showing_an_attribute_survive_unchanged_in_the_feed(client):
    make_post(slug="attributes", body='Write `<img src="pic.png">`, and src="x" or href="/y" in prose.')
    item = ET.fromstring(client.get(reverse("feeds:rss")).content).find("channel/item")
    content = item.findtext(CONTENT)
    assert '<code>&lt;img src="pic.png"&gt;</code>' in content
    assert 'src="x" or href="/y" in prose' in content
    for rewritten in ("/pic.png", "/x", "/y"):
        assert f"{SITE_URL}/blog/attributes{rewritten}" not in content and f"{SITE_URL}{rewritten}" not in content

"""How pages travel: social cards, Open Graph and Twitter tags, and JSON-LD that matches the page."""

import json
import re
from datetime import datetime, timedelta
from html import unescape
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from blog.tests.factories import make_category, make_post
from portfolio.cards import HEIGHT, WIDTH, Card, drawable, render_png
from portfolio.models import SocialLink
from portfolio.tests.factories import make_profile
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db

SITE_URL = "https://ada.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL


def meta(page, name):
    match = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', page)
    return unescape(match[1]) if match else None


def json_ld(page):
    scripts = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.DOTALL)
    assert len(scripts) == 1, scripts
    return json.loads(scripts[0])


def of_type(data, type_name):
    return next(item for item in data["@graph"] if item["@type"] == type_name)


def png_size(content):
    with Image.open(BytesIO(content)) as image:
        assert image.format == "PNG"
        return image.size


# Cards


@pytest.mark.parametrize(
    "title",
    [
        "Short",
        "Backpressure " * 23 + "end",  # 300 characters
        "A" * 300,  # one unbreakable word
        "Κατανεμημένα συστήματα και ουρές με όριο",
        "Распределённые системы и очереди",
        "分布式系统中的背压与有界队列",
        "Emoji 🚀 and مرحبا and 中文 together",
        "",
    ],
    ids=["short", "300 characters", "one long word", "greek", "cyrillic", "cjk", "mixed scripts", "empty"],
)
def test_every_card_is_a_1200_by_630_png(title):
    card = Card(title=title, eyebrow="Blog · Systems", details=("#Backpressure", "6 min read"), owner="Ada Example")
    assert png_size(render_png(card)) == (WIDTH, HEIGHT) == (1200, 630)


def test_the_shipped_font_covers_latin_greek_and_cyrillic():
    for text in ("Ωμέγα λ", "Жизнь", "Café déjà vu", "Łódź"):
        assert drawable(text) == text


def test_characters_no_font_has_are_left_out_rather_than_drawn_as_boxes(settings):
    settings.SOCIAL_CARD_FALLBACK_FONTS = []
    assert drawable("Queues 中文 🚀 end") == "Queues end"


def test_a_long_title_wraps_inside_the_card_and_is_cut_with_an_ellipsis():
    from portfolio.cards import TITLE_FONT, TITLE_LINES, _fit_title, _width

    size, lines = _fit_title("Backpressure " * 40, 1040)
    assert len(lines) == TITLE_LINES and lines[-1].endswith("…")
    assert all(_width(line, TITLE_FONT, size) <= 1040 for line in lines)


def test_a_post_card_is_served_as_a_long_cached_png(client):
    make_profile(owner_name="Ada Example")
    post = make_post("Backpressure", slug="bp", tags=["Systems"])
    page = client.get(post.get_absolute_url()).content.decode()
    image_url = meta(page, "og:image")
    assert image_url.startswith(f"{SITE_URL}/cards/post/bp/") and image_url.endswith(".png")

    response = client.get(image_url.removeprefix(SITE_URL))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert png_size(response.content) == (1200, 630)


def test_a_changed_title_changes_the_card_and_the_old_address_redirects_to_the_new(client):
    post = make_post("First title", slug="changing")
    old = meta(client.get(post.get_absolute_url()).content.decode(), "og:image").removeprefix(SITE_URL)
    old_png = client.get(old).content
    post.title = "Second title"
    post.save()

    new = meta(client.get(post.get_absolute_url()).content.decode(), "og:image").removeprefix(SITE_URL)

    assert new != old
    assert client.get(old).headers["Location"] == new
    assert client.get(new).content != old_png


def test_og_image_is_the_cover_when_the_post_has_one(client):
    post = make_post(slug="covered", cover_image="covers/2026/a.png")
    page = client.get(post.get_absolute_url()).content.decode()
    assert meta(page, "og:image") == f"{SITE_URL}/media/covers/2026/a.png"
    assert json_ld(page)["@graph"][0]["image"] == f"{SITE_URL}/media/covers/2026/a.png"


@pytest.mark.parametrize("path", ["/", "/projects/tyche/", "/tags/systems/", "/blog/"])
def test_every_public_page_has_a_card_that_answers(client, path):
    make_profile()
    make_project("Tyche", slug="tyche", tech=["Systems"])
    page = client.get(path).content.decode()
    assert meta(page, "twitter:card") == "summary_large_image"
    image_url = meta(page, "og:image")
    assert image_url.startswith(f"{SITE_URL}/cards/")
    assert png_size(client.get(image_url.removeprefix(SITE_URL)).content) == (1200, 630)


def test_drafts_unknown_items_and_unknown_kinds_have_no_card(client):
    make_post(slug="draft", status="draft", published_at=None)
    for path in ("/cards/post/draft/0.png", "/cards/post/nothing/0.png", "/cards/user/x/0.png"):
        assert client.get(path).status_code == 404


# JSON-LD


def test_the_home_page_describes_the_person_and_the_website_with_search(client):
    make_profile(owner_name="Ada Example", headline="Building systems")
    SocialLink.objects.create(label="GitHub", url="https://github.com/ada", kind="github")
    SocialLink.objects.create(label="Email", url="mailto:ada@example.com", kind="email")
    data = json_ld(client.get("/").content.decode())

    person = of_type(data, "Person")
    assert person["name"] == "Ada Example" and person["url"] == f"{SITE_URL}/"
    assert person["sameAs"] == ["https://github.com/ada"]
    website = of_type(data, "WebSite")
    assert website["potentialAction"]["target"]["urlTemplate"] == f"{SITE_URL}/search/?q={{search_term_string}}"


def test_a_post_is_a_blog_posting_that_matches_the_page(client):
    make_profile(owner_name="Ada Example")
    post = make_post(
        "Queues", slug="queues", tags=["Systems", "ML"], category=make_category("Infra"), body="one two three four"
    )
    page = client.get(post.get_absolute_url()).content.decode()
    data = json_ld(page)
    posting = of_type(data, "BlogPosting")
    assert posting["headline"] == "Queues" == meta(page, "og:title")
    assert posting["description"] == post.summary == meta(page, "og:description")
    assert posting["url"] == f"{SITE_URL}/blog/queues/" == meta(page, "og:url")
    assert posting["image"] == meta(page, "og:image")
    published = datetime.fromisoformat(posting["datePublished"].replace("Z", "+00:00"))
    assert abs(published - post.published_at) < timedelta(milliseconds=1)
    assert posting["author"]["name"] == "Ada Example"
    assert posting["keywords"] == ["Systems", "ML"]
    assert posting["articleSection"] == "Infra"
    assert posting["wordCount"] == 4
    assert posting["timeRequired"] == "PT1M"
    trail = of_type(data, "BreadcrumbList")["itemListElement"]
    assert [crumb["name"] for crumb in trail] == ["Home", "Blog", "Infra", "Queues"]
    assert trail[-1]["item"] == posting["url"]


def test_a_project_with_a_repository_is_software_source_code(client):
    project = make_project("Tyche", slug="tyche", tech=["Python", "Kubernetes"], repo_url="https://github.com/ada/t")
    data = json_ld(client.get(project.get_absolute_url()).content.decode())
    code = of_type(data, "SoftwareSourceCode")
    assert code["name"] == "Tyche" and code["codeRepository"] == "https://github.com/ada/t"
    assert code["programmingLanguage"] == ["Python", "Kubernetes"]
    assert [crumb["name"] for crumb in of_type(data, "BreadcrumbList")["itemListElement"]] == [
        "Home",
        "Projects",
        "Tyche",
    ]


def test_a_project_without_a_repository_is_a_creative_work(client):
    project = make_project("Notes", slug="notes", tech=["Writing"])
    work = json_ld(client.get(project.get_absolute_url()).content.decode())["@graph"][0]
    assert work["@type"] == "CreativeWork" and "codeRepository" not in work
    assert work["datePublished"]


def test_a_title_with_a_closing_script_tag_stays_inside_its_json_string(client):
    title = "</script><script>alert(1)</script> & <!-- x"
    post = make_post(title, slug="hostile", summary="</SCRIPT> too")
    page = client.get(post.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.DOTALL)[1]
    assert "<" not in block and ">" not in block
    assert of_type(json.loads(block), "BlogPosting")["headline"] == title
    assert "<script>alert(1)" not in page


def test_the_json_ld_script_carries_the_pages_csp_nonce(client):
    post = make_post(slug="nonced")
    response = client.get(post.get_absolute_url())
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    assert f'<script type="application/ld+json" nonce="{nonce}">' in response.content.decode()


@pytest.mark.parametrize("path", ["/blog/", "/projects/", "/tags/systems/", "/blog/archive/"])
def test_inner_pages_have_breadcrumbs(client, path):
    make_post(tags=["Systems"])
    trail = of_type(json_ld(client.get(path).content.decode()), "BreadcrumbList")["itemListElement"]
    assert trail[0]["name"] == "Home" and len(trail) >= 2
    assert trail[-1]["item"] == SITE_URL + path


def test_installing_a_fallback_font_gives_cards_a_new_address(settings):
    card = Card(title="分布式系统")
    settings.SOCIAL_CARD_FALLBACK_FONTS = []
    without = card.key
    settings.SOCIAL_CARD_FALLBACK_FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"]
    if not Path(settings.SOCIAL_CARD_FALLBACK_FONTS[0]).is_file():
        pytest.skip("DejaVu Sans is not installed here")
    assert card.key != without


def test_a_cover_in_object_storage_keeps_its_own_address(client, settings):
    settings.MEDIA_URL = "https://media.example/"
    post = make_post(slug="remote-cover", cover_image="covers/2026/b.png")
    page = client.get(post.get_absolute_url()).content.decode()
    assert meta(page, "og:image") == "https://media.example/covers/2026/b.png"

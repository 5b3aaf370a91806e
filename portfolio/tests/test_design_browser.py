"""The whole site in headless Chromium: no sideways scroll with hostile content, zero axe violations of any
impact in both themes, the identity pieces at work, and screenshots of every page for a person to review."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.template.loader import render_to_string
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from blog.models import Category, Post
from blog.tests.factories import make_category, make_many_posts, make_post, make_series
from portfolio.models import FocusArea, Publication, SiteProfile, SocialLink
from portfolio.tests.factories import make_publication
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = "Supercalifragilisticexpialidocious" * 2 + "Antidisestablishmentism"[:13]  # 81 characters
LONG_TITLE = ("A title that goes on and on about distributed consensus, backpressure and retries " * 4)[:300]
CJK = "分散システムの設計と実装について考える"
EMOJI = "🚀🧠⚡️"


def portrait():
    buffer = BytesIO()
    image = Image.new("RGB", (600, 600), (24, 96, 84))
    ImageDraw.Draw(image).ellipse((170, 110, 430, 370), fill=(236, 214, 190))
    ImageDraw.Draw(image).ellipse((90, 360, 510, 760), fill=(236, 214, 190))
    image.save(buffer, "PNG")
    return SimpleUploadedFile("portrait.png", buffer.getvalue(), content_type="image/png")


def set_up_owner():
    """The seeded site, after the owner has filled in who they are."""
    call_command("seed_demo", verbosity=0)
    profile = SiteProfile.load()
    profile.owner_name = "Ada Lovelace"
    profile.contact_email = "ada@lovelace.dev"
    profile.short_bio = "Engineer working on serverless ML systems and agentic microservices."
    profile.location = "Toronto, Canada"
    profile.time_zone = "America/Toronto"
    profile.about = "I build systems that scale.\n\n## How I work\n\nMeasure first, then design."
    profile.experience = "- **Staff engineer**, Example Cloud (2022–now)\n- **Researcher**, a systems lab (2019–2022)"
    profile.cv_url = "/static/img/favicon.svg"
    profile.avatar = portrait()
    profile.avatar_alt = "Ada Lovelace, smiling, in front of a whiteboard"
    profile.save()
    SocialLink.objects.filter(label="GitHub").update(url="https://github.com/ada")
    SocialLink.objects.filter(label="LinkedIn").update(url="https://www.linkedin.com/in/ada")
    publication = Publication.objects.get()
    publication.authors = "Ada Lovelace, Charles Babbage"
    publication.doi = "10.1109/TPDS.2026.0000001"
    publication.save()
    return profile


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def site(live_server, media):
    set_up_owner()
    tyche = Post.objects.get(title__startswith="Tyche")
    project = Project.objects.order_by("order").first()
    return {
        "home": "/",
        "blog": "/blog/",
        "post": tyche.get_absolute_url(),
        "projects": "/projects/",
        "project": project.get_absolute_url(),
        "about": "/about/",
        "contact": "/contact/",
        "booking": "/contact/book/",
    }


@pytest.fixture
def hostile_site(site):
    """The same site, with content built to break layouts: long words and titles, CJK, emoji."""
    category = Category.objects.create(name=LONG_WORD[:80], slug="long-category")  # a name holds 80 characters
    series = make_series(f"{LONG_WORD} series")
    publication = make_publication(f"{LONG_WORD} {CJK}", authors=LONG_WORD, doi=f"10.1000/{LONG_WORD}")
    long_word_post = make_post(
        f"{LONG_WORD} {EMOJI}",
        category=category,
        tags=[LONG_WORD, "Serverless"],
        summary=f"{LONG_WORD} {CJK} {EMOJI} " * 3,
        body=f"## {LONG_WORD}\n\n{LONG_WORD} {CJK}{CJK}{CJK} {EMOJI}\n\n## {CJK}\n\ntext\n\n## Three\n\nmore",
        series=series,
        series_order=1,
        citation=publication,
    )
    make_post(
        LONG_TITLE[:200], tags=["Serverless"], summary=LONG_TITLE, series=series, series_order=2
    )  # the longest title
    make_post(f"{CJK}{CJK}{CJK} {EMOJI}", tags=[CJK], summary=CJK * 8)
    project = make_project(
        f"{LONG_WORD} {EMOJI}",
        tech=[LONG_WORD, CJK, "Python"],
        summary=f"{LONG_WORD} {CJK} " * 4,
        body=f"## {LONG_WORD}\n\n{CJK * 10}",
        featured=True,
        repo_url="https://github.com/ada/x",
        demo_url="https://example.com/",
    )
    FocusArea.objects.create(title=LONG_WORD[:80], description=f"{LONG_WORD} {CJK}", order=9)
    SiteProfile.objects.update(owner_name=LONG_WORD, location=f"{LONG_WORD} {CJK}", short_bio=f"{LONG_WORD} {CJK}")
    return site | {
        "post": long_word_post.get_absolute_url(),
        "long title post": Post.objects.get(title=LONG_TITLE[:200]).get_absolute_url(),
        "project": project.get_absolute_url(),
        "tag": f"/tags/{long_word_post.tags.first().slug}/",
        "category": category.get_absolute_url(),
        "archive": "/blog/archive/",
        "search": f"/search/?q={LONG_WORD}",
        "404": "/no/such/page/",
    }


@pytest.mark.parametrize("width", [320, 375, 768, 1280])
def test_no_page_scrolls_sideways_with_hostile_content(live_server, page, hostile_site, screenshot, width):
    page.set_viewport_size({"width": width, "height": 800})
    too_wide = {}
    for name, path in hostile_site.items():
        response = page.goto(live_server.url + path)
        assert response.status == (404 if name == "404" else 200), name
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide[name] = scroll_width
        if width == 320:
            screenshot(f"hostile-{name.replace(' ', '-')}-320")
    assert too_wide == {}


PAGES = ["home", "blog", "post", "projects", "project", "about", "contact", "booking"]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_every_main_page_has_zero_axe_violations_of_any_impact(live_server, page, site, axe_all, name, theme):
    page.emulate_media(color_scheme=theme)
    assert page.goto(live_server.url + site[name]).status == 200
    expect(page.locator("html")).to_have_attribute("data-theme", theme)
    assert axe_all() == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_is_saved_as_a_screenshot_at_phone_and_desktop_widths(live_server, page, site, screenshot, theme):
    pages = site | {"archive": "/blog/archive/", "search": "/search/?q=serverless", "404": "/no/such/page/"}
    page.emulate_media(color_scheme=theme)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(live_server.url + path)
            page.evaluate("document.fonts.ready")
            assert screenshot(f"design-{name}-{width}-{theme}").exists()


def test_heading_anchors_show_only_on_hover_or_focus(live_server, page, site):
    page.goto(live_server.url + site["post"])
    heading = page.locator(".prose h2").first
    anchor = heading.locator(".heading-anchor")
    expect(anchor).to_have_css("opacity", "0")
    heading.hover()
    expect(anchor).to_have_css("opacity", "1")


def test_the_citation_box_copies_the_bibtex(live_server, page, site):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + site["post"])
    button = page.locator("[data-copy-target]")
    expect(button).to_be_visible()
    button.click()
    expect(button).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("@article{lovelace2026accelerating,")
    assert "doi = {10.1109/TPDS.2026.0000001}" in copied


def test_without_javascript_the_copy_button_stays_hidden_and_the_bibtex_is_there(live_server, browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + site["post"])
    expect(page.locator(".bibtex-entry")).to_contain_text("@article{lovelace2026accelerating,")
    expect(page.get_by_role("button", name="Copy BibTeX")).to_have_count(0)
    context.close()


def test_the_web_font_loads_from_this_site_and_styles_the_headings(live_server, page, site):
    fonts = []
    page.on("response", lambda response: fonts.append(response) if response.url.endswith(".woff2") else None)
    page.goto(live_server.url + "/")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('600 16px Vollkorn')")
    assert [response.status for response in fonts] == [200]
    assert fonts[0].url.startswith(live_server.url)
    assert "Vollkorn" in page.locator("h1").evaluate("element => getComputedStyle(element).fontFamily")


def test_a_project_card_is_one_big_link_to_its_case_study(live_server, page, site):
    page.goto(live_server.url + "/projects/")
    card = page.locator(".project-card").first
    box = card.bounding_box()
    # A click on the card's placeholder image, far from the title, opens the case study.
    page.mouse.click(box["x"] + 20, box["y"] + 20)
    expect(page).to_have_url(live_server.url + site["project"])


def test_project_cards_in_a_row_have_equal_heights(live_server, page, site):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/projects/")
    heights = {round(card.bounding_box()["height"]) for card in page.locator(".project-card").all()}
    assert len(heights) == 1


def test_the_static_500_page_has_the_sites_look_and_navigation(live_server, page, screenshot):
    # Served as Django serves it when a view fails: the template alone, with no context and no database.
    html = render_to_string("500.html")
    page.route(f"{live_server.url}/boom/", lambda route: route.fulfill(status=500, body=html, content_type="text/html"))
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 700})
        page.goto(f"{live_server.url}/boom/")
        expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_text(
            ["Projects", "Writing", "About", "Contact"]
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(f"design-500-{width}")


@pytest.mark.parametrize("width", [320, 375])
def test_page_links_share_one_row_on_a_phone(live_server, page, width):
    make_many_posts(25, category=make_category(), tags=["Raft"])
    page.set_viewport_size({"width": width, "height": 800})
    for path in ("/blog/?page=2", "/search/?q=bulk&page=2"):
        page.goto(live_server.url + path)
        previous, following = page.locator(".pagination a[rel=prev]"), page.locator(".pagination a[rel=next]")
        status = page.locator(".pagination-status").bounding_box()
        left, right = previous.bounding_box(), following.bounding_box()
        assert left["y"] == right["y"], path  # one row
        assert right["x"] + right["width"] > width - 40 > left["x"] + left["width"], path  # at its two ends
        assert status["y"] + status["height"] <= left["y"], path  # the status above, not between
        assert page.evaluate("document.documentElement.scrollWidth") <= width

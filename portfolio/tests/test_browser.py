"""The home page in a real browser: layout, theme toggle and accessibility."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(live_server):
    call_command("seed_demo", verbosity=0)
    return live_server.url


def test_home_renders_the_hero_and_every_focus_area(page, seeded):
    page.goto(seeded + "/")
    expect(page.locator("h1")).to_have_text("Building systems that scale and agents that reason")
    expect(page.locator(".focus-item h3")).to_have_count(5)
    expect(page.get_by_role("link", name="Book a quick intro call").first).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_text(
        ["Projects", "Writing", "About", "Contact", "Search"]
    )


def test_the_theme_toggle_switches_and_is_remembered(page, seeded):
    page.emulate_media(color_scheme="light")
    page.goto(seeded + "/")
    root = page.locator("html")
    expect(root).to_have_attribute("data-theme", "light")
    light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")

    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(root).to_have_attribute("data-theme", "dark")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light_bg

    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


def test_the_page_follows_the_systems_dark_preference(page, seeded):
    page.emulate_media(color_scheme="dark")
    page.goto(seeded + "/")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(16, 18, 23)"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_home_has_no_serious_accessibility_violations(page, seeded, axe, theme):
    page.emulate_media(color_scheme=theme)
    page.goto(seeded + "/")
    assert axe() == []


@pytest.mark.parametrize("width", [375, 1280])
def test_home_fits_the_screen_and_is_saved_for_review(page, seeded, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(seeded + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(f"home-{width}")


def test_the_skip_link_moves_focus_to_the_content(page, seeded):
    page.goto(seeded + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_nav_stays_on_one_row_on_a_375px_phone(page, seeded):
    page.set_viewport_size({"width": 375, "height": 640})
    page.goto(seeded + "/")
    tops = {
        round(link.bounding_box()["y"])
        for link in page.get_by_role("navigation", name="Main").get_by_role("link").all()
    }
    assert len(tops) == 1


def test_the_nav_fits_a_320px_phone_without_a_menu_button(page, seeded):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(seeded + "/")
    for name in ["Projects", "Writing", "About", "Contact", "Search"]:
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=name)).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_the_admins_own_theme_setting_does_not_change_the_site(page, seeded):
    page.emulate_media(color_scheme="dark")
    page.goto(seeded + "/")
    page.evaluate("localStorage.setItem('theme', 'auto')")  # what Django's admin stores on this origin
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.get_by_role("button", name="Dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert page.evaluate("localStorage.getItem('theme')") == "auto"

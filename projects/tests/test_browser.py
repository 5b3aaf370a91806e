"""The projects pages in headless Chromium: layout at phone and desktop widths, the filter links, accessibility."""

import pytest

from blog.tests.factories import make_post
from projects.tests.factories import make_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def projects():
    agent = make_project(
        "UI-Navigator Agent",
        tech=["Agentic AI", "LangGraph", "Browser Automation", "LLM"],
        summary="Autonomous browser agent that plans and executes multi-step UI workflows end to end.",
        body="## Architecture\n\nA planner and an executor.\n\n```python\nagent.run(goal)\n```",
        repo_url="https://github.com/owner/ui-navigator",
        demo_url="https://demo.example.com/",
        featured=True,
        order=0,
    )
    agent.related_posts.add(make_post("Teaching an agent to click"))
    make_project(
        "ResumeSnap",
        tech=["NLP", "SpaCy", "Gemini", "FastAPI", "Azure", "LLM"],
        summary="Career intelligence platform with a companion browser extension.",
        featured=True,
        order=1,
    )
    make_project("Gandom Bakery Platform", tech=["Next.js", "Stripe"], summary="E-commerce for a bakery.", order=2)
    return agent


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_projects_page_fits_the_screen_at_phone_and_desktop_widths(
    live_server, page, screenshot, projects, width, scheme
):
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live_server.url}/projects/")
    assert page.locator("h1").inner_text() == "Projects"
    assert page.locator(".project-card").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Cards sit side by side on a desktop and stack on a phone.
    tops = [box["y"] for box in (card.bounding_box() for card in page.locator(".project-card").all())]
    assert (len(set(tops)) == 1) if width == 1280 else (tops == sorted(tops) and len(set(tops)) == 3)
    screenshot(f"projects-list-{width}-{scheme}")


def test_tech_filter_links_narrow_the_list_and_clear_it(live_server, page, screenshot, projects):
    page.set_viewport_size({"width": 375, "height": 900})
    page.goto(f"{live_server.url}/projects/")
    page.locator(".tech-filter").get_by_role("link", name="LLM 2 projects").click()
    page.wait_for_url("**/projects/?tech=llm")
    assert page.locator(".project-card").count() == 2
    assert page.locator('.tech-filter [aria-current="page"]').inner_text().startswith("LLM")
    screenshot("projects-filtered-375")
    page.locator(".tech-filter").get_by_role("link", name="Stripe", exact=True).click()
    page.wait_for_url("**/projects/?tech=stripe")
    assert page.locator(".project-card h2").all_inner_texts() == ["Gandom Bakery Platform"]
    page.get_by_role("link", name="Clear filter").click()
    page.wait_for_url(f"{live_server.url}/projects/")
    assert page.locator(".project-card").count() == 3


def test_unknown_tech_shows_a_friendly_empty_state(live_server, page, projects):
    page.goto(f"{live_server.url}/projects/?tech=%3Cimg%20src=x%20onerror=alert(1)%3E")
    assert page.locator(".empty-state").is_visible()
    assert page.locator("img").count() == 0


@pytest.mark.parametrize("path", ["/projects/", "/projects/?tech=llm", "/", "PROJECT"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_projects_pages_have_no_serious_accessibility_violations(live_server, page, axe, projects, path, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url + (projects.get_absolute_url() if path == "PROJECT" else path))
    assert axe() == []


@pytest.mark.parametrize("width", [375, 1280])
def test_case_study_page_fits_and_links_out(live_server, page, screenshot, projects, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + projects.get_absolute_url())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.get_by_role("link", name="Live demo (external site)").get_attribute("rel") == "external noopener"
    assert page.get_by_role("link", name="Teaching an agent to click").is_visible()
    screenshot(f"project-detail-{width}")

"""Project case studies get the post editor in the browser (see blog/tests/test_editor_browser.py)."""

import json

import pytest
from playwright.sync_api import expect

from blog.models import SECONDS_PER_CODE_BLOCK, SECONDS_PER_CODE_LINE, SECONDS_PER_IMAGE, WORDS_PER_MINUTE
from conftest import save_screenshot
from projects.tests.factories import make_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_project_case_studies_get_the_same_editor(live_server, editor_page):
    page = editor_page
    project = make_project(body="A case study.")
    page.goto(f"{live_server.url}/admin/projects/project/{project.pk}/change/")
    expect(page.locator(".writing-bar")).to_be_visible()
    expect(page.locator("[data-word-count]")).to_have_text("3 words")
    page.locator("#id_body").press_sequentially(" More.")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Autosaved")
    page.reload()
    expect(page.get_by_text("Unsaved changes found")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screenshot(page, "admin-editor-project-375")
    constants = json.loads(page.locator("#id_body").get_attribute("data-reading-time"))
    assert constants == {
        "wordsPerMinute": WORDS_PER_MINUTE,
        "secondsPerCodeBlock": SECONDS_PER_CODE_BLOCK,
        "secondsPerCodeLine": SECONDS_PER_CODE_LINE,
        "secondsPerImage": SECONDS_PER_IMAGE,
    }

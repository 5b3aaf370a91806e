"""The admin and its Markdown editor work in a real browser under the site's CSP and Permissions-Policy."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from blog.tests.factories import make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
POLICY_PROBLEMS = ("Content Security Policy", "Permissions policy", "Permissions-Policy", "Refused to")


@pytest.fixture
def strict_page(browser):
    """A page with the policies enforced (no bypass_csp), recording any complaint about them."""
    context = browser.new_context()
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if any(p in m.text for p in POLICY_PROBLEMS) else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


def sign_in(page, live_server, password=PASSWORD):
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def test_the_admin_and_the_markdown_editor_work_under_the_policies(live_server, strict_page, settings):
    page = strict_page
    User.objects.create_superuser("owner", "owner@example.com", PASSWORD)
    post = make_post("Backpressure")
    sign_in(page, live_server)
    expect(page.locator("#site-name")).to_be_visible()

    response = page.goto(live_server.url + "/admin/blog/post/")
    assert "camera=()" in response.headers["permissions-policy"]
    assert response.headers["cross-origin-resource-policy"] == "same-origin"
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    # The admin's own scripts run: selecting all rows for an action.
    page.check("#action-toggle")
    expect(page.locator("input.action-select").first).to_be_checked()

    page.goto(live_server.url + f"/admin/blog/post/{post.pk}/change/")
    page.fill("#id_body", "## Under the policies\n\nStill *live*.")
    page.locator("#id_body").press("End")
    expect(page.locator(".markdownx-preview h2")).to_contain_text("Under the policies")
    expect(page.locator(".markdownx-preview em")).to_have_text("live")
    page.fill("#id_title", "Backpressure, edited")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert page.problems == []


def test_a_locked_out_owner_sees_the_explanation_in_the_admins_style(live_server, strict_page, settings):
    settings.AXES_FAILURE_LIMIT = 2
    page = strict_page
    User.objects.create_superuser("owner", "owner@example.com", PASSWORD)
    sign_in(page, live_server, "wrong")
    sign_in(page, live_server, "wrong")
    expect(page.locator("h1")).to_have_text("Sign-in paused")
    expect(page.locator(".errornote")).to_contain_text("paused for 15 minutes")
    sign_in(page, live_server)  # the right password, still paused
    expect(page.locator("h1")).to_have_text("Sign-in paused")
    assert page.problems == []

"""A reader's view in headless Chromium: copy a code block, follow the table of contents, accessibility, themes."""

import base64
import io
import re
from datetime import UTC, datetime

import pytest
from PIL import Image
from playwright.sync_api import expect

from blog.tests.factories import make_post, make_series

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = "def idempotency_key(run_id, step):\n    return f'{run_id}:{step}'"
LONG_PARAGRAPH = " ".join(["Distributed agents retry, time out and resume, so every step must be safe to repeat."] * 12)
BODY = f"""{LONG_PARAGRAPH}

## The failure mode

{LONG_PARAGRAPH}

```python
{CODE}
```

## Idempotency keys

{LONG_PARAGRAPH}

| signal | act when |
| --- | --- |
| queue depth | above half the bound |

## What to measure

{LONG_PARAGRAPH}

- retries per tool;
- duplicates avoided.

{LONG_PARAGRAPH}
"""


@pytest.fixture
def post(transactional_db):
    series = make_series("Agents as Distributed Systems")
    make_post("Part one", series=series, series_order=1, tags=["AgenticSystems"])
    post = make_post(
        "Agents as Distributed Systems, Part 2: Idempotent Tool Calls",
        body=BODY,
        summary="An agent that retries a tool call is a client retrying an RPC.",
        tags=["AgenticSystems", "DistributedSystems"],
        series=series,
        series_order=2,
    )
    make_post("A related post", tags=["DistributedSystems"])
    return post


def test_a_reader_copies_a_code_block_with_its_button(live_server, page, post):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + post.get_absolute_url())
    expect(page.get_by_role("button", name="Copy")).to_have_count(1)
    button = page.locator(".copy-button")
    button.click()
    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()").strip() == CODE


def test_table_of_contents_links_scroll_to_their_heading(live_server, page, post):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + post.get_absolute_url())
    heading = page.locator("#md-what-to-measure")
    expect(heading).not_to_be_in_viewport()
    page.get_by_role("navigation", name="On this page").get_by_role("link", name="What to measure").click()
    expect(heading).to_be_in_viewport()
    assert page.url.endswith("#md-what-to-measure")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_post_page_has_no_serious_accessibility_violations(live_server, page, axe, post, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url + post.get_absolute_url())
    assert axe() == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_of_a_post_in_both_themes(live_server, page, screenshot, post, scheme, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url + post.get_absolute_url())
    expect(page.locator("html")).to_have_attribute("data-theme", scheme)
    # Nothing sticks out sideways at phone width: long code scrolls inside its block.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(f"blog-post-{scheme}-{width}")


@pytest.mark.parametrize("url", ["/", "/blog/", "/blog/archive/", "/tags/agenticsystems/"])
def test_blog_listings_have_no_serious_accessibility_violations(live_server, page, axe, post, url):
    page.goto(live_server.url + url)
    assert axe() == []


def test_the_admin_editor_previews_and_explains_refused_uploads_under_the_real_csp(
    live_server, browser, post, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    from django.contrib.auth.models import User

    User.objects.create_superuser("owner", "owner@example.com", "a-long-test-password")
    context = browser.new_context()  # no bypass_csp: the policy the owner's browser enforces
    page = context.new_page()
    problems = []
    page.on(
        "console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.goto(live_server.url + f"/admin/blog/post/{post.pk}/change/")

    page.fill("#id_body", "## Live preview\n\n<script>alert(1)</script>")
    page.locator("#id_body").press("End")
    expect(page.locator(".markdownx-preview h2#md-live-preview")).to_have_text("Live preview#")
    assert "<script" not in page.inner_html(".markdownx-preview")

    expect(page.locator(".markdownx-upload-error")).to_be_hidden()
    not_an_image = page.evaluate_handle(
        "() => { const d = new DataTransfer();"
        " d.items.add(new File(['hello'], 'x.png', {type: 'image/png'})); return d; }"
    )
    page.dispatch_event("#id_body", "drop", {"dataTransfer": not_an_image})
    expect(page.locator(".markdownx-upload-error")).to_contain_text("not a readable image")
    assert "Invalid response" not in page.input_value("#id_body")

    # A good upload afterwards clears the old complaint.
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(png, "PNG")
    a_real_image = page.evaluate_handle(
        "(data) => { const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0)); const d = new DataTransfer();"
        " d.items.add(new File([bytes], 'real.png', {type: 'image/png'})); return d; }",
        base64.b64encode(png.getvalue()).decode(),
    )
    page.dispatch_event("#id_body", "drop", {"dataTransfer": a_real_image})
    expect(page.locator("#id_body")).to_have_value(re.compile(r"!\[\]\(/media/uploads/"))
    expect(page.locator(".markdownx-upload-error")).to_be_hidden()
    assert problems == []
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_reader_moves_between_archive_years(live_server, page, axe, scheme):
    make_post("This year's post", published_at=datetime(2025, 3, 2, tzinfo=UTC))
    make_post("Last year's post", published_at=datetime(2024, 7, 9, tzinfo=UTC))
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/blog/archive/")
    years = page.get_by_role("navigation", name="Years")
    expect(years.get_by_role("link", name="2025")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="This year's post")).to_be_visible()
    assert axe() == []
    years.get_by_role("link", name="2024").click()
    expect(page).to_have_url(re.compile(r"/blog/archive/\?year=2024$"))
    expect(page.get_by_role("link", name="Last year's post")).to_be_visible()
    expect(page.get_by_role("link", name="This year's post")).to_have_count(0)
    expect(years.get_by_role("link", name="2024")).to_have_attribute("aria-current", "page")
    assert axe() == []

"""The admin's writing editor in headless Chromium, under the real CSP: a wide editor with its preview,
autosave and restore, live counts, alt text on uploads, the status in words, shortcuts."""

import base64
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from blog.models import (
    FENCED_CODE,
    IMAGE,
    LINK_TARGET,
    WORD,
    Post,
    estimate_reading_time,
)
from blog.tests.factories import make_category, make_post
from conftest import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROSE = " ".join(["Agents retry, time out and resume, so every step must be safe to repeat."] * 40)
CODE = "\n".join(f"step_{n} = run(step_{n - 1})" for n in range(1, 31))
BODY = (
    f"{PROSE}\n\n```python\n{CODE}\n```\n\n![A queue](/media/q.png) and [a link](https://example.org/x-y-z).\n\n{PROSE}"
)


def edit(page, live_server, post):
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    expect(page.locator(".writing-bar")).to_be_visible()


def drop_image(page, name="real.png", size=(8, 8)):
    png = io.BytesIO()
    Image.new("RGB", size, "teal").save(png, "PNG")
    files = page.evaluate_handle(
        "([data, name]) => { const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));"
        " const d = new DataTransfer(); d.items.add(new File([bytes], name, {type: 'image/png'})); return d; }",
        [base64.b64encode(png.getvalue()).decode(), name],
    )
    page.dispatch_event("#id_body", "drop", {"dataTransfer": files})


def test_the_editor_is_wide_with_the_preview_beside_it_following_the_scroll(live_server, editor_page):
    page = editor_page
    post = make_post(body=BODY)
    edit(page, live_server, post)
    expect(page.locator("#nav-sidebar")).to_have_count(0)  # the page's width goes to the writing
    editor = page.locator("#id_body").bounding_box()
    preview = page.locator(".markdownx-preview").bounding_box()
    assert editor["width"] > 550 and preview["width"] > 550
    assert preview["x"] > editor["x"] + editor["width"] and abs(preview["y"] - editor["y"]) < 2
    expect(page.locator(".markdownx-preview pre")).to_have_count(1)

    page.locator("#id_body").evaluate("box => { box.scrollTop = box.scrollHeight; }")
    follows = "() => { const p = document.querySelector('.markdownx-preview');"
    follows += " return p.scrollHeight > p.clientHeight && p.scrollTop >= p.scrollHeight - p.clientHeight - 2; }"
    page.wait_for_function(follows)
    page.locator("#id_body").evaluate("box => { box.scrollTop = 0; }")
    page.wait_for_function("() => document.querySelector('.markdownx-preview').scrollTop === 0")

    # Ctrl+Alt+P hides the preview and gives the text the whole width; again brings it back.
    page.locator("#id_body").press("Control+Alt+p")
    expect(page.locator(".markdownx-preview")).to_be_hidden()
    expect(page.get_by_role("button", name="Preview")).to_have_attribute("aria-pressed", "false")
    assert page.locator("#id_body").bounding_box()["width"] > 1100
    page.locator("#id_body").press("Control+Alt+p")
    expect(page.locator(".markdownx-preview")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    save_screenshot(page, "admin-editor-1280")
    page.emulate_media(color_scheme="dark")
    page.locator(".writing-bar").scroll_into_view_if_needed()
    save_screenshot(page, "admin-editor-1280-dark", full_page=False)
    assert page.csp_problems == []


def test_word_count_and_reading_time_follow_the_servers_formula(live_server, editor_page):
    page = editor_page
    post = make_post(body="Short.")
    edit(page, live_server, post)
    expect(page.locator("[data-word-count]")).to_have_text("1 word")
    page.fill("#id_body", BODY)
    prose = re.sub(r"```python\n.*?```", " ", BODY, flags=re.S).replace("(https://example.org/x-y-z)", "")
    prose = prose.replace("![A queue](/media/q.png)", " ")
    words = len(WORD.findall(prose))
    expect(page.locator("[data-word-count]")).to_have_text(f"{words:,} words")
    expect(page.locator("[data-reading-estimate]")).to_have_text(f"{estimate_reading_time(BODY)} min read")
    assert estimate_reading_time(BODY) == 6  # prose, code and the image all count: not a trivial 1


def test_changes_are_autosaved_and_offered_back_after_the_tab_is_closed(live_server, editor_page):
    page = editor_page
    post = make_post(title="Original title", body="Original body.")
    edit(page, live_server, post)
    page.fill("#id_title", "A better title")
    page.locator("#id_body").press("Control+End")
    page.locator("#id_body").press_sequentially(" Fresh words that were never saved.")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Autosaved in this browser")
    context = page.context
    page.close()  # the tab closes (or the browser crashes) before the owner saves

    page = context.new_page()
    edit(page, live_server, post)
    banner = page.get_by_role("alert").filter(has_text="Unsaved changes found")
    expect(banner).to_be_visible()
    expect(page.locator("#id_body")).to_have_value("Original body.")
    save_screenshot(page, "admin-editor-restore-prompt", full_page=False)
    # Typing before answering doesn't overwrite what was kept.
    page.fill("#id_summary", "Typed while the prompt was up.")
    page.wait_for_timeout(1200)  # longer than the autosave delay: nothing may be written meanwhile
    assert "A better title" in page.evaluate("JSON.stringify(localStorage)")
    banner.get_by_role("button", name="Restore them").click()
    expect(banner).to_have_count(0)
    expect(page.locator("#id_title")).to_have_value("A better title")
    expect(page.locator("#id_body")).to_have_value("Original body. Fresh words that were never saved.")
    expect(page.locator(".markdownx-preview")).to_contain_text("Fresh words")

    # Ctrl+S saves and stays on the page; the saved draft is then cleared from the browser.
    page.locator("#id_body").press("Control+s")
    expect(page.locator(".messagelist .success")).to_be_visible()
    post.refresh_from_db()
    assert (post.title, post.body) == ("A better title", "Original body. Fresh words that were never saved.")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('writing-draft:'))") == []
    page.reload()
    expect(page.locator(".writing-bar")).to_be_visible()
    expect(page.get_by_text("Unsaved changes found")).to_have_count(0)


def test_a_discarded_draft_is_not_offered_again(live_server, editor_page):
    page = editor_page
    post = make_post(body="Kept.")
    edit(page, live_server, post)
    page.locator("#id_body").press_sequentially(" Thrown away.")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Autosaved")
    page.reload()
    page.get_by_role("button", name="Discard").click()
    expect(page.locator("#id_body")).to_have_value("Kept.")
    page.reload()
    expect(page.locator(".writing-bar")).to_be_visible()
    expect(page.get_by_text("Unsaved changes found")).to_have_count(0)


def test_every_uploaded_image_asks_for_alt_text_and_records_its_size(live_server, editor_page):
    page = editor_page
    post = make_post(body="Before.\n\n")
    edit(page, live_server, post)
    page.locator("#id_body").evaluate("box => { box.selectionStart = box.selectionEnd = box.value.length; }")
    drop_image(page, size=(64, 48))
    dialog = page.get_by_role("dialog", name="Describe this image")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Stored at 64 × 48 px.")
    dialog.get_by_label("Alt text").fill("A teal square [test]")
    save_screenshot(page, "admin-editor-alt-text", full_page=False)
    dialog.get_by_label("Alt text").press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#id_body")).to_have_value(
        re.compile(r"!\[A teal square \\\[test\\\]\]\(/media/uploads/\S+\.png\)\{width=64 height=48\}$")
    )
    expect(page.locator(".markdownx-preview img[alt='A teal square [test]'][width='64'][height='48']")).to_have_count(1)
    expect(page.locator("[data-missing-alt]")).to_be_hidden()

    # Skipping is allowed, but the bar keeps saying so.
    drop_image(page, name="second.png")
    expect(dialog.get_by_label("Alt text")).to_be_focused()
    dialog.get_by_role("button", name="Leave it empty").click()
    expect(page.locator("#id_body")).to_have_value(re.compile(r"!\[\]\(/media/uploads/\S+\.png\)\{width=8 height=8\}$"))
    expect(page.locator("[data-missing-alt]")).to_have_text("1 image needs alt text")
    assert page.csp_problems == []


def test_the_status_is_shown_in_words_as_the_publish_at_time_changes(live_server, editor_page):
    page = editor_page
    post = make_post(status=Post.Status.DRAFT, published_at=None)
    edit(page, live_server, post)
    state = page.locator("[data-writing-state]")
    expect(state).to_have_text("Draft")
    expect(page.get_by_text("Publish at:")).to_be_visible()
    page.select_option("#id_status", "published")
    expect(state).to_have_text("Goes live when you save")
    later = timezone.localtime() + timedelta(days=3)
    page.fill("#id_published_at_0", f"{later:%Y-%m-%d}")
    page.fill("#id_published_at_1", "09:30:00")
    expect(state).to_have_text(f"Scheduled for {later:%a} {later.day} {later:%b %Y}, 09:30 UTC")
    expect(page.locator(".field-publishing_state [data-publishing-state]")).to_have_text(state.inner_text())
    page.fill("#id_published_at_0", "2020-01-02")
    expect(state).to_have_text("Live since Thu 2 Jan 2020, 09:30 UTC")
    page.select_option("#id_status", "draft")
    expect(state).to_have_text("Draft")


def test_a_new_post_is_saved_as_a_draft_and_its_preview_link_copied(live_server, editor_page):
    page = editor_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    category = make_category("Systems")
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    page.fill("#id_title", "A new idea")
    page.fill("#id_summary", "Worth sharing before it is done.")
    page.fill("#id_body", "First thoughts.")
    page.select_option("#id_status", "published")  # the button saves a draft whatever this says
    page.evaluate(
        "([pk, name]) => document.querySelector('#id_category').append(new Option(name, pk, true, true))",
        [str(category.pk), category.name],
    )
    page.get_by_role("button", name="Save draft and copy preview link").click()
    note = page.get_by_role("status").filter(has_text="preview link is copied")
    expect(note).to_be_visible()
    save_screenshot(page, "admin-editor-preview-link-copied", full_page=False)
    post = Post.objects.get()
    assert post.status == Post.Status.DRAFT and post.title == "A new idea"
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator(".preview-url").input_value() and "/blog/preview/" in copied
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('writing-draft:'))") == []


def test_saving_one_post_clears_its_draft_but_keeps_another_posts(live_server, editor_page):
    page = editor_page
    first, second = make_post(body="First."), make_post(body="Second.")
    edit(page, live_server, second)
    page.locator("#id_body").press_sequentially("Unsaved work on the second post. ")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Autosaved")
    edit(page, live_server, first)
    page.locator("#id_body").press_sequentially("More on the first. ")
    page.get_by_role("button", name="Save", exact=True).click()  # back to the list, with a success message
    expect(page.locator(".messagelist .success")).to_be_visible()
    drafts = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('writing-draft:'))")
    assert drafts == [f"writing-draft:blog.post:/admin/blog/post/{second.pk}/change/"]
    edit(page, live_server, second)
    expect(page.get_by_text("Unsaved changes found")).to_be_visible()


def test_several_images_dropped_at_once_are_described_one_after_another(live_server, editor_page):
    page = editor_page
    post = make_post(body="")
    edit(page, live_server, post)
    files = page.evaluate_handle(
        "() => { const d = new DataTransfer(); for (const name of ['a.png', 'b.png']) {"
        " const c = document.createElement('canvas'); c.width = 4; c.height = 4;"
        " const bytes = Uint8Array.from(atob(c.toDataURL('image/png').split(',')[1]), ch => ch.charCodeAt(0));"
        " d.items.add(new File([bytes], name, {type: 'image/png'})); } return d; }"
    )
    page.dispatch_event("#id_body", "drop", {"dataTransfer": files})
    dialog = page.get_by_role("dialog", name="Describe this image")
    for description in ("First picture", "Second picture"):
        expect(dialog).to_be_visible()
        dialog.get_by_label("Alt text").fill(description)
        dialog.get_by_label("Alt text").press("Enter")
    expect(page.locator("#id_body")).to_have_value(
        re.compile(r"!\[First picture\].*!\[Second picture\]|!\[Second picture\].*!\[First picture\]", re.S)
    )
    expect(page.locator("[data-missing-alt]")).to_be_hidden()


PARITY_BODIES = [
    "snake_case_names and don't or well-known — rock’n’roll, x2 and ²",
    "分布式系统 很 有趣。 Emoji 🚀🚀 count as nothing; हिन्दी भाषा splits like Python's does.",
    "~~~\nunclosed fence\n\nstill prose",
    "~~~js\nconst a = 1;\n~~~\n\n```\n```\n\n" + "word " * 400,
    '<img src="/a.png" alt="x"> and ![alt text](/b.png "title") and [link text](https://example.org/a_b)',
]


def test_the_live_counts_match_python_on_tricky_text(live_server, editor_page):
    page = editor_page
    edit(page, live_server, make_post(body="x"))
    for body in PARITY_BODIES:
        page.fill("#id_body", body)
        prose = FENCED_CODE.sub(" ", body)
        prose = LINK_TARGET.sub("]", IMAGE.sub(" ", prose))
        words = len(WORD.findall(prose))
        expect(page.locator("[data-word-count]")).to_have_text(f"{words:,} word{'s' * (words != 1)}")
        expect(page.locator("[data-reading-estimate]")).to_have_text(f"{estimate_reading_time(body)} min read")

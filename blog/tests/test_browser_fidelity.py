"""The renderer's output in a real browser: math, task lists, labelled code, aligned tables, footnotes."""

import pytest
from playwright.sync_api import expect

from blog.tests.factories import make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = """The rate is $\\lambda = 3$ requests a second, and it costs $5 and $10.

$$
P(k) = \\frac{\\lambda^k e^{-\\lambda}}{k!}
$$

- [x] Bound the queue
- [ ] Shed load

| signal | threshold |
|:-------|----------:|
| depth  |       512 |

~~Unbounded~~ queues fail late.[^1]

```python
queue = Queue(maxsize=512)
```

<div id="main">A raw block that reuses the page's id.</div>

[^1]: Little's law says so.
"""


@pytest.fixture
def post(transactional_db):
    return make_post("Queues and math", slug="queues-and-math", body=BODY, tags=["Queues"])


def test_math_tasks_tables_and_code_render_as_written(live_server, page, post):
    page.goto(live_server.url + post.get_absolute_url())
    prose = page.locator(".prose")
    expect(prose.locator("math")).to_have_count(2)
    assert prose.locator("math").first.bounding_box()["width"] > 0
    expect(prose).to_contain_text("costs $5 and $10")
    done, todo = prose.locator("input[type=checkbox]").all()
    expect(done).to_be_checked()
    expect(done).to_be_disabled()
    expect(todo).not_to_be_checked()
    expect(todo).to_be_disabled()
    expect(prose.get_by_role("checkbox", name="Bound the queue")).to_be_checked()
    assert prose.locator("td").last.evaluate("cell => getComputedStyle(cell).textAlign") == "right"
    expect(prose.locator(".code-language")).to_have_text("Python")
    expect(prose.locator("del")).to_have_text("Unbounded")


def test_footnotes_go_to_their_note_and_back_and_the_skip_link_still_reaches_main(live_server, page, post):
    page.goto(live_server.url + post.get_absolute_url())
    expect(page.locator("#main")).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"
    page.locator(".footnote-ref").click()
    assert page.url.endswith("#md-fn:1")
    expect(page.locator("[id='md-fn:1']")).to_be_in_viewport()
    page.locator(".footnote-backref").click()
    assert page.url.endswith("#md-fnref:1")
    expect(page.locator("[id='md-fnref:1']")).to_be_in_viewport()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_rendered_features_have_no_serious_accessibility_violations(live_server, page, axe, post, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url + post.get_absolute_url())
    assert axe() == []


def test_a_link_to_a_heading_from_before_ids_were_prefixed_still_lands_on_it(live_server, page):
    post = make_post("Long", slug="long", body=("word " * 400 + "\n\n") * 6 + "## Setup\n\nHere.\n")
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(live_server.url + post.get_absolute_url() + "#setup")
    expect(page.locator("#md-setup")).to_be_in_viewport()

"""The one renderer: what it keeps, what it removes, and the table of contents it reports."""

import re

import pytest

from portfolio.markdown import render, render_markdown

# The shared cache fixture (conftest.py) uses the database cache.
pytestmark = pytest.mark.django_db

PAYLOADS = {
    "script tag": "<script>alert(1)</script>",
    "event handler": '<img src="/media/x.png" onerror="alert(1)">',
    "javascript link": "[x](javascript:alert(1))",
    "javascript link, mixed case": "[x](JaVaScRiPt:alert(1))",
    "entity-encoded javascript link": '<a href="&#106;avascript:alert(1)">x</a>',
    "data url link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data url image": "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "svg with script": "<svg><script>alert(1)</script></svg>",
    "style attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "attr_list handler": 'A paragraph\n{: onclick="alert(1)" }',
    "object": '<object data="x.swf"></object>',
    "form": '<form action="https://evil.example"><input name="q"></form>',
}


@pytest.mark.parametrize("markdown_text", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_markdown_renders_harmlessly(markdown_text):
    html = render(markdown_text).html.lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "data:" not in html
    assert not re.search(r"\son\w+\s*=", html), html
    for tag in ("<iframe", "<object", "<form", "<input", "<svg", "style="):
        assert tag not in html


def test_code_tables_images_and_heading_ids_survive_sanitising():
    html = render(
        "## Setup\n\n```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![A chart](/media/chart.png)\n"
    ).html
    assert '<h2 id="md-setup">' in html
    assert '<div class="highlight"><span class="code-language">Python</span><pre tabindex="0">' in html
    assert '<span class="nb">print</span>' in html  # Pygments classes, not inline styles
    assert '<table tabindex="0">' in html and "<td>1</td>" in html
    assert '<img alt="A chart"' in html and 'src="/media/chart.png"' in html


def test_code_is_highlighted_with_classes_not_inline_styles():
    html = render("```python\nimport os\n```").html
    assert 'class="kn"' in html
    assert "style=" not in html


def test_links_get_noopener_and_images_load_lazily():
    html = render("[out](https://example.com) ![x](https://example.com/a.png)").html
    assert 'rel="noopener"' in html
    assert 'loading="lazy"' in html


def test_headings_get_a_visible_permalink_that_stays_out_of_their_spoken_name():
    html = render("## Why it matters").html
    assert (
        '<a class="heading-anchor" aria-hidden="true" tabindex="-1" href="#md-why-it-matters" '
        'title="Link to this section" rel="noopener">#</a>'
    ) in html


def test_a_top_level_heading_becomes_h2_so_the_page_keeps_one_h1():
    rendered = render("# Title inside the body\n\n## Section")
    assert "<h1" not in rendered.html
    assert [heading["level"] for heading in rendered.toc] == [2, 2]


def test_the_table_of_contents_lists_headings_flat_in_order_as_plain_text():
    rendered = render("## A & B\n\n### Inner <em>x</em>\n\n## C\n")
    assert rendered.toc == [
        {"level": 2, "id": "md-a-b", "name": "A & B"},
        {"level": 3, "id": "md-inner-x", "name": "Inner x"},
        {"level": 2, "id": "md-c", "name": "C"},
    ]


def test_footnotes_render():
    html = render("Claim.[^1]\n\n[^1]: Source.").html
    assert 'class="footnote"' in html and "Source." in html


def test_the_editor_preview_uses_the_same_renderer():
    text = "## Hi\n\n<script>x</script>\n\n```python\nx = 1\n```"
    assert render_markdown(text) == render(text).html


def test_empty_text_renders_to_nothing():
    assert render("").html == "" and render(None).toc == []


def test_every_id_in_a_body_and_every_link_to_one_is_namespaced():
    html = render('## Main\n\n<div id="main">x</div>\n\n[up](#main) [out](/blog/#top)').html
    assert '<h2 id="md-main">' in html and '<div id="md-main">' in html
    assert 'href="#md-main"' in html
    assert 'href="/blog/#top"' in html  # another page's fragment is left alone
    assert 'id="main"' not in html


def test_scrolling_code_blocks_and_tables_can_be_focused_from_the_keyboard():
    html = render("```\nx\n```\n\n| a |\n|---|\n| 1 |\n\n<pre tabindex=5>y</pre>").html
    assert html.count('tabindex="0"') == 3


def test_authors_cannot_forge_a_hidden_heading_anchor():
    html = render('<a class="heading-anchor" href="javascript:alert(1)" onclick="x()">#</a>').html
    assert "javascript:" not in html and "onclick" not in html

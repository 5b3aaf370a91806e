"""What the renderer shows faithfully (math, tables, tasks, code, footnotes, images) and what it refuses."""

import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError

from blog.models import estimate_reading_time
from portfolio.markdown import (
    MAX_BODY_CHARS,
    MAX_CODE_BLOCKS,
    MAX_LINES_PER_BLOCK,
    MAX_LINKS,
    refusal_reason,
    render,
    render_markdown,
    resolve_urls,
    split_fenced_code,
    validate_renderable,
)

pytestmark = pytest.mark.django_db


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.fragment_links = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if (attrs.get("href") or "").startswith("#"):
            self.fragment_links.append(attrs["href"][1:])


def ids_and_links(html):
    parser = _Ids()
    parser.feed(html)
    return parser.ids, parser.fragment_links


# Math


def test_inline_and_block_formulas_become_mathml():
    html = render("A rate $\\lambda$ and \\(x^2\\).\n\n$$\n\\frac{a}{b}\n$$\n\n\\[\n\\sqrt{2}\n\\]\n").html
    assert html.count('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">') == 2
    assert "<mi>λ</mi>" in html and "<msup><mi>x</mi><mn>2</mn></msup>" in html
    assert html.count('display="block"') == 2 and "<mfrac>" in html and "<msqrt>" in html
    assert "$" not in html and "\\lambda" not in html


@pytest.mark.parametrize(
    "prose",
    ["It costs $5 and $10.", "From $5 to $10 a month", "Prices: $5/$10.", "A lone $ sign", "Escaped \\$x\\$ stays"],
)
def test_dollar_signs_in_prose_stay_text(prose):
    html = render(prose).html
    assert "<math" not in html
    assert html.count("$") == prose.count("$")


def test_a_dollar_run_longer_than_any_formula_is_prose():
    from portfolio.markdown_extensions import MAX_INLINE_MATH

    assert "<math" in render("$" + "x" * MAX_INLINE_MATH + "$").html
    assert "<math" not in render("$" + "x" * (MAX_INLINE_MATH + 1) + "$").html


def test_a_formula_the_converter_cannot_read_is_shown_as_its_source():
    html = render("Broken $x^$ here.").html
    assert '<code class="math-error" title="This formula could not be read">$x^$</code>' in html


def test_the_sanitiser_keeps_mathml_but_strips_script_and_links_inside_it():
    html = render(
        '<math><mi href="javascript:alert(1)" style="color:red" onclick="x()">x</mi>'
        "<mtext><script>alert(1)</script><img src=x onerror=alert(1)></mtext>"
        '<annotation-xml encoding="text/html"><script>alert(2)</script></annotation-xml></math>'
    ).html
    assert "<math><mi>x</mi>" in html
    assert "<script" not in html and "alert" not in html
    for attribute in ("href=", "style=", "onclick", "onerror"):
        assert attribute not in html


# Markdown fidelity


def test_table_alignment_uses_the_align_attribute_not_inline_styles():
    html = render("| Left | Centre | Right |\n|:-----|:------:|------:|\n| a | b | c |\n").html
    assert '<th align="left">Left</th>' in html and '<th align="center">Centre</th>' in html
    assert '<td align="right">c</td>' in html
    assert "style=" not in html


def test_strikethrough_becomes_del_and_a_single_tilde_stays():
    html = render("~~old price~~ about ~5 minutes").html
    assert "<del>old price</del>" in html and "~5" in html


def test_task_lists_are_read_only_checkboxes_labelled_by_their_text():
    html = render("- [x] Ship it with **care**\n- [ ] Write the post\n- plain item\n").html
    assert html.count('class="task-list-item"') == 2
    assert '<label><input type="checkbox" disabled checked> Ship it with <strong>care</strong></label>' in html
    assert '<label><input type="checkbox" disabled> Write the post</label>' in html
    assert "<li>plain item</li>" in html


def test_raw_inputs_and_code_showing_the_placeholder_make_no_checkbox():
    html = render(
        '<input type="text" name="q">\n\n'
        'Code: `<span class="task-box"></span>` and `<span class="task-box task-done"></span>`'
    ).html
    assert "<input" not in html


def test_code_blocks_name_their_language():
    html = render("```python\nx = 1\n```\n\n```bash\nls\n```\n\n```\nplain\n```\n").html
    assert '<span class="code-language">Python</span><pre tabindex="0"><code class="language-python">' in html
    assert '<span class="code-language">Bash</span>' in html
    assert html.count('class="code-language"') == 2  # a block with no language gets no label


def test_footnotes_link_to_their_note_and_back_to_their_reference():
    html = render("One claim.[^a] Another.[^b]\n\n[^a]: First source.\n[^b]: Second source.\n").html
    ids, links = ids_and_links(html)
    assert len(links) == 4
    assert all(link in ids for link in links), (links, ids)
    backrefs = re.findall(r'<a class="footnote-backref" href="#([^"]+)"', html)
    refs = re.findall(r'<sup id="([^"]+)"><a class="footnote-ref"', html)
    assert backrefs == refs == ["md-fnref:a", "md-fnref:b"]


def test_images_keep_the_width_and_height_recorded_at_upload():
    html = render('![A chart](/media/uploads/a.png){width="800" height="450"}').html
    assert 'width="800"' in html and 'height="450"' in html and 'alt="A chart"' in html


def test_the_table_of_contents_points_at_ids_that_exist():
    rendered = render("## Alpha\n\n## Main\n\n### Beta\n")
    ids, _ = ids_and_links(rendered.html)
    assert [heading["id"] for heading in rendered.toc] == ["md-alpha", "md-main", "md-beta"]
    assert all(heading["id"] in ids for heading in rendered.toc)


def test_the_preview_is_the_page():
    text = "## Hi\n\n$x$ ~~y~~\n\n- [x] z\n\n| a |\n|--:|\n| 1 |\n\n```python\nx = 1\n```\n\nNote.[^1]\n\n[^1]: n\n"
    assert render_markdown(text) == render(text).html


# A renderer that can't be slowed down. Each body is at (or just past) a limit; the test asserts
# what happens to it, never how long it takes (bench/render_bench.py measures that).

PATHOLOGICAL = {
    "nested brackets": ("[" * (MAX_BODY_CHARS // 2) + "]" * (MAX_BODY_CHARS // 2), "square brackets"),
    "the 80 KB nested-bracket attack": ("[" * 40_000 + "]" * 40_000, "characters long"),
    "unclosed brackets": ("[" * MAX_BODY_CHARS, "square brackets"),
    "a few unclosed brackets in a long paragraph": ("[ " * 2000 + "word " * 8000, "square brackets"),
    "unclosed image brackets": ("![" * (MAX_BODY_CHARS // 2), "square brackets"),
    "unclosed link destinations": ("[a](" * (MAX_BODY_CHARS // 4), "square brackets"),
    "thousands of fences": ("```\nx\n```\n" * (MAX_BODY_CHARS // 10), "code blocks"),
    "one footnote referenced thousands of times": ("[^a]" * 5000 + "\n\n[^a]: x\n", "referenced"),
    "thousands of footnotes": ("".join(f"[^{n}]: x\n" for n in range(2000)), "footnotes"),
    "thousands of formulas": ("$x$ " * 5000, "formulas"),
    "thousands of headings with one name": ("## a\n\n" * 5000, "headings"),
    "deeply nested quotes": (">" * 5000 + " x", "nested"),
    "deeply nested lists": ("".join("    " * depth + "- a\n" for depth in range(100)), "nested"),
    "a paragraph of emphasis markers": ("*a" * 3000, "paragraph"),
    "past the size limit": ("word " * (MAX_BODY_CHARS // 5 + 1), "characters long"),
    "too many brackets in all": ("[] " * (MAX_LINKS + 1), "links, images"),
    "too many inline markers in all": ("*a* `b` c\n\n" * 2600, "of the characters"),
    "a table too long": ("| a |\n|---|\n" + "| 1 |\n" * MAX_LINES_PER_BLOCK, "lines long"),
}


@pytest.mark.parametrize("body,reason", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_a_pathological_body_is_refused_with_a_reason_instead_of_hanging(body, reason):
    rendered = render(body)
    assert rendered.refused and reason in rendered.refused
    # Shown as escaped text, so a save that skips validation still stores something readable and safe.
    assert "<math" not in rendered.html and "<a " not in rendered.html
    with pytest.raises(ValidationError, match=reason):
        validate_renderable(body)


RENDERABLE_AT_THE_LIMIT = {
    "thousands of images": ("![a](/media/a.png)\n\n" * (MAX_BODY_CHARS // 20), "<img", MAX_BODY_CHARS // 20),
    "thousands of links": ("[a](https://example.com/) " * (MAX_BODY_CHARS // 26), "<a href", MAX_BODY_CHARS // 26),
    "bracket pairs": ("[] " * MAX_LINKS, "[]", MAX_LINKS),
    "a table at the limit": (
        "| a | b |\n|--:|---|\n" + "| 1 | 2 |\n" * (MAX_LINES_PER_BLOCK - 3),
        '<td align="right">1</td>',
        MAX_LINES_PER_BLOCK - 3,
    ),
    "code blocks up to the limit": (
        "".join(f"```python\nx = {n}\n```\n\n" for n in range(MAX_CODE_BLOCKS)),
        '<div class="highlight">',
        MAX_CODE_BLOCKS,
    ),
    "a long plain post": (
        "The quick brown fox. " * (MAX_BODY_CHARS // 21),
        "The quick brown fox.",
        MAX_BODY_CHARS // 21,
    ),
}


@pytest.mark.parametrize("body,marker,count", RENDERABLE_AT_THE_LIMIT.values(), ids=RENDERABLE_AT_THE_LIMIT.keys())
def test_a_large_but_ordinary_body_at_the_limit_renders_in_full(body, marker, count):
    assert len(body) <= MAX_BODY_CHARS
    rendered = render(body)
    assert rendered.refused is None
    assert rendered.html.count(marker) == count


def test_the_preview_says_why_a_body_is_refused():
    html = render_markdown("[" * 5000 + "]" * 5000)
    assert 'class="render-refused"' in html and "square brackets" in html


def test_brackets_inside_fenced_code_cost_nothing():
    code = "```python\n" + "x = [" * 9000 + "\n```\n"
    assert refusal_reason(code) is None
    assert render(code).refused is None


def test_fenced_code_is_split_off_as_the_fenced_code_extension_reads_it():
    prose, blocks = split_fenced_code("a\n```python\nx\ny\n```\nb\n~~~\nnot closed\n```\n")
    assert blocks == [["x", "y"]]
    assert prose.split("\n") == ["a", "", "b", "~~~", "not closed", "```", ""]
    # An info string the extension would not accept leaves the fence as prose.
    assert split_fenced_code("``` two words\nx\n```\n")[1] == []


@pytest.mark.parametrize(
    "body",
    ["![" * 20000, "[a](" * 10000, "<img " * 10000, "```\n" * 10000 + "x", "```python\n" + "x\n" * 20000],
    ids=["unclosed images", "unclosed link targets", "unclosed img tags", "unclosed fences", "one long block"],
)
def test_reading_time_is_estimated_for_any_body(body):
    assert estimate_reading_time(body) >= 1


def test_reading_time_still_counts_code_images_and_words():
    body = "word " * 230 + "\n\n```python\n" + "x\n" * 20 + "```\n\n![a](/a.png) <img src=/b.png>\n"
    # 230 words = 60 s; one block of 20 lines = 20 + 40 s; two images = 24 s; 124 s rounds to 2 minutes.
    assert estimate_reading_time(body) == 2


def test_resolving_urls_changes_only_real_links_and_keeps_everything_else():
    html = render('## Head\n\n- [x] done\n\n$x^2$ and `src="a.png"`[^1]\n\n![i](b.png)\n\n[^1]: [n](/n/)\n').html
    # Parsing and serialising again spells boolean attributes out (disabled=""); nothing else changes.
    resolved = resolve_urls(html, "https://ada.example/blog/post/").replace('=""', "")
    assert resolved == html.replace('src="b.png"', 'src="https://ada.example/blog/post/b.png"').replace(
        'href="/n/"', 'href="https://ada.example/n/"'
    ).replace('href="#', 'href="https://ada.example/blog/post/#')

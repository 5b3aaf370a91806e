"""The one Markdown renderer, shared by posts, projects and the admin preview.

Markdown is rendered once, when content is saved, then sanitised with an allow-list,
so whatever an author (or a compromised account) writes cannot run script on a page.
"""

import bisect
import html as html_lib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urljoin

import markdown
import nh3
from django.core.exceptions import ValidationError

from portfolio.markdown_extensions import DemoteH1Extension, LabelledCodeFormatter, MathExtension, TaskListExtension

# Every id in a body, and every "#fragment" link in it, gets this prefix: nothing an author writes
# (a heading called "Main", a raw <div id="main">) can then clash with the page's own ids.
BODY_ID_PREFIX = "md-"

EXTENSIONS = [
    "fenced_code",
    "codehilite",
    "tables",
    "footnotes",
    "toc",
    "sane_lists",
    "attr_list",
    "pymdownx.tilde",
    DemoteH1Extension(),
    TaskListExtension(),
    MathExtension(),
]
EXTENSION_CONFIGS = {
    # CSS classes rather than inline styles: the CSP forbids inline styles, and each theme has a palette
    # (static/css/highlight.css, built by `manage.py build_highlight_css`).
    "codehilite": {
        "css_class": "highlight",
        "guess_lang": False,
        "use_pygments": True,
        "pygments_formatter": LabelledCodeFormatter,
    },
    # align="right" rather than style="text-align: right": the CSP forbids inline styles.
    "tables": {"use_align_attribute": True},
    # U+FE0E asks for the text arrow, not an emoji, on phones.
    "footnotes": {"BACKLINK_TEXT": "\u21a9\ufe0e", "BACKLINK_TITLE": "Back to reference %d in the text"},
    # ~~strike~~ only; a single "~" stays a tilde.
    "pymdownx.tilde": {"subscript": False},
    "toc": {
        "permalink": "#",
        "permalink_class": "heading-anchor",
        "permalink_title": "Link to this section",
    },
}

# What latex2mathml emits, and nothing more: no style, href or colour attributes.
MATHML_TAGS = {
    *("math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac"),
    *("msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded"),
    *("mphantom", "menclose", "merror"),
}
MATHML_ATTRIBUTES = {
    *("display", "mathvariant", "stretchy", "fence", "form", "separator", "lspace", "rspace", "accent"),
    *("accentunder", "movablelimits", "minsize", "maxsize", "mathsize", "displaystyle", "scriptlevel"),
    *("linethickness", "notation", "width", "height", "depth", "voffset", "rowspacing", "columnspacing"),
    *("columnalign", "columnlines", "rowlines", "frame", "linebreak", "largeop", "symmetric"),
}
# No iframe, object, embed, form, input, script or style: none is in nh3's defaults, and none is added here.
ALLOWED_TAGS = (nh3.ALLOWED_TAGS | {"span", "div", "sup", "section", "label"} | MATHML_TAGS) - {
    "area",
    "map",
    "center",
    "strike",
}
ALLOWED_ATTRIBUTES = {
    # No style or on* attributes: the CSP forbids inline styles, and event handlers are script.
    "*": {"id", "class", "title"},
    "a": {"href", "hreflang", "title", "class", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "pre": {"tabindex"},
    "table": {"tabindex"},
    "th": {"scope", "colspan", "rowspan", "align"},
    "td": {"colspan", "rowspan", "align"},
    **dict.fromkeys(MATHML_TAGS, MATHML_ATTRIBUTES),
}
# Not javascript:, not data: (which can carry HTML or SVG with script).
URL_SCHEMES = {"http", "https", "mailto"}

# Limits that keep one save (or one preview keystroke) from tying up a worker. Python-Markdown scans
# forward from every "[" for its "]" and from every "](" for its ")", rescans the whole text for each
# fenced code block, numbers a repeated heading or footnote reference by counting the earlier ones, and
# costs a fixed slice of a millisecond per code block, formula and footnote. Rather than patch the
# library, a body whose worst case is too expensive is refused before it is parsed, by checks linear in
# its length; bench/render_bench.py measures both sides of each limit.
MAX_BODY_CHARS = 50_000
MAX_LINK_SCAN = 1_000_000  # characters the link parser may scan, summed over the body
MAX_CODE_BLOCKS = 200
MAX_HEADINGS = 300
MAX_FORMULAS = 1_000
MAX_FOOTNOTES = 300
MAX_REFERENCES_TO_ONE_FOOTNOTE = 100
MAX_INLINE_MARKERS_PER_PARAGRAPH = 2_000  # "*", "_", "`", "<" and "~": each may start a scan of the paragraph
MAX_INLINE_MARKERS = 10_000
MAX_LINKS = 5_000  # "[": links, images and references
MAX_LINES_PER_BLOCK = 1_000  # a table's rows or a paragraph's lines (fenced code is not counted)
MAX_NESTING = 20  # quotes and lists inside one another; deeper would also recurse past Python's limit

# Inline parsing never crosses a blank line, so each blank-line-separated chunk is scanned on its own.
_CHUNK_BREAK = re.compile(r"\n[ \t]*\n")
_BRACKET = re.compile(r"[\[\]]")
_FOOTNOTE_REFERENCE = re.compile(r"\[\^([^\]\s]+)\]")
_FOOTNOTE_DEFINITION = re.compile(r"^[ ]{0,3}\[\^[^\]\n]+\]:", re.MULTILINE)
_HEADING = re.compile(r"^[ ]{0,3}(?:#|=+[ \t]*$|-+[ \t]*$)", re.MULTILINE)
_INLINE_MARKER = re.compile(r"[*_`<~]")
_NESTING = re.compile(r"^[ \t]*((?:>[ \t]*|[-*+][ \t]+|\d{1,9}[.)][ \t]+)+)", re.MULTILINE)
_INDENT_LEVEL = re.compile(r"^( {4}|\t)+(?=[-*+>]|\d)", re.MULTILINE)
# The fenced_code extension's own grammar for an opening fence (a fence it would not recognise is prose).
_FENCE_OPENER = re.compile(
    r"(?P<fence>~{3,}|`{3,})[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=(?P<quote>\"|')[^\n]*?(?P=quote)[ ]*)?)"
)
_FENCE_CLOSER = re.compile(r"(~{3,}|`{3,})[ ]*")


def split_fenced_code(text):
    """(prose, code blocks): the body without its fenced code, and each block's lines. Linear time.

    Follows the fenced_code extension: an opening fence at the start of a line, closed by the next line
    holding exactly the same fence; an unclosed fence is prose.
    """
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    closers = defaultdict(list)
    for number, line in enumerate(lines):
        if closer := _FENCE_CLOSER.fullmatch(line):
            closers[closer[1]].append(number)
    prose, code = [], []
    number = 0
    while number < len(lines):
        opener = _FENCE_OPENER.fullmatch(lines[number])
        if opener:
            candidates = closers[opener["fence"]]
            index = bisect.bisect_right(candidates, number)
            if index < len(candidates):
                code.append(lines[number + 1 : candidates[index]])
                prose.append("")  # the block separates what comes before and after it
                number = candidates[index] + 1
                continue
        prose.append(lines[number])
        number += 1
    return "\n".join(prose), code


def _link_scan_cost(chunk):
    """How many characters the link parser could scan: from each "[" to its "]", or to the chunk's end."""
    cost = 0
    open_brackets = []
    for bracket in _BRACKET.finditer(chunk):
        if bracket[0] == "[":
            open_brackets.append(bracket.start())
        elif open_brackets:
            cost += bracket.start() - open_brackets.pop()
    cost += sum(len(chunk) - start for start in open_brackets)
    # "](" starts a destination, scanned to its ")" (or further, past quotes and nested parentheses).
    position = chunk.find("](")
    while position != -1:
        close = chunk.find(")", position)
        plain = close != -1 and not any(mark in chunk[position + 2 : close] for mark in "(\"'")
        cost += (close if plain else len(chunk)) - position
        position = chunk.find("](", position + 2)
    return cost


def _deepest_nesting(prose):
    deepest = 0
    for marks in _NESTING.finditer(prose):
        deepest = max(deepest, marks[1].count(">") + len(re.findall(r"[-*+][ \t]|\d[.)]", marks[1])))
    for indent in _INDENT_LEVEL.finditer(prose):
        deepest = max(deepest, len(indent[0].expandtabs(4)) // 4)
    return deepest


def refusal_reason(text):
    """Why this body cannot be rendered quickly enough, or None when it can. Linear in the body's length."""
    text = text or ""
    if len(text) > MAX_BODY_CHARS:
        return (
            f"The text is {len(text):,} characters long; the limit is {MAX_BODY_CHARS:,}. "
            "Split it into parts (a series keeps them together)."
        )
    prose, code_blocks = split_fenced_code(text)
    chunks = _CHUNK_BREAK.split(prose)
    references = Counter(_FOOTNOTE_REFERENCE.findall(prose))
    formulas = prose.count("$") // 2 + prose.count("\\(") + prose.count("\\[")
    too_many = [
        (len(code_blocks), MAX_CODE_BLOCKS, "code blocks"),
        (len(_HEADING.findall(prose)), MAX_HEADINGS, "headings"),
        (formulas, MAX_FORMULAS, "formulas (pairs of “$”)"),
        (len(_FOOTNOTE_DEFINITION.findall(prose)), MAX_FOOTNOTES, "footnotes"),
    ]
    for count, limit, what in too_many:
        if count > limit:
            return f"The text has {count:,} {what}; the limit is {limit:,}."
    if references and max(references.values()) > MAX_REFERENCES_TO_ONE_FOOTNOTE:
        label, count = references.most_common(1)[0]
        return (
            f"Footnote [^{label}] is referenced {count:,} times; "
            f"the limit is {MAX_REFERENCES_TO_ONE_FOOTNOTE} references to one footnote."
        )
    if _deepest_nesting(prose) > MAX_NESTING:
        return f"Quotes or lists are nested more than {MAX_NESTING} levels deep."
    if sum(_link_scan_cost(chunk) for chunk in chunks) > MAX_LINK_SCAN:
        return (
            "The text has too many unclosed or deeply nested square brackets or link parentheses to render "
            "quickly. Close each “[” with “]” and each “](” with “)”, or put the text in a code block."
        )
    too_many = [
        (len(_INLINE_MARKER.findall(prose)), MAX_INLINE_MARKERS, "of the characters * _ ` < ~"),
        (prose.count("["), MAX_LINKS, "links, images or “[” signs"),
    ]
    for count, limit, what in too_many:
        if count > limit:
            return f"The text has {count:,} {what}; the limit is {limit:,}. Put such text in a code block."
    if any(chunk.count("\n") >= MAX_LINES_PER_BLOCK for chunk in chunks):
        return (
            f"A table or paragraph is over {MAX_LINES_PER_BLOCK:,} lines long. "
            "Split it, or put long code in a fenced code block."
        )
    if any(len(_INLINE_MARKER.findall(chunk)) > MAX_INLINE_MARKERS_PER_PARAGRAPH for chunk in chunks):
        return (
            f"A paragraph has more than {MAX_INLINE_MARKERS_PER_PARAGRAPH:,} of the characters * _ ` < ~. "
            "Put such text in a code block."
        )
    return None


def validate_renderable(text):
    """Model field validator: the admin shows the reason under the body field."""
    reason = refusal_reason(text)
    if reason:
        raise ValidationError(reason, code="unrenderable")


@dataclass
class Rendered:
    html: str
    # [{"level", "id", "name", "children"}], the nested heading tree, ids as the page has them.
    headings: list = field(default_factory=list)
    # Why the body was shown as plain text instead of rendered (see refusal_reason), or None.
    refused: str | None = None

    @property
    def toc(self):
        """The headings as a flat list of {"level", "id", "name"} (plain text), ready to store as JSON."""
        flat = []

        def walk(nodes):
            for node in nodes:
                flat.append({"level": node["level"], "id": node["id"], "name": html_lib.unescape(node["name"])})
                walk(node["children"])

        walk(self.headings)
        return flat


def _namespace_ids(tag, attribute, value):
    if attribute == "id":
        return BODY_ID_PREFIX + value
    if attribute == "href" and value.startswith("#") and len(value) > 1:
        return "#" + BODY_ID_PREFIX + value[1:]
    return value


def sanitise(raw_html):
    """Reduce HTML to the allow-list, with ids namespaced. Links get rel="noopener"; images load lazily."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        attribute_filter=_namespace_ids,
        tag_attribute_values={"math": {"xmlns": {"http://www.w3.org/1998/Math/MathML"}}},
        # One attribute per tag: nh3 adds several in no fixed order, and the same text must give the same HTML.
        set_tag_attribute_values={
            "img": {"loading": "lazy"},
            # Code blocks and tables scroll sideways, so keyboard users must be able to focus them to scroll.
            "pre": {"tabindex": "0"},
            "table": {"tabindex": "0"},
        },
    )


# A task list's checkbox passes the sanitiser as an empty, classed span (no <input> from a body ever
# does), and becomes a read-only checkbox afterwards. Raw HTML writing the same span gets the same
# harmless checkbox; text or code showing it cannot, as its "<" is escaped.
TASK_BOXES = {
    '<span class="task-box"></span>': '<input type="checkbox" disabled>',
    '<span class="task-box task-done"></span>': '<input type="checkbox" disabled checked>',
}
_TASK_BOX = re.compile("|".join(re.escape(placeholder) for placeholder in TASK_BOXES))


def _task_boxes_to_checkboxes(html):
    return _TASK_BOX.sub(lambda match: TASK_BOXES[match[0]], html)


# What sanitise() and render() add, so that cleaning their output again keeps everything. An author's
# own srcset, sizes or decoding never gets this far: sanitise() drops them, and only the site writes them
# (render()'s `images`, for our own uploads).
_ATTRIBUTES_AFTER_SANITISING = {
    **ALLOWED_ATTRIBUTES,
    "a": ALLOWED_ATTRIBUTES["a"] | {"rel", "aria-hidden", "tabindex"},
    "img": ALLOWED_ATTRIBUTES["img"] | {"loading", "decoding", "srcset", "sizes"},
    "input": {"type", "disabled", "checked"},
}
# nh3 escapes "<" and ">" in text and in attribute values alike, so in its output every "<img" is a tag.
_IMG_TAG = re.compile(r"<img(\s[^>]*)?>")
_IMG_ATTRIBUTE = re.compile(r'([^\s="/]+)(?:="([^"]*)")?')


def rewrite_images(html, rewrite):
    """Sanitised HTML with each <img>'s attributes replaced by rewrite({name: value}) (values unescaped).

    Tags that rewrite() leaves alone stay byte for byte.
    """

    def one(tag):
        attributes = {name: html_lib.unescape(value) for name, value in _IMG_ATTRIBUTE.findall(tag[1] or "")}
        rewritten = rewrite(attributes)
        if rewritten == attributes:
            return tag[0]
        return "<img" + "".join(f' {name}="{html_lib.escape(value)}"' for name, value in rewritten.items()) + ">"

    return _IMG_TAG.sub(one, html)


def resolve_urls(body_html, base_url):
    """Sanitised HTML with every href and src resolved against base_url, for feeds and other pages' copies.

    The HTML is parsed, so only real attributes change: prose or code that shows `src="x"` stays as written.
    """

    def resolve(tag, attribute, value):
        if attribute == "srcset":  # "url 480w, url 960w": ours never have a comma in the url
            return ", ".join(urljoin(base_url, candidate.strip()) for candidate in value.split(","))
        return urljoin(base_url, value) if attribute in ("href", "src") else value

    return nh3.clean(
        body_html,
        tags=ALLOWED_TAGS | {"input"},
        attributes=_ATTRIBUTES_AFTER_SANITISING,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        attribute_filter=resolve,
        tag_attribute_values={"math": {"xmlns": {"http://www.w3.org/1998/Math/MathML"}}},
    )


def _prefix_heading_ids(nodes):
    for node in nodes:
        node["id"] = BODY_ID_PREFIX + node["id"]
        _prefix_heading_ids(node["children"])
    return nodes


def _as_plain_paragraphs(text):
    return "".join(f"<p>{html_lib.escape(part)}</p>" for part in _CHUNK_BREAK.split(text) if part.strip())


def render(text, images=None):
    """Markdown to sanitised HTML, plus the heading tree for a table of contents.

    A body that could not be rendered quickly (see refusal_reason) is returned as escaped plain
    paragraphs with the reason, so a save outside the admin still never hangs.

    `images`, when given, rewrites each <img>'s attributes after sanitising (see rewrite_images):
    saving passes portfolio.renditions.responsive_body_image; the editor's preview passes nothing, so
    a keystroke never reads storage or decodes an image.
    """
    text = text or ""
    reason = refusal_reason(text)
    if reason:
        return Rendered(html=_as_plain_paragraphs(text), refused=reason)
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    html = sanitise(md.convert(text))
    # The "#" permalink is for mouse users copying a link; to a screen reader it would only add
    # "#" to every heading's name. Added after sanitising, as fixed text, so no input can reach it.
    html = html.replace('<a class="heading-anchor"', '<a class="heading-anchor" aria-hidden="true" tabindex="-1"')
    html = _task_boxes_to_checkboxes(html)
    if images:
        html = rewrite_images(html, images)
    return Rendered(html=html, headings=_prefix_heading_ids(md.toc_tokens))


def render_markdown(text):
    """The markdownx preview's entry point: the same HTML the page will show, or why it can't be shown."""
    rendered = render(text)
    if rendered.refused:
        reason = html_lib.escape(rendered.refused)
        return f'<p class="render-refused" role="alert"><strong>This text can’t be saved:</strong> {reason}</p>'
    return rendered.html


# Heading "#" permalinks, footnote numbers and "↩" back-links are controls, not words anyone searches for.
_CONTROL_LINKS = re.compile(r'<a class="(?:heading-anchor|footnote-ref|footnote-backref)"[^>]*>.*?</a>', re.DOTALL)
# A tag, allowing ">" inside quoted attribute values (the serialiser leaves ">" unescaped there).
_TAG = re.compile(r'<(/?)([a-zA-Z0-9]*)[^>"]*(?:"[^"]*"[^>"]*)*>')
# Tags that separate words; inline ones (em, a, code…) may sit inside a word and are simply dropped.
_BLOCK_TAGS = frozenset(
    {
        *("p", "div", "section", "article", "blockquote", "pre", "hr", "br", "figure", "figcaption", "details"),
        *("ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tr", "th", "td", "summary"),
        *("h1", "h2", "h3", "h4", "h5", "h6"),
    }
)
# Control characters: Postgres refuses NUL in text, and search marks its hits with \x02 and \x03.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(html):
    """Rendered (sanitised) HTML as one line of plain text, for search and its snippets."""
    text = _TAG.sub(lambda tag: " " if tag[2].lower() in _BLOCK_TAGS else "", _CONTROL_LINKS.sub("", html or ""))
    return " ".join(CONTROL_CHARS.sub(" ", html_lib.unescape(text)).split())

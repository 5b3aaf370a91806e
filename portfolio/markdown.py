"""The one Markdown renderer, shared by posts, projects and the admin preview.

Markdown is rendered once, when content is saved, then sanitised with an allow-list,
so whatever an author (or a compromised account) writes cannot run script on a page.
"""

import html as html_lib
import re
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify as toc_slugify
from markdown.treeprocessors import Treeprocessor


class _DemoteH1(Treeprocessor):
    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class DemoteH1Extension(Extension):
    """The page title is the only h1, so a "# Heading" in a body becomes an h2 ("##" stays h2)."""

    def extendMarkdown(self, md):
        # Before the toc extension (priority 5), so the table of contents sees the final levels.
        md.treeprocessors.register(_DemoteH1(md), "demote_h1", 15)


# Ids the page templates use; a heading with the same name would break the skip link or a landmark's label.
PAGE_IDS = {"main", "toc-title", "series-nav", "series-title", "related-title", "hero-title", "content"}


def heading_slug(value, separator):
    slug = toc_slugify(value, separator)
    return f"{slug}{separator}section" if slug in PAGE_IDS else slug


EXTENSIONS = ["fenced_code", "codehilite", "tables", "footnotes", "toc", "sane_lists", "attr_list", DemoteH1Extension()]
EXTENSION_CONFIGS = {
    # CSS classes rather than inline styles: the CSP forbids inline styles, and each theme has a palette
    # (static/css/highlight.css, built by `manage.py build_highlight_css`).
    "codehilite": {"css_class": "highlight", "guess_lang": False, "use_pygments": True},
    "toc": {
        "slugify": heading_slug,
        "permalink": "#",
        "permalink_class": "heading-anchor",
        "permalink_title": "Link to this section",
    },
}

# No iframe, object, embed, form, script or style: none is in nh3's defaults, and none is added here.
ALLOWED_TAGS = (nh3.ALLOWED_TAGS | {"span", "div", "sup", "section"}) - {"area", "map", "center", "strike"}
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
}
# Not javascript:, not data: (which can carry HTML or SVG with script).
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass
class Rendered:
    html: str
    # [{"level", "id", "name", "children"}], the nested heading tree.
    headings: list = field(default_factory=list)

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


def sanitise(raw_html):
    """Reduce HTML to the allow-list. Links get rel="noopener"; images load lazily."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        # Code blocks and tables scroll sideways, so keyboard users must be able to focus them to scroll.
        set_tag_attribute_values={
            "img": {"loading": "lazy", "decoding": "async"},
            "pre": {"tabindex": "0"},
            "table": {"tabindex": "0"},
        },
    )


def render(text):
    """Markdown to sanitised HTML, plus the heading tree for a table of contents."""
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    html = sanitise(md.convert(text or ""))
    # The "#" permalink is for mouse users copying a link; to a screen reader it would only add
    # "#" to every heading's name. Added after sanitising, as fixed text, so no input can reach it.
    html = html.replace('<a class="heading-anchor"', '<a class="heading-anchor" aria-hidden="true" tabindex="-1"')
    return Rendered(html=html, headings=md.toc_tokens)


def render_markdown(text):
    """The markdownx preview's entry point: the same HTML the page will show."""
    return render(text).html


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

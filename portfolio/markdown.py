"""The one Markdown renderer, shared by posts, projects and the admin preview.

Markdown is rendered once, when content is saved, then sanitised with an allow-list,
so whatever an author (or a compromised account) writes cannot run script on a page.
"""

from dataclasses import dataclass, field

import markdown
import nh3

EXTENSIONS = ["fenced_code", "codehilite", "tables", "footnotes", "toc", "sane_lists", "attr_list"]
EXTENSION_CONFIGS = {
    # CSS classes rather than inline styles: the CSP forbids inline styles, and each theme has a palette.
    "codehilite": {"css_class": "highlight", "guess_lang": False, "use_pygments": True},
    "toc": {"permalink": "#", "permalink_class": "heading-anchor", "permalink_title": "Link to this section"},
}

ALLOWED_TAGS = (nh3.ALLOWED_TAGS | {"span", "div", "sup", "section"}) - {"area", "map", "center", "strike"}
ALLOWED_ATTRIBUTES = {
    # No style attributes: the CSP forbids inline styles, so they would only be noise.
    "*": {"id", "class", "title"},
    "a": {"href", "hreflang", "title", "class", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass
class Rendered:
    html: str
    headings: list = field(default_factory=list)  # [{"level", "id", "name", "children"}], for a table of contents


def render(text):
    """Markdown to sanitised HTML, plus the heading tree for a table of contents."""
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    raw_html = md.convert(text or "")
    html = nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
    )
    return Rendered(html=html, headings=md.toc_tokens)


def render_markdown(text):
    """The markdownx preview's entry point: the same HTML the page will show."""
    return render(text).html

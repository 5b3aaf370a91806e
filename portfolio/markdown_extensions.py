"""The Python-Markdown extensions behind portfolio.markdown: math, task lists, labelled code and demoted h1s.

Each one emits only markup that the sanitiser in portfolio.markdown lets through.
"""

import html
import xml.etree.ElementTree as etree

from latex2mathml.converter import convert as latex_to_mathml
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from pymdownx.arithmatex import ArithmatexExtension, BlockArithmatexProcessor, InlineArithmatexPattern

# Inline math longer than this is not math but a runaway "$": the bound keeps each "$" from
# scanning the rest of a paragraph, which would make a body full of dollars quadratic.
MAX_INLINE_MATH = 500
# Pandoc's rule, so prices stay prose: "$" opens only before a non-space, closes only after a
# non-space, and a closing "$" is never followed by a digit ("costs $5 and $10" has no math).
INLINE_DOLLAR = (
    r"(?:(?<!\\)((?:\\{2})+)(?=\$)|(?<!\\)(\$)(?!\s)((?:\\.|[^\\$\x02\x03]){1,LIMIT}?)(?<!\s)\$(?!\d))"
).replace("LIMIT", str(MAX_INLINE_MATH))
INLINE_PAREN = (r"(?:(?<!\\)((?:\\{2})+?)(?=\\\()|(?<!\\)(\\\()((?:\\[^)]|[^\\\x02\x03]){1,LIMIT}?)\\\))").replace(
    "LIMIT", str(MAX_INLINE_MATH)
)


def mathml(latex, display):
    """LaTeX as MathML; what the converter cannot read is shown as its source, marked as such."""
    try:
        return latex_to_mathml(latex, display=display)
    except Exception:  # latex2mathml raises many exception types for malformed input, and some are bare
        source = html.escape(f"$${latex}$$" if display == "block" else f"${latex}$")
        return f'<code class="math-error" title="This formula could not be read">{source}</code>'


class _InlineMath(InlineArithmatexPattern):
    def handleMatch(self, m, data):
        groups = m.groups()
        escapes = groups[0] or (groups[3] if len(groups) > 3 else None)
        if escapes:
            return escapes.replace("\\\\", self.ESCAPED_BSLASH), m.start(0), m.end(0)
        math = groups[2] or groups[5]
        return self.md.htmlStash.store(mathml(math, "inline")), m.start(0), m.end(0)


class _BlockMath(BlockArithmatexProcessor):
    def run(self, parent, blocks):
        blocks.pop(0)
        groups = self.match.groupdict()
        math = groups.get("math") or groups.get("math2") or groups.get("math3") or ""
        element = etree.SubElement(parent, "div", {"class": "math-display"})
        element.text = self.parser.md.htmlStash.store(mathml(math, "block"))
        return True


class MathExtension(ArithmatexExtension):
    """$…$, \\(…\\), $$…$$ and \\[…\\] become MathML when the post is saved: no script, no CDN."""

    def extendMarkdown(self, md):
        super().extendMarkdown(md)
        config = self.getConfigs()
        inline = _InlineMath(f"(?:{INLINE_DOLLAR}|{INLINE_PAREN})", config)
        inline.md = md
        md.inlinePatterns.register(inline, "arithmatex-inline", 189.9)
        block = md.parser.blockprocessors["arithmatex-block"]
        md.parser.blockprocessors.register(_BlockMath(block.pattern.pattern, config, md), "arithmatex-block", 79.9)


class _DemoteH1(Treeprocessor):
    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class DemoteH1Extension(Extension):
    """The page title is the only h1, so a "# Heading" in a body becomes an h2 ("##" stays h2)."""

    def extendMarkdown(self, md):
        # Before the toc extension (priority 5), so the table of contents sees the final levels.
        md.treeprocessors.register(_DemoteH1(md), "demote_h1", 15)


TASK_MARKERS = {"[ ] ": False, "[x] ": True, "[X] ": True}
BLOCK_CHILDREN = {"ul", "ol", "p", "div", "pre", "blockquote", "table"}


class _TaskList(Treeprocessor):
    def run(self, root):
        for item in root.iter("li"):
            # A loose list puts the item's text in a <p>.
            holder = item[0] if not (item.text or "").strip() and len(item) and item[0].tag == "p" else item
            text = holder.text or ""
            done = TASK_MARKERS.get(text[:4])
            if done is None:
                continue
            item.set("class", "task-list-item")
            # The item's words become the checkbox's label, so it has an accessible name.
            label = etree.Element("label")
            # portfolio.markdown turns the span into a read-only checkbox once the HTML is sanitised.
            checkbox = etree.SubElement(label, "span", {"class": "task-box task-done" if done else "task-box"})
            checkbox.tail = " " + text[4:]
            holder.text = None
            for child in list(holder):
                if child.tag in BLOCK_CHILDREN:
                    break
                holder.remove(child)
                label.append(child)
            holder.insert(0, label)


class TaskListExtension(Extension):
    """ "- [ ] todo" and "- [x] done" become read-only checkboxes, labelled by the item's text."""

    def extendMarkdown(self, md):
        # After inline processing (priority 20), so links and emphasis inside the item move into the label.
        md.treeprocessors.register(_TaskList(md), "task_list", 19)


class LabelledCodeFormatter(HtmlFormatter):
    """Pygments' HTML with the language named above the code ("Python"), for readers and the copy button."""

    def __init__(self, lang_str="", **options):
        super().__init__(**options)
        self.language = lang_str.removeprefix("language-")
        # The wrappers are written below, so the label can sit inside the highlight block.
        self.nowrap = True

    def format_unencoded(self, tokensource, outfile):
        label = ""
        if self.language and self.language != "text":
            try:
                name = get_lexer_by_name(self.language).name
            except ClassNotFound:
                name = self.language
            label = f'<span class="code-language">{html.escape(name)}</span>'
        code_class = f' class="language-{html.escape(self.language)}"' if self.language else ""
        outfile.write(f'<div class="{self.cssclass}">{label}<pre><code{code_class}>')
        super().format_unencoded(tokensource, outfile)
        outfile.write("</code></pre></div>\n")

"""Markdown twins: each published post and project as its own Markdown, with YAML front matter.

Agents and readers who want the source get /blog/<slug>.md and /projects/<slug>.md; the HTML page
names its twin with <link rel="alternate" type="text/markdown">, and /llms.txt lists them.
"""

import yaml
from django.http import HttpResponse

from portfolio.links import absolute_url

CONTENT_TYPE = "text/markdown; charset=utf-8"


def front_matter(fields):
    """YAML between "---" lines; empty values are left out. safe_dump quotes whatever YAML would misread."""
    kept = {key: value for key, value in fields.items() if value not in (None, "", [])}
    return "---\n" + yaml.safe_dump(kept, allow_unicode=True, sort_keys=False, width=1000) + "---\n"


def markdown_twin(item, fields):
    """The response for one item's twin: front matter, a blank line, then the body exactly as written."""
    canonical = absolute_url(item.get_absolute_url())
    text = front_matter({**fields, "canonical": canonical}) + "\n" + item.body.replace("\r\n", "\n").rstrip() + "\n"
    response = HttpResponse(text, content_type=CONTENT_TYPE)
    # The HTML page is the one to index; the twin says so, as a canonical link can't live inside Markdown.
    response["Link"] = f'<{canonical}>; rel="canonical"'
    return response

"""`{% per_version "name" value … %}…{% endper_version %}`: a block of the site's chrome rendered once
per content version in each process, and reused by every page that shows it.

For what many pages share and only content changes (the header, the footer, the head's links):
profiling a cold page put a fifth of its time in rendering them. The values after the name are what
else the block depends on (the nav section that is current, the year); each combination is kept
apart. A block must not show anything else of the request or the visitor.
"""

from django import template

from portfolio.cache import per_content_version

register = template.Library()

# A block depends on a few values (about ten nav sections); this bounds a mistake, not normal use.
MAX_FRAGMENTS = 256


# The chrome shows the profile and links, which only writes change, not scheduled posts going live.
@per_content_version
def _fragments():
    """This version's rendered blocks by (name, values): a fresh dict whenever the content changes."""
    return {}


class PerVersionNode(template.Node):
    def __init__(self, nodelist, name, values):
        self.nodelist, self.name, self.values = nodelist, name, values

    def render(self, context):
        key = (self.name.resolve(context), *(str(value.resolve(context)) for value in self.values))
        fragments = _fragments()
        html = fragments.get(key)
        if html is None:
            if len(fragments) >= MAX_FRAGMENTS:
                fragments.clear()
            html = fragments[key] = self.nodelist.render(context)
        return html


@register.tag
def per_version(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("per_version needs a block name.")
    nodelist = parser.parse(("endper_version",))
    parser.delete_first_token()
    return PerVersionNode(nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]])

"""Blocks of a page rendered once and reused, in each process.

`{% per_version "name" value … %}…{% endper_version %}`: a block of the site's chrome rendered once
per content version, and reused by every page that shows it. For what many pages share and only
content changes (the header, the footer, the head's links): profiling a cold page put a fifth of its
time in rendering them. The values after the name are what else the block depends on (the nav section
that is current, the year); each combination is kept apart. A block must not show anything else of the
request or the visitor.

`{% memo "name" value … %}…{% endmemo %}`: a block rendered once for each combination of the values
it shows, whatever the content version (see below).
"""

from django import template
from django.conf import settings
from django.utils import timezone

from portfolio.cache import ByteCappedLRU, per_content_version, register_local_memo

register = template.Library()

# A block depends on a few values (about ten nav sections); this bounds a mistake, not normal use.
MAX_FRAGMENTS = 256


# The chrome shows the profile and links, which only writes change, not scheduled posts going live.
@per_content_version
def _fragments():
    """This version's rendered blocks by (name, values): a fresh dict whenever the content changes."""
    return {}


class BlockNode(template.Node):
    """`{% tag "name" value … %}…{% endtag %}`: a block, its name and the values it depends on."""

    def __init__(self, nodelist, name, values):
        self.nodelist, self.name, self.values = nodelist, name, values

    @classmethod
    def parse(cls, parser, token, min_values=0):
        tag, *bits = token.split_contents()
        if len(bits) < 1 + min_values:
            wanted = "a block name and the values the block shows" if min_values else "a block name"
            raise template.TemplateSyntaxError(f"{tag} needs {wanted}.")
        nodelist = parser.parse((f"end{tag}",))
        parser.delete_first_token()
        return cls(nodelist, parser.compile_filter(bits[0]), [parser.compile_filter(bit) for bit in bits[1:]])


class PerVersionNode(BlockNode):
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
    return PerVersionNode.parse(parser, token)


# --- Fragments memoised by value --------------------------------------------------------------------
#
# `{% memo "name" value … %}…{% endmemo %}`: a block rendered once per process for each combination of
# the values it shows, and reused by every page that shows the same thing (a post's item in a list, a
# project's card). The values must be everything the block shows, so no write can leave it stale, and it
# survives writes that change other things: after a publish, the pages that must render again reuse every
# item that did not change. The models name those values (Post.list_item_key, Project.card_key), and a
# test changes each field the block could show and checks that the block follows. A template edit that
# shows another value must add it to the block's key (and a change of it to portfolio/tests/test_memo.py).
# A name is one block: two templates must not share a name for different markup.

# Fragments are a few KB each; this bounds the memory per process, not normal use. It counts the HTML;
# the keys (titles, summaries) add up to about as much again.
MEMO_BYTES = 4 * 1024 * 1024
memoised = register_local_memo(ByteCappedLRU(lambda: MEMO_BYTES, len))


class MemoNode(BlockNode):
    def render(self, context):
        if settings.DEBUG:  # while developing, an edited template shows at once
            return self.nodelist.render(context)
        values = [value.resolve(context, ignore_failures=True) for value in self.values]
        if any(value is None or value == "" for value in values):
            # A missing value (a typo, a view that doesn't supply it) would key every page alike.
            return self.nodelist.render(context)
        # Dates are shown in the current time zone, so it is part of what the block shows.
        key = (self.name.resolve(context), timezone.get_current_timezone_name(), *values)
        try:
            html = memoised.get(key)
        except TypeError:  # a value that can't be a key (a list): the block is rendered every time
            return self.nodelist.render(context)
        if html is None:
            html = self.nodelist.render(context)
            memoised.put(key, html)
        return html


@register.tag
def memo(parser, token):
    return MemoNode.parse(parser, token, min_values=1)


@register.filter
def each_key(items, method):
    """A whole list's memo value: each item's `method`() in order, as its own block is keyed.

    `{% memo "post-items" posts|each_key:"list_item_key" level %}{% for … %}{% memo "post-item" … %}`: one
    lookup finds the list (per item, the lookups and the loop cost a tenth of a cold list page); when an
    item changed, the list is put together again from the other items' blocks.
    """
    if items is None:  # a list the view didn't supply: no key, so the block renders every time
        return None
    return tuple(getattr(item, method)() for item in items)

"""`{% icon "github" %}`: the site's inline SVG icons (drawn in templates/includes/icon.html).

Each icon is rendered once per process and then reused: a card shows two or three, a page dozens,
and walking the template's chain of names for each one was a visible share of a cold page's time.
"""

from functools import cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

register = template.Library()


def _draw(name):
    return mark_safe(render_to_string("includes/icon.html", {"name": name}))


_drawn_once = cache(_draw)


@register.simple_tag
def icon(name):
    # While developing, an edit to the template shows at once.
    return _draw(name) if settings.DEBUG else _drawn_once(name)

"""Panels: what one app shows on another app's page, with neither importing the other.

A page names a slot and renders `{% panels "slot" obj %}`; apps register, in their `ready()`,
a function for that slot that returns `(template_name, context)` for the object, or None.
(A post page shows "Part of the build log of …", which the projects app supplies this way.)
"""

from collections import defaultdict

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

_panels = defaultdict(list)


def register_panel(slot, func):
    if func not in _panels[slot]:
        _panels[slot].append(func)
    return func


def render_panels(slot, obj, request=None):
    """The registered panels for `obj`, rendered in registration order."""
    html = []
    for func in _panels[slot]:
        if (panel := func(obj)) is not None:
            template_name, context = panel
            html.append(render_to_string(template_name, context, request=request))
    return mark_safe("".join(html))

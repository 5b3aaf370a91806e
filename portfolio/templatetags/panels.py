from django import template

from portfolio.panels import render_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot, obj):
    """`{% panels "post_footer" post %}`: whatever other apps registered for that slot."""
    return render_panels(slot, obj, request=context.get("request"))

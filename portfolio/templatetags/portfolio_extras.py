import json

from django import template
from django.utils.safestring import mark_safe

from portfolio.models import SiteProfile, SocialLink

register = template.Library()

# The characters that could end a <script> block or start markup, as JSON's own \u escapes.
SCRIPT_SAFE = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """A dict as JSON for a <script type="application/ld+json"> block.

    "<", ">" and "&" become \\u escapes, so no value (a title such as "</script><script>…") can
    end the script block early; JSON parsers read the escapes back as the same characters.
    """
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(SCRIPT_SAFE))


@register.inclusion_tag("admin/portfolio/setup_checklist.html")
def setup_checklist():
    """The admin index's "Finish setting up" box: shown until the owner has set a name and a contact email.

    Only those two are essential (messages go to the email); the other steps are listed beside them so
    the owner's first visit says everything at once.
    """
    profile = SiteProfile.load()
    if profile is not None and profile.is_set_up:
        return {"steps": []}
    links = [link for link in SocialLink.objects.filter(is_visible=True) if link.is_external]
    steps = [
        (bool(profile and profile.has_real_name), "Enter your name: the header, page titles and post bylines show it."),
        (
            bool(profile and profile.has_real_contact_email),
            "Enter the email address where contact messages and call requests should go.",
        ),
        (bool(profile and profile.avatar), "Upload a portrait, with a description for screen readers."),
        (bool(profile and profile.short_bio), "Write a short bio for the About page."),
        (
            bool(links) and not any(link.is_placeholder for link in links),
            "Point the Find me links at your own profiles; links to a platform's home page stay hidden.",
        ),
    ]
    return {"profile": profile, "steps": steps}

"""What a visitor was reading when they opened the contact form (`?about=<slug>`).

Models are looked up through the app registry so contact never imports the content apps.
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.validators import slug_re


@dataclass(frozen=True)
class About:
    kind: str
    title: str
    url: str


CONTENT_MODELS = (("blog", "Post", "post"), ("projects", "Project", "project"))
MAX_LENGTH = 200  # ContactMessage.about's max_length


def clean_about(value):
    """`value` if it is a plain slug, else "": it comes from a query string, so anything else is ignored."""
    value = str(value or "").strip()
    return value if len(value) <= MAX_LENGTH and slug_re.match(value) else ""


def resolve_about(slug):
    """The published post or project with this slug, or None (without a query, for anything but a slug)."""
    # Checked here, so no caller can hand the database a NUL byte (a 500 on Postgres) or a megabyte.
    slug = clean_about(slug)
    if not slug:
        return None
    for app_label, model_name, kind in CONTENT_MODELS:
        model = apps.get_model(app_label, model_name)
        obj = model.objects.published().filter(slug=slug).only("slug", "title").first()
        if obj is not None:
            return About(kind, obj.title, obj.get_absolute_url())
    return None

"""What a visitor was reading when they opened the contact form (`?about=<slug>`).

Models are looked up through the app registry so contact never imports the content apps.
"""

from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class About:
    kind: str
    title: str
    url: str


CONTENT_MODELS = (("blog", "Post", "post"), ("projects", "Project", "project"))


def resolve_about(slug):
    """The published post or project with this slug, or None."""
    if not slug:
        return None
    for app_label, model_name, kind in CONTENT_MODELS:
        model = apps.get_model(app_label, model_name)
        obj = model.objects.published().filter(slug=slug).only("slug", "title").first()
        if obj is not None:
            return About(kind, obj.title, obj.get_absolute_url())
    return None

"""What a visitor was reading when they opened the contact form (`?about=<slug>`).

Models are looked up through the app registry so contact never imports the content apps.
"""

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch


@dataclass(frozen=True)
class About:
    kind: str
    title: str
    url: str


def resolve_about(slug):
    if not slug:
        return None
    for app_label, model_name, kind in (("blog", "Post", "post"), ("projects", "Project", "project")):
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue  # that app isn't built yet, or was removed
        manager = model.objects
        queryset = manager.published() if hasattr(manager, "published") else manager.all()
        obj = queryset.filter(slug=slug).only("slug", "title").first()
        if obj is not None:
            try:
                url = obj.get_absolute_url()
            except (AttributeError, NoReverseMatch):
                url = ""
            return About(kind, obj.title, url)
    return None

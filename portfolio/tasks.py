"""The ground's background tasks (django-tasks): run by `manage.py db_worker` in production, inline in development."""

from django.apps import apps
from django_tasks import task

from portfolio.cache import warm_pages


@task()
def warm_published_pages(model_label, pks):
    """Render the pages these items show on (`warm_paths()`) into the shared page cache, if they are still live.

    The paths are read here, when the task runs, so they name the item as committed (its tags included).
    Returns how many pages the shared cache now holds.
    """
    model = apps.get_model(model_label)
    paths = []
    for item in model.objects.published().filter(pk__in=pks):
        paths += item.warm_paths()
    return len(warm_pages(list(dict.fromkeys(paths))))

"""Plain helpers that make rows for the projects tests."""

from itertools import count

from projects.models import Project

_numbers = count(1)


def make_project(title=None, *, tech=(), status=Project.Status.PUBLISHED, **fields):
    """A published project unless told otherwise; `tech` names are added in order."""
    n = next(_numbers)
    title = title or f"Project {n}"
    fields.setdefault("slug", f"project-{n}")
    fields.setdefault("summary", f"What {title} does.")
    project = Project.objects.create(title=title, status=status, **fields)
    for name in tech:
        project.tech.add(name)
    return project

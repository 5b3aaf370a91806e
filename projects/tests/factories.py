"""Plain helpers that make rows for the projects tests."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from blog.models import Category, Post
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


def make_post(title=None, *, status=Post.Status.PUBLISHED, **fields):
    n = next(_numbers)
    category, _ = Category.objects.get_or_create(name="Engineering", slug="engineering")
    if status == Post.Status.PUBLISHED:
        fields.setdefault("published_at", timezone.now() - timedelta(days=1))
    return Post.objects.create(
        title=title or f"Post {n}",
        slug=fields.pop("slug", f"post-{n}"),
        category=category,
        summary="A post.",
        body=fields.pop("body", "Some words."),
        status=status,
        **fields,
    )

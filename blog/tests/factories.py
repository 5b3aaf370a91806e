"""Plain helpers that build blog rows for tests."""

from datetime import timedelta
from itertools import count

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from blog.models import Category, Post, Series

_numbers = count(1)


def make_category(name=None, **fields):
    number = next(_numbers)
    name = name or f"Category {number}"
    return Category.objects.create(name=name, slug=fields.pop("slug", f"category-{number}"), **fields)


def make_series(title=None, **fields):
    number = next(_numbers)
    return Series.objects.create(
        title=title or f"Series {number}", slug=fields.pop("slug", f"series-{number}"), **fields
    )


def make_post(title=None, *, tags=(), category=None, status=Post.Status.PUBLISHED, published_at="past", **fields):
    """A post; published yesterday unless told otherwise. published_at="future" schedules it for tomorrow."""
    number = next(_numbers)
    if published_at == "past":
        published_at = timezone.now() - timedelta(days=1, minutes=number)
    elif published_at == "future":
        published_at = timezone.now() + timedelta(days=1)
    post = Post.objects.create(
        title=title or f"Post {number}",
        slug=fields.pop("slug", f"post-{number}"),
        category=category or make_category(),
        summary=fields.pop("summary", f"Summary of post {number}."),
        body=fields.pop("body", f"Body of post {number}.\n\n## One\n\ntext\n"),
        status=status,
        published_at=published_at,
        **fields,
    )
    if tags:
        post.tags.add(*tags)
    return post


def make_draft(title=None, **fields):
    return make_post(title, status=Post.Status.DRAFT, published_at=None, **fields)


def make_many_posts(n, *, category, tags, series=None):
    """n published posts in a few queries (bulk_create: no rendering, which query-count tests don't need)."""
    now = timezone.now()
    start = next(_numbers) * 10_000
    posts = Post.objects.bulk_create(
        Post(
            title=f"Bulk post {start + i}",
            slug=f"bulk-post-{start + i}",
            category=category,
            summary="A bulk post.",
            body="Bulk body.",
            body_html="<p>Bulk body.</p>",
            status=Post.Status.PUBLISHED,
            published_at=now - timedelta(days=2, minutes=i),
            series=series,
            series_order=i,
        )
        for i in range(n)
    )
    content_type = ContentType.objects.get_for_model(Post)
    tag_objects = [Tag.objects.get_or_create(name=name, defaults={"slug": name.lower()})[0] for name in tags]
    TaggedItem.objects.bulk_create(
        TaggedItem(tag=tag, content_type=content_type, object_id=post.pk) for post in posts for tag in tag_objects
    )
    return posts


def post_form_data(category, **overrides):
    """What the admin's add form posts for a published post in `category`, with `overrides`."""
    data = {
        "title": "Written in the admin",
        "slug": "written-in-the-admin",
        "category": category.pk,
        "tags": "#AIInfrastructure #Serverless",
        "summary": "A post written through the admin.",
        "body": "## First\n\n## Second\n\n## Third\n\n```python\nprint(1)\n```\n",
        "status": "published",
        "published_at_0": "",
        "published_at_1": "",
        "series_order": "0",
        "reading_time_override": "",
        "cover_alt": "",
    }
    return {**data, **overrides}

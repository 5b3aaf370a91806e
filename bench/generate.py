"""Fill an empty, migrated database with a benchmark's worth of content, quickly (bulk_create).

Run by bench/run (through `python bench/generate.py --posts N`) with DJANGO_SETTINGS_MODULE and
DATABASE_URL already set. Prints one JSON line naming the pages worth measuring.

Bodies are rendered once per distinct template and reused, so 10,000 posts take seconds, not minutes.
Tag popularity follows a Zipf-like curve, as on a real blog: a few tags are on a large share of posts,
which is what makes counting shared tags grow with the archive.
"""

import argparse
import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag, TaggedItem  # noqa: E402

from blog.models import Category, Post, Series  # noqa: E402
from blog.related import rebuild_all as rebuild_related  # noqa: E402
from portfolio.markdown import plain_text, render  # noqa: E402
from portfolio.models import FocusArea, SiteProfile, SocialLink  # noqa: E402
from projects.models import Project  # noqa: E402

SEARCH_WORD = "replication"
TOPICS = ["consensus", "replication", "latency", "scheduling", "inference", "caching", "agents", "storage"]

PARAGRAPH = (
    "Distributed systems trade {a} against {b}. When a cluster grows, {a} becomes the first thing to "
    "break, and the fix is rarely more hardware: it is a better protocol for {b}. This section walks "
    "through the measurements, the failure we saw in production, and the change that made the numbers flat."
)
CODE = """```python
def quorum(nodes, acks):
    # A write is durable once a majority of {a} replicas have it.
    return acks * 2 > len(nodes)
```"""


def markdown_body(index):
    a, b = TOPICS[index % len(TOPICS)], TOPICS[(index * 3 + 1) % len(TOPICS)]
    sections = []
    for number in range(1, 6):
        sections.append(f"## {a.title()} and {b}, part {number}\n\n" + "\n\n".join([PARAGRAPH.format(a=a, b=b)] * 3))
        if number % 2:
            sections.append(CODE.format(a=a))
    return "\n\n".join(sections)


def rendered_bodies(count=8):
    bodies = []
    for index in range(count):
        body = markdown_body(index)
        result = render(body)
        bodies.append(
            {"body": body, "body_html": result.html, "toc": result.toc, "search_text": plain_text(result.html)}
        )
    return bodies


def zipf_weights(count, exponent=0.9):
    return [1 / (rank + 1) ** exponent for rank in range(count)]


def pick_tags(rng, tags, weights, how_many):
    chosen = []
    while len(chosen) < how_many:
        tag = rng.choices(tags, weights)[0]
        if tag not in chosen:
            chosen.append(tag)
    return chosen


def has_field(model, name):
    return any(field.name == name for field in model._meta.get_fields())


def generate(posts, tags, projects, seed=7):
    rng = random.Random(seed)
    now = timezone.now()
    SiteProfile.objects.create(
        owner_name="Bench Owner",
        headline="Distributed systems, agents and AI infrastructure",
        intro="I build and write about systems that stay fast when they grow.",
        tagline="Notes from production.",
        connect_text="Write to me about systems work.",
        contact_email="owner@example.com",
        meta_description="A benchmark's portfolio.",
    )
    FocusArea.objects.bulk_create(
        FocusArea(title=f"Focus {n}", description="Short description of a focus area.", order=n) for n in range(5)
    )
    SocialLink.objects.bulk_create(
        [
            SocialLink(label="GitHub", url="https://github.com/example", kind=SocialLink.Kind.GITHUB, order=0),
            SocialLink(label="LinkedIn", url="https://linkedin.com/in/example", kind=SocialLink.Kind.LINKEDIN, order=1),
            SocialLink(label="Email", url="mailto:owner@example.com", kind=SocialLink.Kind.EMAIL, order=2),
            SocialLink(label="Book a call", url="/contact/book/", kind=SocialLink.Kind.BOOKING, order=3),
        ]
    )
    categories = Category.objects.bulk_create(Category(name=f"Category {n}", slug=f"category-{n}") for n in range(10))
    series_count = max(1, posts // 50)
    series = Series.objects.bulk_create(Series(title=f"Series {n}", slug=f"series-{n}") for n in range(series_count))
    tag_rows = Tag.objects.bulk_create(Tag(name=f"Topic{n:03d}", slug=f"topic{n:03d}") for n in range(tags))
    weights = zipf_weights(len(tag_rows))
    bodies = rendered_bodies()

    post_rows = []
    series_orders = {}
    for n in range(posts):
        body = bodies[n % len(bodies)]
        # Every tenth post belongs to a series, in the order it was published.
        in_series = series[(n // 10) % len(series)] if n % 10 == 0 else None
        order = 0
        if in_series:
            order = series_orders[in_series.pk] = series_orders.get(in_series.pk, 0) + 1
        post_rows.append(
            Post(
                title=f"Post {n}: notes on {TOPICS[n % len(TOPICS)]}",
                slug=f"post-{n}",
                category=categories[n % len(categories)],
                summary=f"What post {n} found about {TOPICS[n % len(TOPICS)]} at scale.",
                reading_time=6,
                status=Post.Status.PUBLISHED,
                # Oldest first, an hour apart, all in the past.
                published_at=now - timedelta(hours=posts - n),
                series=in_series,
                series_order=order,
                **body,
            )
        )
    post_rows = Post.objects.bulk_create(post_rows, batch_size=1000)
    post_type = ContentType.objects.get_for_model(Post)
    TaggedItem.objects.bulk_create(
        (
            TaggedItem(tag=tag, content_type=post_type, object_id=post.pk)
            for post in post_rows
            for tag in pick_tags(rng, tag_rows, weights, rng.randint(3, 5))
        ),
        batch_size=2000,
    )

    project_fields = {"published_at": now} if has_field(Project, "published_at") else {}
    project_rows = Project.objects.bulk_create(
        Project(
            title=f"Project {n}",
            slug=f"project-{n}",
            summary=f"A project about {TOPICS[n % len(TOPICS)]}.",
            body=bodies[n % len(bodies)]["body"],
            body_html=bodies[n % len(bodies)]["body_html"],
            search_text=bodies[n % len(bodies)]["search_text"],
            featured=n < 6,
            order=n,
            status=Project.Status.PUBLISHED,
            **project_fields,
        )
        for n in range(projects)
    )
    project_type = ContentType.objects.get_for_model(Project)
    # Their own random numbers: the projects and their tags are the same at every archive size, so the
    # flat-cost comparison's tag page shows the same project cards at 100 posts as at 10,000.
    project_rng = random.Random(seed + 1)
    TaggedItem.objects.bulk_create(
        TaggedItem(tag=tag, content_type=project_type, object_id=project.pk)
        for project in project_rows
        for tag in pick_tags(project_rng, tag_rows, weights, project_rng.randint(2, 4))
    )
    # bulk_create sends no signals, so the related-post rankings are built in one pass.
    rebuild_related()
    # Fresh planner statistics, as a database that has lived a while has: without them SQLite reads
    # a post's tags through the content-type index, every post's tags at once. On Postgres, VACUUM too,
    # as autovacuum would: the search-vector triggers rewrite every row once, and index scans would
    # otherwise keep visiting the dead copies.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    # The post measured: in the middle of the archive, in a series, with tags (the page's full cost).
    middle = next(post for post in post_rows[len(post_rows) // 2 :] if post.series_id) if posts >= 10 else post_rows[0]
    return {
        "post": middle.get_absolute_url(),
        # The most used tag: the tag page with the most posts to page through.
        "tag": f"/tags/{tag_rows[0].slug}/",
        "search": f"/search/?q={SEARCH_WORD}",
        "posts": posts,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=300)
    parser.add_argument("--projects", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(generate(args.posts, args.tags, args.projects)))


if __name__ == "__main__":
    main()

"""Related posts ranked on save (blog/related.py) equal the rule counted live, through any sequence of edits."""

import random
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog import related
from blog.models import Post
from blog.tests.factories import make_category, make_post, make_series
from blog.views import post_page_context

pytestmark = pytest.mark.django_db

TAGS = ["raft", "paxos", "gossip", "crdt", "llm", "gpu", "cache", "queue"]


def counted_live(post):
    """The rule as it was counted on every page view: most shared tags, then newest; not the same series."""
    tag_ids = [tag.pk for tag in post.tags.all()]
    if not tag_ids:
        return []
    others = Post.objects.published().exclude(pk=post.pk)
    if post.series_id:
        others = others.exclude(series=post.series_id)
    return list(
        others.filter(tags__in=tag_ids)
        .annotate(shared_tags=Count("pk"))
        .order_by("-shared_tags", "-published_at", "-pk")
        .values_list("pk", flat=True)[:3]
    )


def shown(post):
    post = Post.objects.get(pk=post.pk)
    return [related.pk for related in post_page_context(post)["related_posts"]]


def assert_every_post_matches():
    for post in Post.objects.all():
        assert shown(post) == counted_live(post), post.title


@pytest.fixture
def archive():
    """Posts whose tag overlaps tie and differ, with a series, drafts and scheduled posts among them."""
    rng = random.Random(11)
    category = make_category()
    series = [make_series(), make_series()]
    now = timezone.now()
    posts = []
    for number in range(30):
        status = Post.Status.DRAFT if number % 11 == 5 else Post.Status.PUBLISHED
        published_at = now + timedelta(hours=number + 1) if number % 13 == 7 else now - timedelta(hours=100 - number)
        posts.append(
            make_post(
                f"Post {number}",
                category=category,
                tags=rng.sample(TAGS, rng.randint(1, 4)),
                status=status,
                published_at=published_at if status == Post.Status.PUBLISHED else None,
                series=series[number % 2] if number % 5 == 0 else None,
            )
        )
    return posts


def test_the_order_matters_in_this_archive(archive):
    """A guard on the data set: rankings have ties on shared tags broken by date, and differ between posts."""
    rankings = {tuple(counted_live(post)) for post in archive}
    assert len(rankings) > 10
    assert all(len(ranking) == 3 for ranking in rankings)


def test_ranked_on_save_equals_the_rule_counted_live(archive):
    assert_every_post_matches()


def test_rankings_follow_every_kind_of_edit(archive):
    rng = random.Random(5)
    category = archive[0].category
    for step in range(25):
        post = Post.objects.get(pk=rng.choice([p.pk for p in Post.objects.all()]))
        action = step % 7
        if action == 0:
            post.tags.add(rng.choice(TAGS))
        elif action == 1:
            names = [tag.name for tag in post.tags.all()]
            if names:
                post.tags.remove(rng.choice(names))
        elif action == 2:
            post.status = Post.Status.DRAFT if post.status == Post.Status.PUBLISHED else Post.Status.PUBLISHED
            post.published_at = post.published_at or timezone.now() - timedelta(minutes=step)
            post.save()
        elif action == 3:
            post.published_at = timezone.now() - timedelta(hours=rng.randint(0, 200), minutes=step)
            post.save()
        elif action == 4:
            make_post(f"New {step}", category=category, tags=rng.sample(TAGS, 2), published_at=timezone.now())
        elif action == 5:
            post.delete()
        else:
            post.series = None if post.series_id else archive[0].series
            post.save()
        assert_every_post_matches()


def test_a_scheduled_post_takes_its_place_when_it_goes_live(archive):
    scheduled = list(Post.objects.scheduled())
    assert scheduled
    later = max(post.published_at for post in scheduled) + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert_every_post_matches()
        assert any(post.pk in shown(other) for other in Post.objects.all() for post in scheduled)


def test_tags_cleared_and_set_in_the_admin_way_keep_rankings_current(archive):
    post = archive[3]
    post.tags.clear()
    assert_every_post_matches()
    post.tags.set(["raft", "paxos", "gossip"])
    assert_every_post_matches()


def test_rebuilding_after_a_bulk_import_gives_the_same_rankings(archive):
    Post.objects.update(related_ranking=[])
    call_command("rebuild_related_posts", verbosity=0)
    assert_every_post_matches()


READ_RANKINGS = 'SELECT "blog_post"."id", "blog_post"."related_ranking" FROM'


def test_a_rebuild_reads_the_posts_in_slices_and_ranks_them_all(archive, monkeypatch):
    # On Postgres a query takes at most 65,535 parameters: an archive past that must still rebuild.
    monkeypatch.setattr(related, "PKS_PER_QUERY", 7)
    Post.objects.update(related_ranking=[])
    with CaptureQueriesContext(connection) as queries:
        related.rebuild_all()
    reads = [query["sql"] for query in queries.captured_queries if query["sql"].startswith(READ_RANKINGS)]
    assert len(reads) == 5, "30 posts read 7 at a time"
    assert_every_post_matches()


def test_the_post_page_shows_them(client, archive):
    post = next(post for post in archive if post.is_live and counted_live(post))
    response = client.get(post.get_absolute_url())
    assert [related.pk for related in response.context["related_posts"]] == counted_live(post)
    assert Post.objects.get(pk=counted_live(post)[0]).title in response.text

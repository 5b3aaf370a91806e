"""Related posts, ranked when posts change rather than on every page view.

The rule: published posts sharing the most tags with this one, then the newest; never the post
itself, nor another part of its series (the series box already lists those); three of them.

Counting shared tags over the whole archive costs more the bigger the archive (every post shares
a tag with many others), so each post keeps its ranking in `Post.related_ranking`: a list of
`[id, shared tags, published_at timestamp]`, best first. It holds published posts, scheduled ones
included, down to the third post that was live when it was ranked. A page shows the first three of
those that are live now: a scheduled post then takes its place on time, with no recount, because
every post below the stored cut ranks below three live ones.

A change to post P (its tags, status, publish time or series, or its deletion) can only move P
in other posts' rankings, so only posts sharing a tag with P are looked at:
- where P was ranked and now ranks no lower, it moves up in place;
- where P was ranked and drops or leaves, that post is ranked again from scratch;
- where P was not ranked, it is slotted in if it now beats the last one kept.
P's own ranking is counted again. `manage.py rebuild_related_posts` ranks every post (after a bulk
import, say).
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone
from taggit.models import TaggedItem

RELATED_POSTS = 3


def _post_model():
    from blog.models import Post

    return Post


def _tag_ids(post_pk):
    Post = _post_model()
    return set(
        TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(Post), object_id=post_pk).values_list(
            "tag_id", flat=True
        )
    )


def _key(entry):
    """Best first: more shared tags, then newer, then the higher id (a fixed order for exact ties)."""
    _pk, shared, published = entry
    return (-shared, -published, -_pk)


def _cut(entries, now):
    """Entries best first, down to and including the RELATED_POSTS-th one live at `now`."""
    kept, live = [], 0
    for entry in sorted(entries, key=_key):
        kept.append(entry)
        live += entry[2] <= now
        if live == RELATED_POSTS:
            break
    return kept


def _live_count(ranking, now):
    # Fewer than three live means the ranking holds every candidate there was.
    return sum(entry[2] <= now for entry in ranking)


def rank(post):
    """The ranking for `post`, counted over the whole archive (one query, at save time)."""
    Post = _post_model()
    tag_ids = _tag_ids(post.pk)
    if not tag_ids:
        return []
    candidates = Post.objects.filter(status=Post.Status.PUBLISHED).exclude(pk=post.pk)
    if post.series_id:
        candidates = candidates.exclude(series=post.series_id)
    # Enough rows to reach three live ones past every scheduled post.
    limit = RELATED_POSTS + Post.objects.scheduled().count()
    rows = (
        candidates.filter(tags__in=tag_ids)
        .annotate(shared_tags=Count("pk"))
        .order_by("-shared_tags", "-published_at", "-pk")
        .values_list("pk", "shared_tags", "published_at")[:limit]
    )
    return _cut([[pk, shared, published.timestamp()] for pk, shared, published in rows], timezone.now().timestamp())


def rebuild_all():
    """Rank every post again: after bulk_create or a bulk import, which send no signals."""
    Post = _post_model()
    posts = list(Post.objects.only("pk", "series_id"))
    for post in posts:
        post.related_ranking = rank(post)
    Post.objects.bulk_update(posts, ["related_ranking"], batch_size=500)
    return len(posts)


def refresh(post_pk, extra_tag_ids=()):
    """Bring rankings up to date after post `post_pk` changed; `extra_tag_ids` are tags it just lost."""
    Post = _post_model()
    post = Post.objects.filter(pk=post_pk).only("pk", "status", "published_at", "series_id").first()
    tag_ids = _tag_ids(post_pk) if post else set()
    if post:
        Post.objects.filter(pk=post_pk).update(related_ranking=rank(post))
    neighbours = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Post), tag_id__in=tag_ids | set(extra_tag_ids)
    ).exclude(object_id=post_pk)
    # P's score with each neighbour: the tags they share now.
    shared = dict(neighbours.filter(tag_id__in=tag_ids).values_list("object_id").annotate(count=Count("id")).order_by())
    now = timezone.now().timestamp()
    changed = []
    for other in Post.objects.filter(pk__in=neighbours.values("object_id")).only("pk", "series_id", "related_ranking"):
        eligible = (
            post is not None
            and post.status == Post.Status.PUBLISHED
            and shared.get(other.pk, 0) > 0
            and not (other.series_id and other.series_id == post.series_id)
        )
        entry = [post_pk, shared.get(other.pk, 0), post.published_at.timestamp()] if eligible else None
        ranking = other.related_ranking
        old = next((item for item in ranking if item[0] == post_pk), None)
        if old is not None:
            if entry is not None and _key(entry) <= _key(old):
                new = _cut([item for item in ranking if item[0] != post_pk] + [entry], now)
            else:
                # P fell or left: whatever follows the cut is unknown, so count again.
                new = rank(other)
        elif entry is not None and (_live_count(ranking, now) < RELATED_POSTS or _key(entry) < _key(ranking[-1])):
            new = _cut([*ranking, entry], now)
        else:
            continue
        if new != ranking:
            other.related_ranking = new
            changed.append(other)
    Post.objects.bulk_update(changed, ["related_ranking"], batch_size=500)


# --- Signal handlers (connected in BlogConfig.ready) ----------------------------------------------
# They run inside the writer's transaction, so rankings commit (or roll back) with the change.

RANKED_FIELDS = ("status", "published_at", "series_id")


def remember_ranked_fields(sender, instance, raw=False, **kwargs):
    """pre_save: what the row said before, so a save that moves nothing in any ranking costs nothing."""
    if raw or instance.pk is None:
        instance._ranked_before = None
        return
    instance._ranked_before = sender.objects.filter(pk=instance.pk).values_list(*RANKED_FIELDS).first()


def post_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    now = tuple(getattr(instance, name) for name in RANKED_FIELDS)
    if created or getattr(instance, "_ranked_before", None) != now:
        refresh(instance.pk)


def tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """m2m_changed from taggit: a post's tags were added, removed or cleared."""
    if reverse or not isinstance(instance, _post_model()):
        return
    if action == "pre_clear":
        instance._tags_before_clear = _tag_ids(instance.pk)
    elif action in ("post_add", "post_remove", "post_clear"):
        lost = set(pk_set or ()) if action == "post_remove" else getattr(instance, "_tags_before_clear", set())
        refresh(instance.pk, lost)


def post_deleting(sender, instance, **kwargs):
    """pre_delete: the post's tags go with it, so note them to find the rankings it was in."""
    instance._tags_before_delete = _tag_ids(instance.pk)


def post_deleted(sender, instance, **kwargs):
    refresh(instance.pk, instance._tags_before_delete)

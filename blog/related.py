"""Related posts, ranked when posts change rather than on every page view.

The rule: published posts sharing the most tags with this one, then the newest; never the post
itself, nor another part of its series (the series box already lists those); three of them.

Counting shared tags over the whole archive costs more the bigger the archive (every post shares
a tag with many others), so each post keeps its ranking in `Post.related_ranking`: a list of
`[id, shared tags, published_at timestamp]`, best first. It holds published posts, scheduled ones
included, down to the third post that was live when it was ranked. A page shows the first three of
those that are live now: a scheduled post then takes its place on time, with no recount, because
every post below the stored cut ranks below three live ones.

A change to post P (its tags, status, publish time or series, or its deletion) can only move P in
the rankings of posts that share a tag with it, before or after the change; those posts and P are
ranked again. Ranking works on the whole archive in memory, one bitmask of posts per tag (newest
post in the lowest bit), so shared tags are counted for thousands of posts at once: a save re-ranks
every affected post in a fraction of a second, and `manage.py rebuild_related_posts` ranks 10,000
posts in seconds (after a bulk import, which sends no signals).
"""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from taggit.models import TaggedItem

RELATED_POSTS = 3
PKS_PER_QUERY = 10_000


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


class Ranker:
    """The archive's posts and tags, loaded once (two queries), ranking any number of posts."""

    def __init__(self):
        Post = _post_model()
        self.now = timezone.now().timestamp()
        posts = Post.objects.order_by("-published_at", "-pk").values_list("pk", "status", "published_at", "series_id")
        self.series_of = {}
        # Candidates are published posts, scheduled ones included; bit i is the i-th newest.
        self.candidates, self.published = [], []
        self.bit = {}
        self.series_mask = defaultdict(int)
        for pk, status, published_at, series_id in posts:
            self.series_of[pk] = series_id
            if status == Post.Status.PUBLISHED:
                self.bit[pk] = 1 << len(self.candidates)
                self.candidates.append(pk)
                self.published.append(published_at.timestamp())
                if series_id:
                    self.series_mask[series_id] |= self.bit[pk]
        self.all_candidates = (1 << len(self.candidates)) - 1
        self.tag_mask = defaultdict(int)
        self.tags_of = defaultdict(set)
        self.tagged = defaultdict(set)
        items = TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(Post))
        for object_id, tag_id in items.values_list("object_id", "tag_id"):
            self.tags_of[object_id].add(tag_id)
            self.tagged[tag_id].add(object_id)
            self.tag_mask[tag_id] |= self.bit.get(object_id, 0)

    def rank(self, pk):
        """[[id, shared tags, published_at timestamp], …] best first, down to the third live post."""
        masks = [self.tag_mask[tag] for tag in self.tags_of.get(pk, ())]
        # A bit-sliced counter: counters[i] holds bit i of each candidate's shared-tag count.
        counters = []
        for mask in masks:
            carry, place = mask, 0
            while carry:
                if place == len(counters):
                    counters.append(0)
                counters[place], carry = counters[place] ^ carry, counters[place] & carry
                place += 1
        excluded = self.bit.get(pk, 0) | self.series_mask.get(self.series_of.get(pk), 0)
        eligible = self.all_candidates & ~excluded
        ranking, live = [], 0
        for shared in range(len(masks), 0, -1):
            if shared >> len(counters):
                continue  # no candidate reaches this many shared tags
            level = eligible
            for place, counter in enumerate(counters):
                level &= counter if shared >> place & 1 else ~counter
            # Within a level, lower bits are newer posts: the rule's second key.
            while level:
                lowest = level & -level
                level ^= lowest
                index = lowest.bit_length() - 1
                ranking.append([self.candidates[index], shared, self.published[index]])
                live += self.published[index] <= self.now
                if live == RELATED_POSTS:
                    return ranking
        return ranking

    def update(self, pks):
        """Store fresh rankings for the posts `pks`, writing only those that changed."""
        Post = _post_model()
        pks, changed = list(pks), []
        # Read in slices: Postgres takes at most 65,535 parameters in a query bound on the server.
        for start in range(0, len(pks), PKS_PER_QUERY):
            for post in Post.objects.filter(pk__in=pks[start : start + PKS_PER_QUERY]).only("pk", "related_ranking"):
                ranking = self.rank(post.pk)
                if ranking != post.related_ranking:
                    post.related_ranking = ranking
                    changed.append(post)
        Post.objects.bulk_update(changed, ["related_ranking"], batch_size=500)
        return len(changed)


def rebuild_all():
    """Rank every post again. Returns the number of posts."""
    ranker = Ranker()
    ranker.update(list(ranker.series_of))
    return len(ranker.series_of)


def refresh(post_pk, extra_tag_ids=()):
    """Bring rankings up to date after post `post_pk` changed; `extra_tag_ids` are tags it just lost."""
    ranker = Ranker()
    affected = {post_pk}
    for tag_id in ranker.tags_of.get(post_pk, set()) | set(extra_tag_ids):
        affected |= ranker.tagged[tag_id]
    ranker.update(affected)


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

"""Written statements (portfolio/rows.py) load what the ORM loads, and the lists keep the publishing rule."""

from datetime import timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Model, prefetch_related_objects, signals
from django.utils import timezone

from blog.models import LIST_DEFERRED, Category, Post
from blog.tests.factories import make_category, make_draft, make_post, make_series
from blog.views import LIST_ROWS, NEARBY_ROWS, POST_PAGE_ROWS, LivePosts, newest_posts_part, posts_for_lists
from portfolio.rows import Part, Rows, _plain_fields, fetch_together
from portfolio.tests.factories import make_publication

pytestmark = pytest.mark.django_db


def _fields(post):
    return {field.attname: getattr(post, field.attname) for field in Post._meta.concrete_fields}


class TestRows:
    def test_a_post_and_its_foreign_keys_load_as_select_related_loads_them(self, django_assert_num_queries):
        post = make_post(
            series=make_series("Consensus"), citation=make_publication(), body="# One\n\n## Two\n\n$x$ and text"
        )
        expected = Post.objects.select_related("category", "series", "citation").get(pk=post.pk)

        with django_assert_num_queries(1):
            (loaded,) = POST_PAGE_ROWS.fetch("WHERE t.id = %s", [post.pk])
            # The joined rows are cached on the post: reading them costs nothing more.
            related = (loaded.category.name, loaded.series.title, loaded.citation.title)

        assert _fields(loaded) == _fields(expected)
        # Converted as the ORM converts them: JSON to lists, times to aware datetimes.
        assert isinstance(loaded.toc, list) and loaded.toc
        assert loaded.published_at.tzinfo is not None
        assert related == (expected.category.name, expected.series.title, expected.citation.title)
        assert loaded.get_deferred_fields() == set()
        assert not loaded._state.adding and loaded._state.db == "default"

    def test_a_loaded_post_saves_and_changes_like_one_the_orm_loaded(self):
        post, elsewhere = make_post(title="Before"), make_category("Elsewhere")
        (loaded,) = POST_PAGE_ROWS.fetch("WHERE t.id = %s", [post.pk])
        loaded.title = "After"
        loaded.category_id = elsewhere.pk  # through the foreign key's descriptor: the cached category goes
        assert loaded.category == elsewhere
        loaded.save()
        assert Post.objects.count() == 1  # an update, not a second post
        assert Post.objects.get(pk=post.pk).title == "After"

    def test_plain_models_are_made_without_their_general_init(self):
        # Foreign keys, an image (Post) and a file (Publication): descriptors that only store the value.
        post = make_post(series=make_series("Consensus"), citation=make_publication(pdf="publications/paper.pdf"))
        with mock.patch.object(Model, "__init__", side_effect=AssertionError("Model.__init__ was called")):
            (loaded,) = POST_PAGE_ROWS.fetch("WHERE t.id = %s", [post.pk])
        assert loaded.series.title == "Consensus"
        assert loaded.citation.pdf.name == "publications/paper.pdf"

    def test_a_models_own_init_is_kept(self):
        post = make_post()
        made = []

        def init(self, *args, **kwargs):
            made.append(args[0])
            Model.__init__(self, *args, **kwargs)

        _plain_fields.cache_clear()
        try:
            with mock.patch.object(Post, "__init__", init):
                POST_PAGE_ROWS.fetch("WHERE t.id = %s", [post.pk])
        finally:
            _plain_fields.cache_clear()
        assert made == [post.pk]

    def test_a_models_own_from_db_is_kept(self):
        post = make_post()
        made = []

        def from_db(cls, db, field_names, values):
            made.append(values[0])
            return Model.from_db.__func__(cls, db, field_names, values)

        _plain_fields.cache_clear()
        try:
            with mock.patch.object(Post, "from_db", classmethod(from_db)):
                POST_PAGE_ROWS.fetch("WHERE t.id = %s", [post.pk])
        finally:
            _plain_fields.cache_clear()
        assert made == [post.pk]

    def test_instances_are_made_by_from_db_when_a_signal_listens(self):
        made = []

        def listener(sender, instance, **kwargs):
            made.append(instance)

        post = make_post()
        signals.post_init.connect(listener, sender=Post)
        try:
            (loaded,) = POST_PAGE_ROWS.fetch("WHERE t.id = %s", [post.pk])
        finally:
            signals.post_init.disconnect(listener, sender=Post)
        assert made == [loaded]

    def test_an_empty_nullable_foreign_key_is_none_without_a_query(self, django_assert_num_queries):
        post = make_post()
        with django_assert_num_queries(1):
            (loaded,) = POST_PAGE_ROWS.fetch("WHERE t.id = %s", [post.pk])
            assert loaded.series is None and loaded.citation is None
            assert loaded.category.pk == post.category_id

    def test_left_out_fields_are_deferred_and_load_when_read(self, django_assert_num_queries):
        post = make_post(body="Only the post page shows this.")
        (loaded,) = LIST_ROWS.fetch("WHERE t.id = %s", [post.pk])
        assert set(LIST_DEFERRED) <= loaded.get_deferred_fields()
        with django_assert_num_queries(1):
            assert loaded.body == "Only the post page shows this."

    def test_only_loads_the_named_fields_and_the_primary_key(self):
        post = make_post()
        (loaded,) = NEARBY_ROWS.fetch("WHERE t.id = %s", [post.pk])
        loaded_fields = {f.attname for f in Post._meta.concrete_fields} - loaded.get_deferred_fields()
        assert loaded_fields == {"id", "title", "slug", "reading_time", "status", "published_at"} | {
            "series_id",
            "series_order",
            "category_id",
        }
        assert loaded.category.name == post.category.name

    def test_shapes_fetched_together_are_the_instances_each_shape_fetches_alone(self, django_assert_num_queries):
        """Differently typed columns (a post's times and JSON, a category's text) in one statement."""
        cited = make_post("Cited", series=make_series("Consensus"), citation=make_publication())
        other = make_post("Other")
        categories = Rows(Category)
        page = "WITH page AS (SELECT t.id, t.category_id FROM blog_post t WHERE t.slug = %s)"
        parts = [
            Part(POST_PAGE_ROWS, "WHERE t.id = (SELECT id FROM page)", []),
            Part(NEARBY_ROWS, "WHERE t.id <> (SELECT id FROM page) AND t.title = %s", ["Other"]),
            Part(categories, "WHERE t.id = (SELECT category_id FROM page)", []),
            Part(LIST_ROWS, "WHERE t.title = %s", ["Nothing is called this"]),
        ]
        with django_assert_num_queries(1):
            posts, nearby, found_categories, nothing = fetch_together(parts, prefix=page, prefix_params=[cited.slug])
            # Joined rows are cached on each part's instances, as a fetch of its own caches them.
            joined = (posts[0].series.title, posts[0].citation.title, nearby[0].category.name)

        (alone,) = POST_PAGE_ROWS.fetch("WHERE t.id = %s", [cited.pk])
        assert _fields(posts[0]) == _fields(alone) and posts[0].get_deferred_fields() == set()
        (nearby_alone,) = NEARBY_ROWS.fetch("WHERE t.id = %s", [other.pk])
        assert nearby[0].__dict__.keys() == nearby_alone.__dict__.keys()  # the same fields left out
        assert nearby[0].published_at == nearby_alone.published_at and nearby[0].title == "Other"
        assert [category.name for category in found_categories] == [cited.category.name]
        assert joined == ("Consensus", cited.citation.title, other.category.name)
        assert nothing == []

    def test_one_shape_can_be_two_parts(self):
        first, second = make_post("First"), make_post("Second")
        parts = [Part(NEARBY_ROWS, "WHERE t.id = %s", [first.pk]), Part(NEARBY_ROWS, "WHERE t.id = %s", [second.pk])]
        assert [[post.title for post in part] for part in fetch_together(parts)] == [["First"], ["Second"]]

    def test_each_part_comes_back_in_its_own_order(self):
        """A part's `order` orders its rows whatever order they were written or stored in."""
        for title in ["Bravo", "Delta", "Alpha", "Charlie"]:
            make_post(title)
        titles = ["Alpha", "Bravo", "Charlie", "Delta"]
        parts = [
            Part(NEARBY_ROWS, "WHERE t.title IN (%s, %s, %s, %s)", titles, order="t.title"),
            Part(NEARBY_ROWS, "WHERE t.title IN (%s, %s, %s, %s)", titles, order="t.title DESC"),
            Part(Rows(Category), "WHERE t.id IN (SELECT category_id FROM blog_post)", [], order="t.id DESC"),
        ]
        by_title, by_title_reversed, categories = fetch_together(parts)
        assert [post.title for post in by_title] == titles
        assert [post.title for post in by_title_reversed] == titles[::-1]
        assert [category.pk for category in categories] == sorted((c.pk for c in categories), reverse=True)

    def test_a_parts_pin_runs_on_its_instances_when_there_are_any(self):
        post = make_post(tags=["Raft"])
        pinned = []
        parts = [
            Part(LIST_ROWS, "WHERE t.id = %s", [post.pk], pin=pinned.append),
            Part(LIST_ROWS, "WHERE t.id = %s", [0], pin=pinned.append),  # no rows: nothing to pin
        ]
        (found, nothing) = fetch_together(parts)
        assert pinned == [found] and nothing == []

    def test_the_newest_posts_part_is_the_lists_first_rows_with_their_tags(self, django_assert_num_queries):
        now = timezone.now()
        older = make_post("Older", published_at=now - timedelta(days=3))
        # The same moment: the lists put the later id first, and so must this part.
        tied_first, tied_second = (make_post(title, published_at=now - timedelta(days=1)) for title in "AB")
        newest = make_post("Newest", tags=["Raft"], published_at=now - timedelta(hours=1))
        make_post("Scheduled", published_at="future")
        make_draft("Draft")
        make_post("Oldest", published_at=now - timedelta(days=9))

        with django_assert_num_queries(1):
            (posts,) = fetch_together([newest_posts_part(4)])
            tags = [tag.name for tag in posts[0].tags.all()]  # pinned: read from the row, no query
        assert posts == [newest, tied_second, tied_first, older] == list(LivePosts()[0:4])
        assert tags == ["Raft"]
        assert posts[0].get_deferred_fields() == LivePosts()[0:1][0].get_deferred_fields()

    def test_datetimes_are_bound_as_the_orm_binds_them(self):
        # A time in another zone is the same moment: SQLite compares text, so it must be sent as UTC.
        cutoff = (timezone.now() - timedelta(days=5)).astimezone(ZoneInfo("Asia/Tokyo"))
        before, after = (
            make_post(published_at=cutoff - timedelta(hours=1)),
            make_post(published_at=cutoff + timedelta(hours=1)),
        )
        found = {post.pk for post in LIST_ROWS.fetch("WHERE t.published_at <= %s", [cutoff])}
        assert found == {before.pk} == set(Post.objects.filter(published_at__lte=cutoff).values_list("pk", flat=True))
        assert after.pk not in found


class TestLivePosts:
    def test_only_live_posts_newest_first_ties_broken_by_the_newest_id(self):
        moment = timezone.now() - timedelta(hours=3)
        first, second = make_post(published_at=moment), make_post(published_at=moment)
        older = make_post(published_at=moment - timedelta(days=1))
        make_draft()
        make_post(published_at="future")

        posts = LivePosts()[0:10]

        assert [post.pk for post in posts] == [second.pk, first.pk, older.pk]
        assert LivePosts().count() == 3

    def test_slices_are_pages_that_neither_overlap_nor_skip(self):
        made = [make_post(published_at=timezone.now() - timedelta(hours=n)) for n in range(1, 6)]
        pages = [LivePosts()[0:2], LivePosts()[2:4], LivePosts()[4:6]]
        assert [post.pk for page in pages for post in page] == [post.pk for post in made]

    def test_a_category_shows_its_own_posts_only(self):
        category = make_category()
        mine = make_post(category=category)
        make_post()
        assert [post.pk for post in LivePosts(category.pk)[0:10]] == [mine.pk]
        assert LivePosts(category.pk).count() == 1

    def test_tags_come_in_typed_order_with_the_rows_in_one_query(self, django_assert_num_queries):
        make_draft(tags=["Alpha"])  # Alpha's id is the lower, so the order is the order typed
        make_post(tags=["Zeta", "Alpha"])
        with django_assert_num_queries(1):
            (post,) = LivePosts()[0:10]
            assert [tag.name for tag in post.tags.all()] == ["Zeta", "Alpha"]

    def test_posts_by_id_keep_the_order_given_and_skip_missing_ones(self):
        a, b = make_post(), make_post()
        assert [post.pk for post in posts_for_lists([b.pk, 999_999, a.pk])] == [b.pk, a.pk]
        assert posts_for_lists([]) == []


# Rows with their tag lists pin the tags with no query; rows read without them, with one.
@pytest.mark.parametrize("rows, queries", [(LIST_ROWS, 0), (Rows(Post, only=("title",)), 1)], ids=["listed", "bare"])
def test_pinned_tags_are_what_prefetch_related_objects_leaves(django_assert_num_queries, rows, queries):
    tagged = make_post("Tagged", tags=["Raft", "Storage", "Consensus"])
    untagged = make_post("Untagged")
    make_post("Elsewhere", tags=["Sharding"])  # a tag on another post only
    pinned = rows.fetch("WHERE t.id IN (%s, %s) ORDER BY t.id", [tagged.pk, untagged.pk])
    prefetched = LIST_ROWS.fetch("WHERE t.id IN (%s, %s) ORDER BY t.id", [tagged.pk, untagged.pk])
    with django_assert_num_queries(queries):
        Post.tags.prefetch([*pinned, pinned[0]])  # a post twice, as prefetch_related_objects allows
    prefetch_related_objects(prefetched, "tags")
    with django_assert_num_queries(0):
        assert [[tag.name for tag in post.tags.all()] for post in pinned] == [["Raft", "Storage", "Consensus"], []]
        assert [list(post.tags.all()) for post in pinned] == [list(post.tags.all()) for post in prefetched]
    # A query built on the pinned tags still asks about this post's tags only.
    assert [tag.name for tag in pinned[0].tags.all().filter(name__startswith="S")] == ["Storage"]
    assert not pinned[1].tags.all().filter(name__startswith="S").exists()

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.redirects.models import Redirect
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from blog.models import Category, Post, estimate_reading_time, validate_post_slug
from blog.tests.factories import make_draft, make_post

pytestmark = pytest.mark.django_db


def words(n):
    return " ".join(["word"] * n)


class TestReadingTime:
    def test_prose_is_read_at_230_words_a_minute(self):
        assert estimate_reading_time(words(230)) == 1
        assert estimate_reading_time(words(460)) == 2
        assert estimate_reading_time(words(2300)) == 10

    def test_a_short_text_still_takes_a_minute(self):
        assert estimate_reading_time("") == 1
        assert estimate_reading_time("Hello") == 1

    def test_rounds_to_the_nearest_minute(self):
        assert estimate_reading_time(words(340)) == 1  # 1.48 min
        assert estimate_reading_time(words(350)) == 2  # 1.52 min

    def test_code_blocks_add_20_seconds_plus_2_per_line_and_their_words_are_not_prose(self):
        code = "```python\n" + "\n".join(f"x{i} = {i}  # {words(20)}" for i in range(20)) + "\n```\n"
        # 460 prose words = 2 min; the block adds 20 s + 20 lines × 2 s = 60 s.
        assert estimate_reading_time(words(460) + "\n\n" + code) == 3

    def test_each_image_adds_12_seconds(self):
        images = "\n".join(f"![diagram {i}](/media/{i}.png)" for i in range(10))  # 120 s
        assert estimate_reading_time(words(230) + "\n\n" + images) == 3

    def test_the_image_and_code_constants_are_exactly_12_20_and_2_seconds(self):
        # Counts large enough that one second more or less per item changes the rounded minutes.
        assert estimate_reading_time("\n\n".join(["![](/media/i.png)"] * 125)) == 25  # 1500 s
        one_line_blocks = "\n\n".join(["```\nx = 1\n```"] * 60)  # 60 × (20 + 2) s = 1320 s
        assert estimate_reading_time(one_line_blocks) == 22
        long_block = "```\n" + "\n".join(["x = 1"] * 600) + "\n```"  # 20 + 600 × 2 s = 1220 s
        assert estimate_reading_time(long_block) == 20

    def test_link_addresses_are_not_counted_as_words(self):
        link = "[a](https://example.com/" + "/".join(["segment"] * 300) + ")"
        assert estimate_reading_time(link) == 1

    def test_saving_stores_the_estimate_unless_overridden(self):
        post = make_post(body=words(690))
        assert post.reading_time == 3
        post.reading_time_override = 10
        post.save()
        assert post.reading_time == 10


class TestPublishingRule:
    def test_published_means_published_status_and_a_time_that_has_come(self):
        live = make_post()
        make_draft()
        make_post(published_at="future")
        assert list(Post.objects.published()) == [live]

    def test_a_scheduled_post_goes_live_at_its_time_without_anything_running(self):
        post = make_post(published_at=timezone.now() + timedelta(seconds=1))
        assert not Post.objects.published().exists()
        assert post.is_scheduled
        Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - timedelta(seconds=1))
        assert list(Post.objects.published()) == [post]

    def test_publishing_without_a_time_means_now(self):
        post = make_draft()
        post.status = Post.Status.PUBLISHED
        post.save()
        assert post.published_at is not None and post.is_live

    def test_the_database_refuses_a_published_post_without_a_time(self):
        post = make_post()
        with pytest.raises(IntegrityError), transaction.atomic():
            Post.objects.filter(pk=post.pk).update(published_at=None)


class TestSaving:
    def test_body_is_rendered_and_headings_stored_on_save(self):
        post = make_post(body="## Intro\n\n### Details\n\ntext & more")
        assert '<h2 id="md-intro">' in post.body_html
        assert post.toc == [
            {"level": 2, "id": "md-intro", "name": "Intro"},
            {"level": 3, "id": "md-details", "name": "Details"},
        ]

    @pytest.mark.parametrize(
        "body",
        ["One  two\tthree\n\nfour", "# Heading\n\n- a list item\n- another\n\n```\ncode  here\n```", "![](x.png)", ""],
    )
    def test_the_word_count_is_the_number_of_words_searched(self, body):
        post = make_post(body=body)
        assert post.word_count == len(post.search_text.split())

    def test_tags_keep_the_order_they_were_given_so_the_first_is_primary(self):
        post = make_post(tags=["Zeta", "Alpha", "Mu"])
        post = Post.objects.prefetch_related("tags").get(pk=post.pk)
        assert [tag.name for tag in post.tags.all()] == ["Zeta", "Alpha", "Mu"]
        assert post.primary_tag.name == "Zeta"
        # Not prefetched: read through the manager, in the same order.
        assert Post.objects.get(pk=post.pk).primary_tag.name == "Zeta"
        assert make_post(tags=[]).primary_tag is None

    def test_prefetched_tags_are_each_posts_own_and_not_another_models(self):
        first, second = make_post(tags=["Zeta", "Alpha"]), make_post(tags=["Alpha", "Mu"])
        # Another model's row with the first post's id carries a tag of its own: it must not show on the post.
        other_type = ContentType.objects.get_for_model(Category)
        TaggedItem.objects.create(content_type=other_type, object_id=first.pk, tag=Tag.objects.create(name="Go"))
        with CaptureQueriesContext(connection) as queries:
            posts = Post.objects.prefetch_related("tags").in_bulk([first.pk, second.pk])
        assert [tag.name for tag in posts[first.pk].tags.all()] == ["Zeta", "Alpha"]
        assert [tag.name for tag in posts[second.pk].tags.all()] == ["Alpha", "Mu"]
        assert len(queries) == 2
        assert "django_content_type" not in queries[1]["sql"]  # the type by its id, without a join
        # The order the tags were entered in, which no database keeps unless asked.
        assert 'ORDER BY item."id"' in queries[1]["sql"]

    def test_tags_read_without_prefetching_are_each_posts_own_in_typed_order(self):
        Tag.objects.create(name="Mu"), Tag.objects.create(name="Alpha")  # older tags: lower ids than Zeta
        post = make_post(tags=["Zeta", "Alpha", "Mu"])
        TaggedItem.objects.create(
            content_type=ContentType.objects.get_for_model(Category),
            object_id=post.pk,
            tag=Tag.objects.create(name="Go"),
        )
        post = Post.objects.get(pk=post.pk)
        assert [tag.name for tag in post.tags.all()] == ["Zeta", "Alpha", "Mu"]
        assert [tag.name for tag in post.tags.filter(name__in=["Mu", "Go"])] == ["Mu"]
        assert post.tags.count() == 3

    def test_reserved_addresses_cannot_be_used_as_slugs(self):
        with pytest.raises(ValidationError):
            validate_post_slug("archive")
        validate_post_slug("archive-of-thoughts")


class TestSlugChanges:
    def test_renaming_a_live_post_redirects_its_old_address(self):
        post = make_post(slug="old-name")
        post.slug = "new-name"
        post.save()
        assert Redirect.objects.get(old_path="/blog/old-name/").new_path == "/blog/new-name/"

    def test_renaming_twice_points_every_old_address_at_the_newest(self):
        post = make_post(slug="first")
        post.slug = "second"
        post.save()
        post.slug = "third"
        post.save()
        assert dict(Redirect.objects.values_list("old_path", "new_path")) == {
            "/blog/first/": "/blog/third/",
            "/blog/second/": "/blog/third/",
        }

    def test_going_back_to_an_old_slug_drops_its_redirect(self):
        post = make_post(slug="a")
        post.slug = "b"
        post.save()
        post.slug = "a"
        post.save()
        assert dict(Redirect.objects.values_list("old_path", "new_path")) == {"/blog/b/": "/blog/a/"}

    def test_renaming_a_draft_leaves_no_redirect(self):
        post = make_draft(slug="draft-one")
        post.slug = "draft-two"
        post.save()
        assert not Redirect.objects.exists()


class TestPreviewTokens:
    def test_a_token_names_its_post(self):
        post = make_draft()
        token = post.get_preview_url().rstrip("/").rsplit("/", 1)[-1]
        assert Post.from_preview_token(token) == post

    def test_a_tampered_token_is_refused(self):
        post = make_draft()
        token = post.get_preview_url().rstrip("/").rsplit("/", 1)[-1]
        with pytest.raises(signing.BadSignature):
            Post.from_preview_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))

    def test_a_token_signed_for_something_else_is_refused(self):
        post = make_draft()
        with pytest.raises(signing.BadSignature):
            Post.from_preview_token(signing.dumps(post.pk, salt="another-purpose"))


class TestRerenderCommand:
    def test_rerender_posts_refreshes_stale_html_without_touching_updated_dates(self):
        stale = make_post(body="## Fresh heading\n\n<script>x</script>")
        current = make_post()
        Post.objects.filter(pk=stale.pk).update(body_html="<p>old rules</p>", toc=[], reading_time=9)
        before = Post.objects.get(pk=stale.pk).updated_at
        out = StringIO()
        call_command("rerender_posts", stdout=out)
        stale.refresh_from_db()
        assert '<h2 id="md-fresh-heading">' in stale.body_html and "<script" not in stale.body_html
        assert stale.toc == [{"level": 2, "id": "md-fresh-heading", "name": "Fresh heading"}]
        assert stale.reading_time == 1
        assert stale.updated_at == before
        assert "2/2 posts checked, 1 re-rendered" in out.getvalue()
        assert "Done: 1 of 2 posts re-rendered." in out.getvalue()
        assert current.body_html == Post.objects.get(pk=current.pk).body_html

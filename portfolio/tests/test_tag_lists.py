"""Each post's and project's tags, kept in its own row by the database (portfolio/tags.py)."""

import pickle
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem

from blog.models import Post
from blog.tests.factories import make_post
from blog.views import LIST_ROWS
from portfolio import tags as tags_module
from portfolio.tags import install_tag_list
from projects.models import CARD_ROWS, Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def names(obj):
    """The tag names the row says it has, read afresh from the database."""
    row = type(obj).objects.values_list("tag_list", flat=True).get(pk=obj.pk)
    return [name for _, name, _ in row]


def test_the_list_follows_every_change_of_the_tags_in_the_order_typed():
    make_post(tags=["Alpha"])  # Alpha's id is lower than Zeta's, but the post below types Zeta first
    post = make_post(tags=["Zeta", "Alpha", "Mid"])
    assert names(post) == ["Zeta", "Alpha", "Mid"]
    post.tags.remove("Alpha")
    assert names(post) == ["Zeta", "Mid"]
    post.tags.add("Beta")
    assert names(post) == ["Zeta", "Mid", "Beta"]
    post.tags.set(["Gamma"])
    assert names(post) == ["Gamma"]
    post.tags.clear()
    assert names(post) == []


def test_the_list_holds_each_tags_id_name_and_slug():
    post = make_post(tags=["Distributed Systems"])
    tag = Tag.objects.get(name="Distributed Systems")
    assert Post.objects.values_list("tag_list", flat=True).get(pk=post.pk) == [[tag.pk, tag.name, tag.slug]]


def test_writes_that_send_no_signals_keep_the_lists_current():
    post = make_post(tags=["Storage"])
    project = make_project(tech=["Storage"])
    Tag.objects.filter(name="Storage").update(name="Disks")
    assert names(post) == ["Disks"] and names(project) == ["Disks"]
    Tag.objects.filter(name="Disks").update(slug="platters")
    assert Post.objects.values_list("tag_list", flat=True).get(pk=post.pk)[0][2] == "platters"

    extra = Tag.objects.create(name="Raft")
    TaggedItem.objects.bulk_create(
        [TaggedItem(tag=extra, content_type=ContentType.objects.get_for_model(Post), object_id=post.pk)]
    )
    assert names(post) == ["Disks", "Raft"]
    TaggedItem.objects.filter(tag=extra).update(
        object_id=project.pk, content_type=ContentType.objects.get_for_model(Project)
    )
    assert names(post) == ["Disks"] and names(project) == ["Disks", "Raft"]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM taggit_taggeditem WHERE tag_id = %s", [extra.pk])
    assert names(project) == ["Disks"]

    Tag.objects.filter(name="Disks").delete()
    assert names(post) == [] and names(project) == []


def test_saving_an_instance_read_before_its_tags_changed_keeps_the_new_tags():
    post = make_post(tags=["Old"])
    stale = Post.objects.get(pk=post.pk)
    Post.objects.get(pk=post.pk).tags.add("New")
    stale.title = "Edited elsewhere"
    stale.save()
    assert names(post) == ["Old", "New"]
    copied = Post.objects.get(pk=post.pk)
    copied.pk, copied.slug = None, "a-copy"
    copied.save()  # a new row with the old row's list in memory, and no tags of its own
    assert names(copied) == []


def test_a_project_and_a_post_with_the_same_id_keep_their_own_tags():
    post = make_post(tags=["Writing"])
    project = Project.objects.create(pk=post.pk, title="Same id", slug="same-id", summary="x")
    project.tech.add("Rust")
    assert names(post) == ["Writing"] and names(project) == ["Rust"]
    project.tech.clear()
    Tag.objects.filter(name="Writing").update(name="Prose")
    assert names(post) == ["Prose"] and names(project) == []


def test_lists_and_post_pages_read_tags_from_their_rows(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    post = make_post(tags=["Consensus", "Raft"])
    make_project(tech=["Rust"], featured=True)
    for url, shown in (("/", "#Consensus"), ("/blog/", "#Consensus"), (f"/blog/{post.slug}/", "#Raft")):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        assert shown in html
        assert not [query["sql"] for query in queries if "taggit_taggeditem" in query["sql"]], url


def test_objects_loaded_without_the_list_still_get_their_tags():
    post = make_post(tags=["Zeta", "Alpha"])
    posts = list(Post.objects.defer("tag_list"))
    Post.tags.prefetch(posts)
    assert [tag.name for tag in posts[0].tags.all()] == ["Zeta", "Alpha"] and posts[0].pk == post.pk


def test_the_migration_installs_and_removes_the_triggers_and_fills_every_list():
    install, remove = install_tag_list("blog_post", "blog", "post")
    with connection.cursor() as cursor:
        editor = SimpleNamespace(connection=connection, execute=cursor.execute)
        post = make_post(tags=["Before"])
        remove(None, editor)
        post.tags.add("While removed")
        assert names(post) == ["Before"]
        install(None, editor)
        assert names(post) == ["Before", "While removed"]


def test_memo_keys_read_the_pinned_tags_without_making_a_manager(monkeypatch):
    post = make_post(tags=["Zeta", "Alpha"])
    project = make_project(tech=["Rust", "Raft"])
    (listed,) = LIST_ROWS.fetch("WHERE t.id = %s", [post.pk])
    (card,) = CARD_ROWS.fetch("WHERE t.id = %s", [project.pk])
    Post.tags.prefetch([listed])
    Project.tech.prefetch([card])

    def no_manager(*args):
        raise AssertionError("a manager was made for tags already pinned")

    monkeypatch.setattr(TaggableManager, "__get__", no_manager)
    assert listed.tags_key() == (("Zeta", "zeta"), ("Alpha", "alpha")) and listed.primary_tag.name == "Zeta"
    assert listed.social_card().details[:2] == ("#Zeta", "#Alpha")
    assert card.card_key()[-1] == (("Rust", "rust"), ("Raft", "raft"))
    assert card.social_card().details == ("Rust", "Raft")


def test_memo_keys_of_objects_without_pinned_tags_ask_their_manager():
    post = make_post(tags=["Zeta", "Alpha"])
    project = make_project(tech=["Rust"])
    assert Post.objects.get(pk=post.pk).tags_key() == (("Zeta", "zeta"), ("Alpha", "alpha"))
    assert Project.objects.get(pk=project.pk).card_key()[-1] == (("Rust", "rust"),)


def test_pinned_tags_build_their_query_only_when_something_builds_on_them(django_assert_num_queries):
    post = make_post(tags=["Zeta", "Alpha", "Storage"])
    (listed,) = LIST_ROWS.fetch("WHERE t.id = %s", [post.pk])
    Post.tags.prefetch([listed])
    pinned = listed.tags.all()
    with django_assert_num_queries(0):
        assert [tag.name for tag in pinned] == ["Zeta", "Alpha", "Storage"]
        assert bool(pinned) and len(pinned) == 3 and pinned.count() == 3 and pinned[1].name == "Alpha"
    assert pinned._query is tags_module._NOT_BUILT  # reading them built nothing
    assert [tag.name for tag in pinned.filter(name__startswith="S")] == ["Storage"]
    assert [tag.name for tag in pinned.order_by("name")] == ["Alpha", "Storage", "Zeta"]
    (again,) = LIST_ROWS.fetch("WHERE t.id = %s", [post.pk])
    Post.tags.prefetch([again])
    revived = pickle.loads(pickle.dumps(again.tags.all()))  # pickled before anything built its query
    assert list(revived) == list(pinned) and revived.filter(name="Zeta").count() == 1

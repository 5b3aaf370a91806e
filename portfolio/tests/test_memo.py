"""Blocks memoised by value (`{% memo %}`): a post's item in a list, a project's card, a post page's
header, end and neighbours. Each is reused while what it shows is the same, and follows every change
to what it shows: after any change, a page is what it would be with nothing remembered."""

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone
from PIL import Image
from taggit.models import Tag

from blog.models import Category, Post, Series
from blog.tests.factories import make_category, make_post, make_series
from portfolio import cards
from portfolio.models import SiteProfile, SocialLink
from portfolio.templatetags import fragments
from portfolio.templatetags.fragments import memoised
from portfolio.tests.factories import make_profile, make_social_link
from portfolio.tests.test_fragments import NONCE, Counter, update
from portfolio.tests.test_sharing import json_ld, of_type
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cold_pages(settings, tmp_path):
    settings.PAGE_CACHE_SECONDS = 0  # every page rendered, so only the memoised blocks are reused
    settings.MEDIA_ROOT = tmp_path


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return NONCE.sub("", response.text)  # the CSP nonce is new on every response


def assert_pages_follow(client, paths, change, shown=None):
    """Render `paths` (filling the memo), make `change`, and check each page is as if nothing were remembered."""
    for path in paths():
        page(client, path)
    assert memoised.entries, "the pages use no memoised block"
    change()
    after = {path: page(client, path) for path in paths()}
    memoised.clear()
    for path, html in after.items():
        assert html == page(client, path), f"{path} showed a stale block"
        if shown:
            assert shown in html, f"{path} doesn't show the change at all"


def portrait():
    buffer = BytesIO()
    Image.new("RGB", (64, 64), (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def blog():
    """A post in a series, with two tags, neighbours on both sides and a related post."""
    make_profile(owner_name="Ada Example", short_bio="Builds storage systems.")
    category, series = make_category("Systems", slug="systems"), make_series("Raft from scratch")
    older = make_post("Older post", tags=["Storage"], published_at=timezone.now() - timedelta(days=5))
    part_two = make_post("Part two", series=series, series_order=2, published_at=timezone.now() - timedelta(days=4))
    related = make_post("Related post", tags=["Raft", "Storage"], published_at=timezone.now() - timedelta(days=3))
    # Published moments ago: its saves in a test don't make it "Updated" (a later day), which would
    # change the header's values whatever else changed.
    post = make_post(
        "The post",
        tags=["Raft", "Storage"],
        category=category,
        series=series,
        series_order=1,
        published_at=timezone.now() - timedelta(seconds=2),
    )
    newer = make_post("Newer post", published_at=timezone.now() - timedelta(seconds=1))
    return {"post": post, "older": older, "newer": newer, "related": related, "part_two": part_two}


def list_paths(blog):
    # Search results show a list's item in parts around a snippet; every post's body has "body".
    return lambda: ["/", "/blog/", fresh(blog["post"]).category.get_absolute_url(), "/tags/storage/", "/search/?q=body"]


def fresh(post):
    return Post.objects.get(pk=post.pk)


LIST_ITEM_CHANGES = {
    "title": (lambda b: update(fresh(b["post"]), title="A new title"), "A new title"),
    "summary": (lambda b: update(fresh(b["post"]), summary="A new summary."), "A new summary."),
    "slug": (lambda b: update(fresh(b["post"]), slug="a-new-address"), "/blog/a-new-address/"),
    "publish time": (lambda b: update(fresh(b["post"]), published_at=timezone.now() - timedelta(days=40)), None),
    "reading time": (lambda b: update(fresh(b["post"]), reading_time_override=42), "42 min read"),
    "place in series": (lambda b: update(fresh(b["post"]), series_order=7), "Part 7 of the series"),
    "category name": (lambda b: update(Category.objects.get(slug="systems"), name="Engines"), "Engines"),
    "category slug": (lambda b: update(Category.objects.get(slug="systems"), slug="engines"), "/category/engines/"),
    "series title": (lambda b: update(Series.objects.get(title="Raft from scratch"), title="Raft, 2"), "Raft, 2"),
    "primary tag renamed": (lambda b: update(Tag.objects.get(name="Raft"), name="Paxos"), "#Paxos"),
    "primary tag respelled": (lambda b: update(Tag.objects.get(name="Raft"), name="RAFT"), "#RAFT"),  # same address
    "primary tag removed": (lambda b: fresh(b["post"]).tags.remove("Raft"), None),
}


@pytest.mark.parametrize("change", LIST_ITEM_CHANGES, ids=str)
def test_a_posts_item_in_every_list_follows_what_it_shows(client, blog, change):
    make_change, shown = LIST_ITEM_CHANGES[change]
    assert_pages_follow(client, list_paths(blog), lambda: make_change(blog), shown)


POST_PAGE_CHANGES = {
    **LIST_ITEM_CHANGES,
    # The post page shows its place as "Part 2 of 2", from the order of the series.
    "place in series": (lambda b: update(fresh(b["post"]), series_order=7), "Part 2 of 2"),
    "dek repeats the body": (lambda b: update(fresh(b["post"]), body=fresh(b["post"]).summary + " And more."), None),
    "edited on a later day": (
        lambda b: Post.objects.filter(pk=b["post"].pk).update(updated_at=timezone.now() + timedelta(days=3)),
        "Updated",
    ),
    "tag added": (lambda b: fresh(b["post"]).tags.add("Consensus"), "#Consensus"),
    "owner's name": (lambda b: update(SiteProfile.load(), owner_name="Grace Example"), "Grace Example"),
    "owner's bio": (lambda b: update(SiteProfile.load(), short_bio="Writes about queues."), "Writes about queues."),
    "owner unnamed": (lambda b: update(SiteProfile.load(), owner_name="Your Name"), None),
    "owner's portrait": (lambda b: update(SiteProfile.load(), avatar=portrait(), avatar_alt="Ada"), ".webp"),
    "older neighbour's title": (lambda b: update(fresh(b["older"]), title="Renamed older"), "Renamed older"),
    "older neighbour's slug": (lambda b: update(fresh(b["older"]), slug="older-moved"), "/blog/older-moved/"),
    "series part's slug": (lambda b: update(fresh(b["part_two"]), slug="part-moved"), "/blog/part-moved/"),
    "related post's slug": (lambda b: update(fresh(b["related"]), slug="related-moved"), "/blog/related-moved/"),
    "newer neighbour unpublished": (lambda b: update(fresh(b["newer"]), status=Post.Status.DRAFT), None),
    "series part's title": (lambda b: update(fresh(b["part_two"]), title="Renamed part"), "Renamed part"),
    "series part's place": (lambda b: update(fresh(b["part_two"]), series_order=0), None),
    "related post's title": (lambda b: update(fresh(b["related"]), title="Renamed related"), "Renamed related"),
    "related post's reading time": (lambda b: update(fresh(b["related"]), reading_time_override=31), "31 min read"),
    "related post's category": (
        lambda b: update(fresh(b["related"]).category, name="Renamed category"),
        "Renamed category",
    ),
    "a new related post": (lambda b: make_post("Also about Raft", tags=["Raft", "Storage"]), "Also about Raft"),
    # What only the JSON-LD and the shared-link image show. Written with update(), as a data migration
    # would, so that updated_at stays and only the one value changes.
    "words counted": (
        lambda b: Post.objects.filter(pk=b["post"].pk).update(search_text="one two three four five"),
        '"wordCount": 5',
    ),
    "cover image": (lambda b: update(fresh(b["post"]), cover_image=portrait(), cover_alt="A diagram"), "/media/"),
    "cover image only": (
        lambda b: Post.objects.filter(pk=b["post"].pk).update(cover_image="covers/elsewhere.png"),
        "covers/elsewhere.png",
    ),
    "modified time only": (
        lambda b: Post.objects.filter(pk=b["post"].pk).update(updated_at=timezone.now() + timedelta(minutes=5)),
        None,
    ),
    "tags beyond the first": (lambda b: update(Tag.objects.get(name="Storage"), name="Disks"), '"Disks"'),
}


@pytest.mark.parametrize("change", POST_PAGE_CHANGES, ids=str)
def test_a_post_page_follows_what_it_shows(client, blog, change):
    make_change, shown = POST_PAGE_CHANGES[change]
    assert_pages_follow(client, lambda: [fresh(blog["post"]).get_absolute_url()], lambda: make_change(blog), shown)


def fresh_project():
    return Project.objects.get(slug="raft-store")


PROJECT_CARD_CHANGES = {
    "title": (lambda: update(fresh_project(), title="Paxos Store"), "Paxos Store"),
    "summary": (lambda: update(fresh_project(), summary="A new summary."), "A new summary."),
    "slug": (lambda: update(fresh_project(), slug="paxos-store"), "/projects/paxos-store/"),
    "repository": (lambda: update(fresh_project(), repo_url="https://example.com/new-repo"), "new-repo"),
    "demo": (lambda: update(fresh_project(), demo_url="https://example.com/new-demo"), "new-demo"),
    "tech renamed": (lambda: update(Tag.objects.get(name="Go"), name="Golang"), "Golang"),
    "tech added": (lambda: fresh_project().tech.add("Rust"), "Rust"),
    "cover image": (lambda: update(fresh_project(), cover_image=portrait(), cover_alt="A diagram"), "/media/projects/"),
    # Shown only by its page's JSON-LD; update(), so that nothing else changes.
    "publish date only": (
        lambda: Project.objects.filter(slug="raft-store").update(published_at=timezone.now() - timedelta(days=9)),
        None,
    ),
    "modified date only": (
        lambda: Project.objects.filter(slug="raft-store").update(updated_at=timezone.now() + timedelta(minutes=5)),
        None,
    ),
}


@pytest.mark.parametrize("change", PROJECT_CARD_CHANGES, ids=str)
def test_a_projects_card_follows_what_it_shows(client, change):
    make_profile()
    project = make_project(
        "Raft Store", slug="raft-store", tech=["Go"], featured=True, repo_url="https://example.com/repo"
    )
    make_change, shown = PROJECT_CARD_CHANGES[change]
    paths = lambda: ["/", "/projects/", Project.objects.get(pk=project.pk).get_absolute_url()]  # noqa: E731
    assert_pages_follow(client, paths, make_change, shown)


HOME_CHANGES = {
    "owner's name": (lambda: update(SiteProfile.load(), owner_name="Grace Example"), '"Grace Example"'),
    "headline": (lambda: update(SiteProfile.load(), headline="Queues, mostly"), '"Queues, mostly"'),
    "portrait": (lambda: update(SiteProfile.load(), avatar=portrait(), avatar_alt="Ada"), '"image"'),
    "a link's address": (lambda: SocialLink.objects.update(url="https://github.com/grace"), "github.com/grace"),
    "a link hidden": (lambda: SocialLink.objects.update(is_visible=False), None),
}


@pytest.mark.parametrize("change", HOME_CHANGES, ids=str)
def test_the_home_pages_structured_data_follows_the_profile(client, change):
    make_profile()
    make_social_link()
    make_change, shown = HOME_CHANGES[change]
    assert_pages_follow(client, lambda: ["/"], make_change, shown)


def test_the_table_of_contents_follows_the_headings(client, blog):
    def headings(*names):
        update(fresh(blog["post"]), body="".join(f"## {name}\n\nText.\n\n" for name in names))

    headings("Alpha", "Beta", "Gamma")
    post_page = lambda: [fresh(blog["post"]).get_absolute_url()]  # noqa: E731
    assert_pages_follow(client, post_page, lambda: headings("Alpha", "Beta", "Delta"), "Delta</a></li>")


def test_a_preview_of_a_live_post_is_never_indexed(client, blog):
    """A preview renders the post page's head too: a public page remembered first must not stand in for it."""
    post = fresh(blog["post"])
    assert "noindex" not in page(client, post.get_absolute_url())
    preview = client.get(post.get_preview_url())
    assert preview.status_code == 200
    assert '<meta name="robots" content="noindex, nofollow">' in preview.text


def test_a_later_edit_moves_the_updated_date(client, blog):
    def edited(days):
        Post.objects.filter(pk=blog["post"].pk).update(updated_at=timezone.now() + timedelta(days=days))

    edited(3)
    later = timezone.localtime(timezone.now() + timedelta(days=5))
    assert_pages_follow(
        client,
        lambda: [fresh(blog["post"]).get_absolute_url()],
        lambda: edited(5),
        f'Updated <time datetime="{later:%Y-%m-%d}',
    )


def test_the_site_time_zone_is_part_of_every_block(client, blog, settings):
    # Published at 23:30 UTC: the next day in Kiritimati (UTC+14).
    update(fresh(blog["post"]), published_at=timezone.now().replace(hour=23, minute=30) - timedelta(days=1))
    assert_pages_follow(client, list_paths(blog), lambda: setattr(settings, "TIME_ZONE", "Pacific/Kiritimati"), None)


def test_a_publish_renders_only_the_new_posts_item(client, blog):
    page(client, "/blog/")
    remembered = set(memoised.entries)
    make_post("Just published")
    assert "Just published" in page(client, "/blog/")
    # The page's list of items is a block of its own (one memo lookup for the whole list), made anew
    # from the items' blocks, of which only the new post's renders.
    assert sorted(key[0] for key in set(memoised.entries) - remembered) == ["post-item", "post-items"]


@pytest.mark.parametrize(
    ("paths", "heading"),
    [
        # The same post, alone in each list: the page's own list (h2), a tag page's section (h3).
        (["/blog/", "/tags/go/", "/blog/"], r"<h(\d) class=\"post-item-title\"><a href=\"/blog/the-post/\""),
        # The same featured project: the projects page's own grid (h2), home's section (h3).
        (
            ["/projects/", "/", "/projects/"],
            r"<h(\d) class=\"project-card-title\"><a class=\"card-link\" href=\"/projects/",
        ),
    ],
)
def test_the_same_items_under_another_heading_are_another_block(client, paths, heading):
    make_post("The post", slug="the-post", tags=["Go"])
    make_project("A project", tech=["Go"], featured=True)
    levels = [re.search(heading, page(client, path))[1] for path in paths]
    assert levels == ["2", "3", "2"]


def test_a_lists_pagination_follows_the_number_of_pages(client, blog):
    for number in range(6):  # 11 posts: two pages of ten
        make_post(f"Filler {number}")
    paths = lambda: ["/blog/", "/blog/?page=2"]  # noqa: E731
    assert "Page 2 of 2" in page(client, "/blog/?page=2")

    def ten_more():
        for number in range(10):
            make_post(f"More {number}")

    assert_pages_follow(client, paths, ten_more, " of 3</li>")
    assert "Page 1 of 3" in page(client, "/blog/")
    second = page(client, "/blog/?page=2")
    assert "Page 2 of 3" in second and 'rel="next"' in second  # no longer the last page


MEMO = Template('{% load fragments %}{% memo "test" value %}{{ counter.next }}{% endmemo %}')


def test_a_block_is_rendered_once_for_each_value():
    counter = Counter()
    assert MEMO.render(Context({"counter": counter, "value": "a"})) == "0"
    assert MEMO.render(Context({"counter": counter, "value": "a"})) == "0"
    assert MEMO.render(Context({"counter": counter, "value": "b"})) == "1"
    assert MEMO.render(Context({"counter": counter, "value": "a"})) == "0"


def test_dates_in_another_time_zone_are_another_block():
    counter = Counter()
    assert MEMO.render(Context({"counter": counter, "value": "a"})) == "0"
    with timezone.override("Asia/Tokyo"):
        assert MEMO.render(Context({"counter": counter, "value": "a"})) == "1"


def test_while_developing_every_block_is_rendered(settings):
    settings.DEBUG = True
    counter = Counter()
    assert MEMO.render(Context({"counter": counter, "value": "a"})) == "0"
    assert MEMO.render(Context({"counter": counter, "value": "a"})) == "1"


@pytest.mark.parametrize("value", ["missing", "missing.attribute", "empty", 'missing|each_key:"list_item_key"'])
def test_a_missing_value_renders_the_block_every_time(value):
    """Rather than keying every page alike: a typo or a view that doesn't supply the value."""
    template = Template('{% load fragments %}{% memo "test" ' + value + " %}{{ counter.next }}{% endmemo %}")
    counter = Counter()
    assert template.render(Context({"counter": counter, "empty": ""})) == "0"
    assert template.render(Context({"counter": counter, "empty": ""})) == "1"
    assert not memoised.entries


def test_a_value_that_cannot_be_a_key_renders_the_block_every_time():
    counter = Counter()
    assert MEMO.render(Context({"counter": counter, "value": ["a list"]})) == "0"
    assert MEMO.render(Context({"counter": counter, "value": ["a list"]})) == "1"


def test_the_least_recently_used_block_is_forgotten_first(monkeypatch):
    monkeypatch.setattr(fragments, "MEMO_BYTES", 8)
    template = Template('{% load fragments %}{% memo "test" value %}{{ value }}{% endmemo %}')
    for value in [1000, 2000, 1000, 3000]:  # 4 bytes each: two fit
        template.render(Context({"value": value}))
    assert [key[-1] for key in memoised.entries] == [1000, 3000]


def test_the_memo_is_bounded_in_bytes(monkeypatch):
    monkeypatch.setattr(fragments, "MEMO_BYTES", 10)
    template = Template('{% load fragments %}{% memo "test" value %}{{ value }}{% endmemo %}')
    for value in range(1000, 1010):
        assert template.render(Context({"value": value})) == str(value)
    assert memoised.bytes <= 10
    assert sum(map(len, memoised.entries.values())) == memoised.bytes
    assert list(memoised.entries) == [("test", "UTC", 1008), ("test", "UTC", 1009)]


@pytest.mark.parametrize("source", ['{% memo "name" %}x{% endmemo %}', "{% memo %}x{% endmemo %}"])
def test_a_memo_without_its_values_is_a_template_error(source):
    with pytest.raises(TemplateSyntaxError, match="memo needs a block name and the values the block shows"):
        Template("{% load fragments %}" + source)


def test_each_page_keeps_its_own_breadcrumbs(client, blog):
    """The breadcrumbs' JSON-LD is remembered by the trail it shows: one page's is never another's."""

    def trail(path):
        crumbs = of_type(json_ld(page(client, path)), "BreadcrumbList")["itemListElement"]
        return [crumb["name"] for crumb in crumbs]

    assert trail("/blog/") == ["Home", "Blog"]
    assert trail(fresh(blog["post"]).category.get_absolute_url()) == ["Home", "Blog", "Systems"]
    assert trail("/tags/storage/") == ["Home", "#Storage"]


def test_structured_data_follows_the_card_fonts(client, blog, settings):
    """A post's JSON-LD names its card, whose address carries the fonts in use: a change of them is followed."""
    fallback = str(Path(cards.__file__).resolve().parent / "fonts" / "Inter-Regular.otf")
    path = fresh(blog["post"]).get_absolute_url()
    before = page(client, path)
    assert_pages_follow(
        client, lambda: [path], lambda: setattr(settings, "SOCIAL_CARD_FALLBACK_FONTS", [fallback]), None
    )
    card = of_type(json_ld(page(client, path)), "BlogPosting")["image"]
    assert card != of_type(json_ld(before), "BlogPosting")["image"]


def test_structured_data_follows_the_site_address(client, blog, settings):
    paths = lambda: ["/", "/blog/", fresh(blog["post"]).get_absolute_url()]  # noqa: E731
    assert_pages_follow(
        client, paths, lambda: setattr(settings, "SITE_URL", "https://elsewhere.example"), '"https://elsewhere.example/'
    )

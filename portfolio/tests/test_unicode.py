"""Names and addresses in any script: the owner types them in the admin, and every page still answers."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from taggit.models import Tag

from blog.models import Category, Post, Series
from portfolio.tests.factories import make_profile
from projects.models import Project

pytestmark = pytest.mark.django_db

POST_TAGS = "Café, 分布式, Системы, #DistributedSystems, 🚀, C++, C#, عربي"
PROJECT_TECH = "Distributed Systems, Café, Ελληνικά, C"


@pytest.fixture
def owner(client):
    client.force_login(User.objects.create_superuser("owner", "owner@example.com", "x"))
    return client


def _saved(response):
    assert response.status_code == 302, response.content.decode()[:3000]


def _create_everything_through_the_admin(owner):
    make_profile()
    _saved(owner.post(reverse("admin:blog_category_add"), {"name": "Système & Café", "slug": "système-café"}))
    _saved(owner.post(reverse("admin:blog_series_add"), {"title": "分布式系列", "slug": "分布式系列"}))
    post_form = {
        "title": "Кэширование 分布式 ☕ على الحافة",
        "slug": "кэширование-分布式",
        "category": Category.objects.get().pk,
        "tags": POST_TAGS,
        "summary": "Ελληνικά, русский, 中文 and emoji 🚀 in one summary.",
        "body": "## Заголовок\n\n分布式系统 and café. 🚀\n",
        "status": "published",
        "published_at_0": "",
        "published_at_1": "",
        "series": Series.objects.get().pk,
        "series_order": "1",
        "reading_time_override": "",
        "cover_alt": "",
    }
    _saved(owner.post(reverse("admin:blog_post_add"), post_form))
    project_form = {
        "title": "Ταχύτητα",
        "slug": "ταχύτητα",
        "summary": "Γρήγορο.",
        "tech": PROJECT_TECH,
        "status": "published",
        "order": "0",
        "body": "## Γιατί\n\nΕπειδή.",
        "repo_url": "",
        "demo_url": "",
        "cover_alt": "",
    }
    _saved(owner.post(reverse("admin:projects_project_add"), project_form))
    owner.logout()


def test_content_in_any_script_works_on_every_page_feed_and_admin_page(client, owner):
    _create_everything_through_the_admin(owner)
    post, project = Post.objects.get(), Project.objects.get()
    tags = list(Tag.objects.all())
    assert {tag.name for tag in tags} >= {"Café", "分布式", "Системы", "DistributedSystems", "🚀", "C++", "C#", "C"}
    assert all(tag.slug for tag in tags)

    public = [
        "/",
        "/blog/",
        "/blog/archive/",
        post.get_absolute_url(),
        post.category.get_absolute_url(),
        "/projects/",
        project.get_absolute_url(),
        "/feeds/rss/",
        "/feeds/atom/",
        "/feeds/json/",
        "/sitemap.xml",
        "/sitemap-posts.xml",
        "/sitemap-categories.xml",
        "/sitemap-project-pages.xml",
        "/llms.txt",
        "/search/?q=分布式",
        "/search/?q=Café",
        "/search/?q=Ταχύτητα",
    ]
    for tag in tags:
        public.append(reverse("tag_detail", kwargs={"slug": tag.slug}))
        if post.tags.filter(pk=tag.pk).exists():
            public.append(reverse("feeds:tag", kwargs={"slug": tag.slug}))
        if project.tech.filter(pk=tag.pk).exists():
            public.append(reverse("projects:project_list") + f"?tech={tag.slug}")
    for url in public:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    for sitemap, item in [("posts", post), ("categories", post.category), ("project-pages", project)]:
        assert f"{item.get_absolute_url()}</loc>" in client.get(f"/sitemap-{sitemap}.xml").content.decode()

    home = client.get("/").content.decode()
    assert "Кэширование 分布式 ☕" in home
    assert "#分布式" in client.get(post.get_absolute_url()).content.decode()

    owner.force_login(User.objects.get())
    admin_pages = [
        reverse("admin:blog_post_changelist"),
        reverse("admin:blog_post_change", args=[post.pk]),
        reverse("admin:projects_project_changelist"),
        reverse("admin:projects_project_change", args=[project.pk]),
        reverse("admin:taggit_tag_changelist"),
        reverse("admin:blog_category_changelist"),
        reverse("admin:blog_series_changelist"),
        *(reverse("admin:taggit_tag_change", args=[tag.pk]) for tag in tags),
    ]
    for url in admin_pages:
        assert owner.get(url).status_code == 200, url


def test_spellings_of_one_concept_are_one_tag_where_posts_and_projects_meet(client, owner):
    _create_everything_through_the_admin(owner)
    tag = Tag.objects.get(slug="distributedsystems")
    assert tag.name == "DistributedSystems"  # the first spelling the owner typed
    page = client.get(reverse("tag_detail", kwargs={"slug": tag.slug})).content.decode()
    assert "Кэширование 分布式" in page and "Ταχύτητα" in page
    # "Café" typed on the post and on the project is one tag as well; "C", "C++" and "C#" stay apart.
    assert Tag.objects.filter(name__iexact="café").count() == 1
    assert len({Tag.objects.get(name=name).slug for name in ("C", "C++", "C#")}) == 3


@pytest.mark.parametrize(
    ("spelling", "slug"),
    [
        ("DistributedSystems", "distributedsystems"),
        ("Distributed Systems", "distributedsystems"),
        ("distributed-systems", "distributedsystems"),
        ("#distributedsystems", "distributedsystems"),
        ("Distributed_Systems", "distributedsystems"),
        ("Café", "café"),
        ("Системы", "системы"),
        ("🚀", "rocket"),
        ("C++", "cplusplus"),
        ("C#", "csharp"),
    ],
)
def test_a_tag_is_found_by_any_spelling(spelling, slug):
    from portfolio.tags import tag_key

    assert tag_key(spelling) == slug


def test_tags_typed_in_another_spelling_join_the_existing_tag(client):
    from blog.tests.factories import make_post
    from projects.tests.factories import make_project

    post = make_post("Post", tags=["DistributedSystems"])
    project = make_project("Project", tech=["distributed systems"])
    assert Tag.objects.count() == 1
    assert project.tech.get() == post.tags.get()
    post.tags.remove("Distributed Systems")
    assert not post.tags.exists()


def test_renaming_a_tag_to_another_tags_spelling_is_refused_in_the_admin(owner):
    from blog.tests.factories import make_post

    make_post(tags=["Storage", "Consensus"])
    consensus = Tag.objects.get(name="Consensus")
    response = owner.post(reverse("admin:taggit_tag_change", args=[consensus.pk]), {"name": "storage"})
    assert response.status_code == 200
    assert "is the same tag as “Storage”" in response.content.decode()


def test_the_migration_merges_existing_twin_tags_and_keeps_each_items_place(client):
    import importlib

    from django.apps import apps
    from taggit.models import TaggedItem

    from blog.tests.factories import make_post
    from projects.tests.factories import make_project

    # Tags as they were before normalising: twins with taggit's own slugs (bulk_create skips the slug rule).
    first, twin, spaced = Tag.objects.bulk_create(
        [
            Tag(name="DistributedSystems", slug="distributedsystems-old"),
            Tag(name="distributed-systems", slug="distributed-systems"),
            Tag(name="Distributed Systems", slug="distributed-systems-1"),
        ]
    )
    post = make_post("Post", tags=["Agents"])
    post.tags.add(twin)
    post.tags.add(first)  # the same concept twice on one post
    project = make_project("Project")
    project.tech.add(spaced)

    migration = importlib.import_module("portfolio.migrations.0003_one_tag_per_concept")
    migration.merge_twin_tags(apps, None)

    merged = Tag.objects.get(slug="distributedsystems")
    assert merged.pk == first.pk and merged.name == "DistributedSystems"
    assert [tag.name for tag in post.tags.all()] == ["Agents", "DistributedSystems"]
    assert list(project.tech.all()) == [merged]
    assert TaggedItem.objects.filter(tag=merged).count() == 2
    assert client.get("/tags/distributedsystems/").status_code == 200


@pytest.mark.parametrize("name", ["nul\x00byte", "!!!", "x" * 300, "  #  spaced   out  ", "\u202eevil"])
def test_no_tag_name_can_break_a_page(client, name):
    from blog.tests.factories import make_post

    post = make_post("Odd tags", tags=[name])
    tag = post.tags.get()
    assert "\x00" not in tag.name and "\u202e" not in tag.name and len(tag.name) <= 100 and tag.slug
    assert client.get(post.get_absolute_url()).status_code == 200
    assert client.get(reverse("tag_detail", kwargs={"slug": tag.slug})).status_code == 200
    assert client.get("/").status_code == 200


def test_a_tag_saved_any_other_way_still_gets_its_key_as_slug():
    # The admin's tag form, taggit itself or the shell: whoever saves a tag, its address is its name's key.
    tag = Tag.objects.create(name="Distributed Systems", slug="distributed-systems")
    assert tag.slug == "distributedsystems"
    tag.name = "Stream Processing"
    tag.save()
    assert Tag.objects.get(pk=tag.pk).slug == "streamprocessing"

"""The publishing core that posts and projects share: one rule, address history, and an admin that tells the truth."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.redirects.models import Redirect
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from blog.models import Post
from blog.tests.factories import make_draft, make_post
from portfolio.tests.factories import make_profile
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    client.force_login(User.objects.create_superuser("owner", "owner@example.com", "x"))
    return client


# One publishing rule, for projects as for posts.


def test_a_scheduled_project_is_hidden_until_its_time(client):
    project = make_project("Soon", published_at=timezone.now() + timedelta(hours=1))
    assert project.is_scheduled and not project.is_live
    assert list(Project.objects.published()) == []
    assert client.get(project.get_absolute_url()).status_code == 404
    assert "Soon" not in client.get("/projects/").content.decode()


def test_published_until_a_time_keeps_the_rule_and_stops_at_that_time():
    now = timezone.now()
    old = make_post("Old", published_at=now - timedelta(days=2))
    make_post("Recent", published_at=now - timedelta(hours=1))
    make_post("Scheduled", published_at=now + timedelta(days=1))
    make_draft("Draft")
    assert list(Post.objects.published(until=now - timedelta(days=1))) == [old]
    # A time still to come lists what is live now, never what is scheduled.
    assert {post.title for post in Post.objects.published(until=now + timedelta(days=2))} == {"Old", "Recent"}


def test_publishing_a_project_without_a_time_means_now():
    project = make_project(status=Project.Status.PUBLISHED)
    assert project.published_at is not None and project.is_live


@pytest.mark.parametrize("factory", [make_draft, lambda: make_project(status=Project.Status.DRAFT)])
def test_drafts_are_for_staff_not_for_any_signed_in_user(client, factory):
    draft = factory()
    client.force_login(User.objects.create_user("reader", "reader@example.com", "x"))
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(User.objects.create_user("editor", "editor@example.com", "x", is_staff=True))
    assert client.get(draft.get_absolute_url()).status_code == 200


# Address history: an old address answers 301, and no redirect outlives its page.


def test_renaming_a_live_project_redirects_its_old_address(client):
    project = make_project("Store", slug="store")
    project.slug = "raft-store"
    project.save()
    response = client.get("/projects/store/")
    assert response.status_code == 301 and response["Location"] == "/projects/raft-store/"


def test_renaming_a_project_in_the_admin_redirects_its_old_address(owner, client):
    project = make_project("Store", slug="store", summary="A store.")
    form = {
        "title": "Store",
        "slug": "raft-store",
        "summary": "A store.",
        "tech": "",
        "status": "published",
        "published_at_0": timezone.localtime(project.published_at).strftime("%Y-%m-%d"),
        "published_at_1": timezone.localtime(project.published_at).strftime("%H:%M:%S"),
        "order": "0",
        "body": "",
        "repo_url": "",
        "demo_url": "",
        "cover_alt": "",
    }
    response = owner.post(reverse("admin:projects_project_change", args=[project.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    owner.logout()
    assert client.get("/projects/store/").status_code == 301


@pytest.mark.parametrize("bulk", [False, True])
def test_deleting_a_renamed_post_leaves_no_redirect_to_a_404(client, bulk):
    post = make_post(slug="first")
    post.slug = "second"
    post.save()
    assert Redirect.objects.filter(new_path="/blog/second/").exists()
    if bulk:
        Post.objects.filter(pk=post.pk).delete()
    else:
        post.delete()
    assert not Redirect.objects.exists()
    assert client.get("/blog/first/").status_code == 404


def test_deleting_a_renamed_project_leaves_no_redirect_to_a_404(client):
    project = make_project(slug="first")
    project.slug = "second"
    project.save()
    project.delete()
    assert not Redirect.objects.exists()


# The admin tells the truth.


def test_view_on_site_goes_to_the_public_address_for_every_model_with_a_page(owner, settings):
    settings.SITE_URL = "https://ada.example"
    make_profile()
    post = make_post(slug="raft", tags=["Consensus"])
    project = make_project(slug="store")
    tag = Tag.objects.get(name="Consensus")
    pages = {
        reverse("admin:blog_post_change", args=[post.pk]): "https://ada.example/blog/raft/",
        reverse("admin:projects_project_change", args=[project.pk]): "https://ada.example/projects/store/",
        reverse("admin:blog_category_change", args=[post.category.pk]): post.category.get_absolute_url(),
        reverse("admin:taggit_tag_change", args=[tag.pk]): "https://ada.example/tags/consensus/",
        # The profile is shown in full on the About page.
        reverse("admin:portfolio_siteprofile_change", args=[1]): "https://ada.example/about/",
    }
    for admin_url, public_url in pages.items():
        html = owner.get(admin_url).content.decode()
        assert f'href="{public_url if public_url.startswith("http") else "https://ada.example" + public_url}"' in html
        assert "example.com" not in html.replace("owner@example.com", "")


def test_the_lists_show_draft_scheduled_with_its_time_or_live(owner):
    make_post("Live one")
    make_post("Later one", published_at=timezone.now() + timedelta(days=3))
    make_draft("Draft one")
    make_project("Live project")
    make_project("Later project", published_at=timezone.now() + timedelta(days=3))
    posts = owner.get(reverse("admin:blog_post_changelist")).content.decode()
    projects = owner.get(reverse("admin:projects_project_changelist")).content.decode()
    for html in (posts, projects):
        assert 'class="state state-live">Live<' in html
        assert 'class="state state-scheduled">Scheduled</span> <small>for ' in html
    assert 'class="state state-draft">Draft<' in posts


@pytest.mark.parametrize(
    ("state", "titles"), [("live", {"Live one"}), ("scheduled", {"Later one"}), ("draft", {"Draft one"})]
)
def test_the_status_filter_tells_live_from_scheduled(owner, state, titles):
    make_post("Live one")
    make_post("Later one", published_at=timezone.now() + timedelta(days=3))
    make_draft("Draft one")
    response = owner.get(reverse("admin:blog_post_changelist"), {"state": state})
    assert {post.title for post in response.context["cl"].result_list} == titles


def test_each_tag_filter_lists_only_its_own_models_tags(owner):
    make_post(tags=["Hashtag"])
    make_project(tech=["Rust"])
    posts = owner.get(reverse("admin:blog_post_changelist")).content.decode()
    projects = owner.get(reverse("admin:projects_project_changelist")).content.decode()
    assert "Hashtag" in posts and "Rust" not in posts
    assert "Rust" in projects and "Hashtag" not in projects


@pytest.mark.parametrize(
    ("changelist", "factory", "model"),
    [
        ("admin:blog_post_changelist", make_draft, Post),
        ("admin:projects_project_changelist", lambda: make_project(status=Project.Status.DRAFT), Project),
    ],
)
def test_bulk_publish_and_unpublish_say_how_many_in_proper_plurals(owner, client, changelist, factory, model):
    one, two = factory(), factory()
    url = reverse(changelist)
    name = model._meta.verbose_name
    response = owner.post(url, {"action": "publish_now", "_selected_action": [one.pk]}, follow=True)
    assert f"Published 1 {name}." in response.content.decode()
    response = owner.post(url, {"action": "publish_now", "_selected_action": [one.pk, two.pk]}, follow=True)
    assert f"Published 1 {name}." in response.content.decode()  # the other one was already live
    assert model.objects.published().count() == 2
    response = owner.post(url, {"action": "unpublish", "_selected_action": [one.pk, two.pk]}, follow=True)
    assert f"Unpublished 2 {model._meta.verbose_name_plural}." in response.content.decode()
    assert model.objects.published().count() == 0


def test_publish_now_brings_a_scheduled_post_forward(owner):
    later = make_post("Later", published_at=timezone.now() + timedelta(days=3))
    owner.post(reverse("admin:blog_post_changelist"), {"action": "publish_now", "_selected_action": [later.pk]})
    later.refresh_from_db()
    assert later.is_live


def test_unpublishing_and_publishing_again_keeps_the_original_date(owner):
    post = make_post("Old favourite")
    original = post.published_at
    url = reverse("admin:blog_post_changelist")
    owner.post(url, {"action": "unpublish", "_selected_action": [post.pk]})
    owner.post(url, {"action": "publish_now", "_selected_action": [post.pk]})
    post.refresh_from_db()
    assert post.is_live and post.published_at == original

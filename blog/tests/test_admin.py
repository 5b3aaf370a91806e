import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from blog.tests.factories import make_category, make_draft, make_post, post_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("owner", "owner@example.com", "x"))
    return client


def test_the_owner_adds_a_post_and_it_is_rendered_tagged_and_live(admin_client):
    category = make_category()
    response = admin_client.post(reverse("admin:blog_post_add"), post_form_data(category))
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get(slug="written-in-the-admin")
    assert post.is_live
    assert '<div class="highlight">' in post.body_html
    assert len(post.toc) == 3
    assert [tag.name for tag in post.tags.all()] == ["AIInfrastructure", "Serverless"]


def test_the_owner_changes_a_post_and_a_live_slug_change_redirects(admin_client, client):
    post = make_post(slug="before", tags=["One"])
    data = post_form_data(post.category, slug="after", title="Renamed", tags="One")
    data.update(
        published_at_0=post.published_at.strftime("%Y-%m-%d"), published_at_1=post.published_at.strftime("%H:%M:%S")
    )
    response = admin_client.post(reverse("admin:blog_post_change", args=[post.pk]), data)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.slug == "after" and post.title == "Renamed"
    assert admin_client.get("/blog/before/").status_code == 301


def test_a_reserved_slug_is_refused_with_a_message(admin_client):
    response = admin_client.post(reverse("admin:blog_post_add"), post_form_data(make_category(), slug="archive"))
    assert response.status_code == 200
    assert "is used by another page under /blog/" in response.content.decode()


def test_the_change_list_shows_the_columns_and_filters(admin_client):
    make_post("Listed", tags=["Alpha", "Beta"])
    make_post("Another category")
    page = admin_client.get(reverse("admin:blog_post_changelist")).content.decode()
    for column in ("Title", "Status", "Category", "Reading time"):
        assert column in page
    for filter_title in ("By status", "By category", "By tags"):
        assert filter_title in page.replace("By Tags", "By tags")
    assert admin_client.get(reverse("admin:blog_post_changelist") + "?q=Listed").status_code == 200


def test_the_change_form_uses_the_markdown_editor_and_offers_a_preview_link(admin_client):
    post = make_draft()
    page = admin_client.get(reverse("admin:blog_post_change", args=[post.pk])).content.decode()
    assert "markdownx-editor" in page
    assert "/blog/preview/" in page and "Copy link" in page
    assert "View on site" in page


def test_publish_now_and_unpublish_actions(admin_client):
    draft = make_draft()
    scheduled = make_post(published_at="future")
    live = make_post()
    original_time = live.published_at
    url = reverse("admin:blog_post_changelist")
    admin_client.post(url, {"action": "publish_now", "_selected_action": [draft.pk, scheduled.pk, live.pk]})
    for post in (draft, scheduled, live):
        post.refresh_from_db()
        assert post.is_live
    assert live.published_at == original_time  # already live: its date stands
    assert scheduled.published_at <= timezone.now()

    admin_client.post(url, {"action": "unpublish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT


def test_category_and_series_admin_pages_work(admin_client):
    make_post()
    for name in ("category", "series"):
        assert admin_client.get(reverse(f"admin:blog_{name}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:blog_{name}_add")).status_code == 200
    autocomplete = reverse("admin:autocomplete") + "?app_label=blog&model_name=post&field_name=category&term=Cat"
    assert admin_client.get(autocomplete).status_code == 200


def test_a_body_too_slow_to_render_is_refused_with_a_message_and_not_saved(admin_client):
    category = make_category()
    response = admin_client.post(reverse("admin:blog_post_add"), post_form_data(category, body="[" * 20000))
    assert response.status_code == 200
    assert "too many unclosed or deeply nested square brackets" in response.content.decode()
    assert not Post.objects.filter(slug="written-in-the-admin").exists()


def test_a_body_over_the_size_limit_is_refused_with_its_length(admin_client):
    category = make_category()
    response = admin_client.post(reverse("admin:blog_post_add"), post_form_data(category, body="x" * 50001))
    assert response.status_code == 200
    assert "The text is 50,001 characters long; the limit is 50,000." in response.content.decode()
    assert not Post.objects.exists()

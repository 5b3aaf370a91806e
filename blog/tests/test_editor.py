"""The writing editor's server side: the status in words, the counting constants, the shared widget."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from blog import models
from blog.editor import publishing_state
from blog.models import Post
from blog.tests.factories import make_post

pytestmark = pytest.mark.django_db


def test_the_status_reads_draft_scheduled_or_live():
    assert publishing_state(None) == "Draft"
    assert publishing_state(make_post(status=Post.Status.DRAFT, published_at=None)) == "Draft"
    scheduled = make_post(published_at=timezone.now() + timedelta(days=2))
    local = timezone.localtime(scheduled.published_at)
    assert publishing_state(scheduled) == f"Scheduled for {local:%a} {local.day} {local:%b %Y, %H:%M} UTC"
    live = make_post()
    local = timezone.localtime(live.published_at)
    assert publishing_state(live) == f"Live since {local:%a} {local.day} {local:%b %Y, %H:%M} UTC"


def test_the_status_follows_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    post = make_post(published_at=timezone.now() + timedelta(days=1))
    local = post.published_at.astimezone(timezone.get_fixed_timezone(330))
    assert publishing_state(post).endswith(f"{local:%H:%M} IST")


def test_the_post_form_shows_the_status_in_words_and_labels_publish_at(admin_client):
    post = make_post(published_at=timezone.now() + timedelta(days=2))
    page = admin_client.get(reverse("admin:blog_post_change", args=[post.pk])).content.decode()
    assert "Scheduled for " in page and 'data-publishing-state data-time-zone="UTC"' in page
    assert ">Publish at:</label>" in page
    assert 'name="summary" cols="40" rows="3"' in page
    assert "nav-sidebar" not in page  # the editor gets the page's width
    assert 'class="markdownx"' in page and "js/admin-post.js" in page and "css/admin.css" in page


def test_posts_carry_the_reading_time_constants_from_python(admin_client):
    page = admin_client.get(reverse("admin:blog_post_add")).content.decode()
    start = page.index('data-reading-time="') + len('data-reading-time="')
    constants = json.loads(page[start : page.index('"', start)].replace("&quot;", '"'))
    assert constants == {
        "wordsPerMinute": models.WORDS_PER_MINUTE,
        "secondsPerCodeBlock": models.SECONDS_PER_CODE_BLOCK,
        "secondsPerCodeLine": models.SECONDS_PER_CODE_LINE,
        "secondsPerImage": models.SECONDS_PER_IMAGE,
    }
    # markdownx would grow the box with the text; the editor keeps its height so the preview can follow.
    assert 'data-markdownx-editor-resizable="False"' in page

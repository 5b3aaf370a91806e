from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.tests.factories import make_draft, make_post

pytestmark = pytest.mark.django_db


def test_the_tag_page_lists_live_posts_with_that_tag_newest_first(client):
    older = make_post("Older", tags=["Serverless"], published_at=timezone.now() - timedelta(days=2))
    newer = make_post("Newer", tags=["Serverless", "Other"], published_at=timezone.now() - timedelta(days=1))
    make_post("Untagged")
    make_draft("Draft", tags=["Serverless"])
    response = client.get(reverse("tag_detail", kwargs={"slug": "serverless"}))
    assert response.status_code == 200
    assert list(response.context["posts"]) == [newer, older]
    assert "<h1>#Serverless</h1>" in response.content.decode()


def test_a_tag_used_only_by_drafts_and_scheduled_posts_is_a_404_on_its_page_and_feed(client):
    make_draft(tags=["Lonely"])
    make_post(tags=["Secret"], published_at="future")
    for slug in ("lonely", "secret"):
        assert client.get(f"/tags/{slug}/").status_code == 404
        assert client.get(f"/feeds/tags/{slug}/").status_code == 404


def test_post_hashtags_link_to_their_tag_page(client):
    post = make_post(tags=["AIInfrastructure"])
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<a class="chip" href="/tags/aiinfrastructure/">#AIInfrastructure</a>' in page
    assert client.get("/tags/aiinfrastructure/").status_code == 200


def test_tag_pages_paginate(client):
    for _ in range(11):
        make_post(tags=["Many"])
    assert len(client.get("/tags/many/").context["posts"]) == 10
    assert len(client.get("/tags/many/?page=2").context["posts"]) == 1

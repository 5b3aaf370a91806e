"""On Postgres, search reads a stored, GIN-indexed vector that database triggers keep current."""

import pytest
from django.db import connection
from django.urls import reverse
from taggit.models import Tag

from blog.models import Post
from blog.tests.factories import make_post
from projects.models import Project
from projects.tests.factories import make_project

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the stored vector exists on Postgres only (SQLite: word match)"
    ),
]
SEARCH = reverse("search")


def found(client, query, key="posts"):
    return [item.title for item in client.get(SEARCH, {"q": query}).context[key]]


def test_a_saved_post_is_found_by_title_summary_tag_and_body(client):
    make_post("Consensus notes", summary="Leader election.", body="Logs and terms.", tags=["Kubernetes"])
    for word in ("consensus", "election", "kubernetes", "terms"):
        assert found(client, word) == ["Consensus notes"], word


def test_edits_of_every_kind_keep_the_vector_current(client):
    post = make_post("Old words", body="Nothing yet.")
    post.title = "Gossip protocols"
    post.save()
    assert found(client, "gossip") == ["Gossip protocols"]
    Post.objects.update(summary="Membership by epidemic spread.")  # a bulk update sends no signal
    assert found(client, "epidemic") == ["Gossip protocols"]
    post.tags.add("Serf")
    assert found(client, "serf") == ["Gossip protocols"]
    Tag.objects.filter(name="Serf").update(name="Memberlist")
    assert found(client, "memberlist") == ["Gossip protocols"]
    assert found(client, "serf") == []
    post.tags.clear()
    assert found(client, "memberlist") == []


def test_a_projects_tech_is_in_its_vector(client):
    make_project("Weather bot", summary="Forecasts.", tech=["Rust"])
    assert found(client, "rust", "projects") == ["Weather bot"]
    Project.objects.update(title="Climate bot")
    assert found(client, "climate", "projects") == ["Climate bot"]


def test_searches_use_the_gin_index():
    make_post("Indexed")
    table = Post._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows would otherwise be scanned
        cursor.execute(
            f"EXPLAIN SELECT id FROM {table} WHERE search_vector @@ websearch_to_tsquery('english', 'indexed')"
        )
        plan = "\n".join(row for (row,) in cursor.fetchall())
    assert f"{table}_search_vector_gin" in plan

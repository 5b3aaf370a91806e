"""On Postgres, search reads a stored, GIN-indexed vector that database triggers keep current."""

from datetime import timedelta

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from blog.models import Post
from blog.search import search_posts
from blog.tests.factories import make_category, make_post
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


def test_the_window_is_planned_for_each_search_never_prepared():
    # Repeated queries are prepared (portfolio/settings.py); the window's best plan depends on its words.
    if not connection.settings_dict["OPTIONS"].get("server_side_binding"):
        pytest.skip("DATABASE_URL turns preparing off (server_side_binding=false)")
    make_post("Replication notes", body="Replication and more replication.")
    for _ in range(8):
        found = search_posts("replication")
        assert [post.title for post in found.rows(found.ids)] == ["Replication notes"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any("blog_post" in statement for statement in prepared), "the rows' query repeats, so it is prepared"
    assert not [statement for statement in prepared if "ts_rank" in statement]
    assert connection.connection.prepare_threshold == 5, "the connection prepares again after the search"


def test_a_database_error_in_the_window_is_djangos_own():
    # The resilience layer (portfolio/resilience.py) answers Django's OperationalError with a 503.
    threshold = connection.connection.prepare_threshold if connection.connection else None
    params = connection.get_connection_params()
    server = {key: params[key] for key in ("dbname", "host", "port", "user", "password") if params.get(key)}
    with psycopg.connect(**server, options="-c lock_timeout=5s") as other:
        other.execute(f"LOCK TABLE {Post._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '50ms'")
        # In a savepoint, so the test's transaction outlives the error.
        with pytest.raises(OperationalError), transaction.atomic():
            search_posts("replication")
    assert connection.connection.prepare_threshold == threshold


@pytest.mark.parametrize("model", [Post, Project])
def test_the_vector_is_kept_in_the_row(model):
    # A search reads the vector of every candidate row: out of line, each read is a second lookup.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'search_vector'",
            [model._meta.db_table],
        )
        assert cursor.fetchone() == ("m",)


def test_a_common_word_is_ranked_within_the_newest_matches_read_through_an_index():
    # The planner's choice depends on the table's size: on a few rows a scan is cheapest whatever the
    # query. 3,000 posts with the word in a quarter of them (as the benchmark's word is) is about the
    # smallest archive where it picks the published index for the window, and still scans the whole
    # table for a query that ranks every match. Built in bulk (no rendering) in about a second.
    category, now = make_category(), timezone.now()
    text = "Notes on systems and databases, long enough to look like a post's text. " * 20
    Post.objects.bulk_create(
        Post(
            title=f"Post {number}",
            slug=f"post-{number}",
            category=category,
            summary="A post.",
            search_text=text + (" replication" if number % 4 == 0 else ""),
            status=Post.Status.PUBLISHED,
            published_at=now - timedelta(minutes=number),
        )
        for number in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Post._meta.db_table}")
    with CaptureQueriesContext(connection) as queries:
        found = search_posts("replication")
    assert found.has_more and len(found) == 200
    window_query = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {window_query}")
        plan = "\n".join(row for (row,) in cursor.fetchall())
    assert "Index Scan" in plan and "Seq Scan" not in plan, plan

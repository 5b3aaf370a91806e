"""On Postgres, a cold page's statements settle on plans Postgres reuses (portfolio/rows.py, portfolio/tags.py).

Here rather than beside the blog's query budgets: home shows projects, and the blog never imports them."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.related import rebuild_all as rebuild_related
from blog.tests.factories import make_category, make_many_posts, make_series
from blog.tests.test_query_counts import page_urls
from blog.views import newest_posts_part
from portfolio.rows import fetch_together
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


# On Postgres a statement is prepared after its fifth run on a connection (portfolio/settings.py); its
# next five runs are planned for their values, and from then on Postgres reuses one generic plan if that
# plan is about as cheap. A LIMIT or OFFSET sent as a parameter makes the generic plan assume a tenth of
# the table is wanted, so it never wins and every run is planned again: on the benchmark's 10,000 posts
# that planning was half the database's work for a list page. Enough runs here to see the choice.
RUNS_TO_SETTLE_A_PLAN = 5 + 5 + 2


def _plan_counts():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are Postgres's")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", ["home", "list", "category", "detail"])
def test_a_cold_pages_statements_are_planned_once_on_postgres(client, settings, page):
    settings.PAGE_CACHE_SECONDS = 0
    # A new connection: Postgres weighs a prepared statement's plans over all its runs on a connection,
    # and earlier tests ran the same statements on other data.
    connection.close()
    category = make_category(slug="systems-category")
    posts = make_many_posts(2000, category=category, tags=["Systems", "Agents"], series=make_series())
    for _ in range(6):  # a home page's featured projects: their tech is a few rows of the tags' table
        make_project(featured=True, tech=["Rust", "Go"])
    rebuild_related()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the statistics a production database has, so plans are chosen as there
    url = page_urls(posts, category)[page]
    if page == "list":
        url += "?page=2"  # a later page: an offset
    before = _plan_counts()
    for _ in range(RUNS_TO_SETTLE_A_PLAN):
        assert client.get(url).status_code == 200

    replanned = [
        statement
        for statement, (generic, custom) in _plan_counts().items()
        if generic == before.get(statement, (0, 0))[0] and custom - before.get(statement, (0, 0))[1] > 5
    ]
    assert replanned == []


def test_homes_newest_posts_are_read_through_the_live_posts_index():
    """The part of home's statement that picks the newest posts walks an index newest first and stops
    after three: it neither reads every post nor sorts them (both databases)."""
    make_many_posts(40, category=make_category(), tags=["Systems"])
    with CaptureQueriesContext(connection) as queries:
        fetch_together([newest_posts_part(3)])
    (statement,) = [query["sql"] for query in queries]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # 40 rows would otherwise be read whole
            cursor.execute("EXPLAIN " + statement)
            plan = [line for (line,) in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement)
            plan = cursor.fetchall()
    if connection.vendor == "postgresql":
        # Whichever live-posts index Postgres's statistics pick, read straight into the LIMIT: no Sort between.
        limit = next(number for number, line in enumerate(plan) if "Limit" in line)
        assert re.search(r"Index (Only )?Scan Backward using post_(status_)?published_id_idx", plan[limit + 1]), plan
        assert not any("Seq Scan" in line for line in plan), plan
    else:
        # The subquery that picks the ids (and whatever is nested in it): one index search, no sort.
        (picking,) = [row_id for row_id, _, _, detail in plan if "SUBQUERY" in detail]
        nested = {picking}
        for row_id, parent, _, _ in plan:
            if parent in nested:
                nested.add(row_id)
        details = [detail for row_id, _, _, detail in plan if row_id in nested - {picking}]
        assert details and all("SEARCH t USING COVERING INDEX post_status_published_id_idx" in d for d in details), plan

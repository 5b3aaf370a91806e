"""DATABASE_URL turns on psycopg's connection pool, which needs Django's own persistent connections off.

On Postgres, queries are prepared once they repeat on a connection, unless the URL says
`server_side_binding=false` (for PgBouncer in transaction mode without `max_prepared_statements`)."""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest

from portfolio.tests.services import ROOT, postgres_reachable, postgres_server_url

# The suite's Postgres server (TEST_POSTGRES_URL, DATABASE_URL, else the local one), with a database name to add.
POSTGRES = urlunsplit(urlsplit(postgres_server_url())._replace(path="/", query=""))
needs_postgres = pytest.mark.skipif(
    not postgres_reachable(), reason="needs a Postgres server (CI and these machines have one)"
)


def settings_for(database_url, code):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env |= {"DJANGO_DEBUG": "true", "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


DATABASE = "from django.conf import settings; import json; print(json.dumps(settings.DATABASES['default']))"


def test_pool_true_in_the_url_turns_the_pool_on_and_persistent_connections_off():
    database = settings_for(POSTGRES + "site?pool=true&sslmode=prefer&pool_min_size=1&pool_max_size=4", DATABASE)
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4}
    assert database["OPTIONS"]["sslmode"] == "prefer"
    assert database["CONN_MAX_AGE"] == 0


def test_without_pool_connections_persist_as_before():
    database = settings_for(POSTGRES + "site", DATABASE)
    assert "pool" not in database["OPTIONS"]
    assert database["CONN_MAX_AGE"] == 60


def test_postgres_binds_parameters_on_the_server_and_prepares_repeated_queries():
    options = settings_for(POSTGRES + "site", DATABASE)["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5


def test_server_side_binding_false_in_the_url_turns_preparing_off():
    options = settings_for(POSTGRES + "site?server_side_binding=false", DATABASE)["OPTIONS"]
    assert options["server_side_binding"] is False
    assert "prepare_threshold" not in options


def test_sqlite_gets_no_postgres_options():
    options = settings_for("sqlite:///db.sqlite3", DATABASE)["OPTIONS"]
    assert "server_side_binding" not in options and "prepare_threshold" not in options


@needs_postgres
def test_queries_run_through_the_pool_on_postgres():
    code = (
        "from django.db import connection; import json; connection.ensure_connection();"
        "print(json.dumps([connection.pool is not None, connection.pool.max_size]))"
    )
    assert settings_for(POSTGRES + "postgres?pool=true&pool_min_size=1&pool_max_size=2", code) == [True, 2]


# One query with a parameter, run six times on one connection: with the values bound on the server its
# text repeats, so psycopg prepares it on the sixth run (after five).
PREPARED_AFTER_REPEATS = (
    "from django.db import connection; import json\n"
    "with connection.cursor() as cursor:\n"
    "    for n in range(6): cursor.execute('SELECT %s::int + 40', [n])\n"
    "    cursor.execute(\"SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%+ 40'\")\n"
    "    print(json.dumps(cursor.fetchone()[0]))"
)


@needs_postgres
@pytest.mark.parametrize("options", ["", "?pool=true&pool_min_size=1&pool_max_size=1"])
def test_a_repeated_query_is_prepared_on_postgres(options):
    assert settings_for(POSTGRES + "postgres" + options, PREPARED_AFTER_REPEATS) == 1


@needs_postgres
def test_nothing_is_prepared_with_server_side_binding_off():
    assert settings_for(POSTGRES + "postgres?server_side_binding=false", PREPARED_AFTER_REPEATS) == 0


# Three requests on one connection: the second follows the first at once; before the third, the
# connection's server process is ended and the connection sits idle past the documented second.
# Prints what was checked.
HEALTH_CHECKS = """
import json
import time
from django.db import connection, connections

checks = []
usable = connection.is_usable
connection.is_usable = lambda: checks.append("SELECT 1") or usable()


def request():
    connection.close_if_unusable_or_obsolete()  # what Django does as each request starts
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


first, second = request(), request()
checks_in_steady_use = len(checks)
time.sleep(1.2)
with connections.create_connection("default").cursor() as other:
    other.execute("SELECT pg_terminate_backend(%s)", [first])
third = request()
print(json.dumps([checks_in_steady_use, len(checks), second == first, third != first]))
"""


@needs_postgres
def test_a_connection_in_steady_use_skips_the_health_check_and_an_idle_dead_one_is_replaced():
    checks_in_steady_use, checks, same_connection, replaced = settings_for(POSTGRES + "postgres", HEALTH_CHECKS)
    assert (checks_in_steady_use, same_connection) == (0, True)
    assert (checks, replaced) == (1, True)


def test_postgres_runs_on_the_backend_that_checks_idle_connections_only():
    database = settings_for(POSTGRES + "site", DATABASE)
    assert (database["ENGINE"], database["CONN_HEALTH_CHECKS"]) == ("portfolio.postgres", True)

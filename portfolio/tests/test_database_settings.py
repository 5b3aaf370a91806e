"""DATABASE_URL turns on psycopg's connection pool, which needs Django's own persistent connections off."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgres://postgres@127.0.0.1:5432/"


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


def _postgres_up():
    import psycopg

    try:
        psycopg.connect(POSTGRES + "postgres", connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


@pytest.mark.skipif(not _postgres_up(), reason="needs Postgres at 127.0.0.1:5432 (CI and these machines have it)")
def test_queries_run_through_the_pool_on_postgres():
    code = (
        "from django.db import connection; import json; connection.ensure_connection();"
        "print(json.dumps([connection.pool is not None, connection.pool.max_size]))"
    )
    assert settings_for(POSTGRES + "postgres?pool=true&pool_min_size=1&pool_max_size=2", code) == [True, 2]

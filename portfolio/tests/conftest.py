import pytest

from portfolio.tests.servers import manage


@pytest.fixture(scope="session")
def site_database(tmp_path_factory):
    """A migrated SQLite database with the demo content, for app servers of their own (portfolio/tests/servers.py)."""
    path = tmp_path_factory.mktemp("site") / "db.sqlite3"
    url = f"sqlite:///{path}"
    manage("migrate", "--noinput", "-v0", DATABASE_URL=url)
    manage("createcachetable", DATABASE_URL=url)
    manage("seed_demo", DATABASE_URL=url)
    return url

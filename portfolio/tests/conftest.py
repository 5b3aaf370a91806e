import pytest

from portfolio.tests.servers import OWNER_PASSWORD, manage


@pytest.fixture(scope="session")
def site_database(tmp_path_factory):
    """A migrated SQLite database with the demo content and an "owner" superuser, for app servers of their own."""
    path = tmp_path_factory.mktemp("site") / "db.sqlite3"
    url = f"sqlite:///{path}"
    manage("migrate", "--noinput", "-v0", DATABASE_URL=url)
    manage("createcachetable", DATABASE_URL=url)
    manage("seed_demo", DATABASE_URL=url)
    manage(
        "shell",
        "-c",
        f"from django.contrib.auth.models import User; User.objects.create_superuser('owner', '', '{OWNER_PASSWORD}')",
        DATABASE_URL=url,
    )
    return url

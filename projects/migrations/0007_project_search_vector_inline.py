from django.db import migrations

from portfolio.search import install_stored_vector


class Migration(migrations.Migration):
    """On Postgres, the stored search vector is kept in the row (SET STORAGE MAIN, see portfolio/search.py)."""

    dependencies = [("projects", "0006_project_cover_renditions")]

    operations = [
        migrations.RunPython(
            install_stored_vector("projects_project", "projects", "project"), migrations.RunPython.noop
        ),
    ]

from django.db import migrations

from portfolio.search import install_stored_vector


class Migration(migrations.Migration):
    """On Postgres, the stored search vector is kept in the row (SET STORAGE MAIN, see portfolio/search.py)."""

    dependencies = [("blog", "0012_post_published_index")]

    operations = [
        migrations.RunPython(install_stored_vector("blog_post", "blog", "post"), migrations.RunPython.noop),
    ]

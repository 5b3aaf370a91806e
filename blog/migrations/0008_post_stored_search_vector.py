from django.db import migrations

from portfolio.search import install_stored_vector


class Migration(migrations.Migration):
    """On Postgres, posts keep a stored search vector with a GIN index (see portfolio/search.py)."""

    dependencies = [
        ("blog", "0007_post_related_ranking_and_neighbour_index"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(install_stored_vector("blog_post", "blog", "post"), migrations.RunPython.noop),
    ]

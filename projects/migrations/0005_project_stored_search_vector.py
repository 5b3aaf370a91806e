from django.db import migrations

from portfolio.search import install_stored_vector


class Migration(migrations.Migration):
    """On Postgres, projects keep a stored search vector with a GIN index (see portfolio/search.py)."""

    dependencies = [
        ("projects", "0004_body_render_limits"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(
            install_stored_vector("projects_project", "projects", "project"), migrations.RunPython.noop
        ),
    ]

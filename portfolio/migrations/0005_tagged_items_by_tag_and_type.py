"""An index on taggit's tagged items by tag, then content type: a tag page finds the tag's projects among
its items without reading its posts' (a popular tag is on thousands of posts; SQLite read them all)."""

from django.db import migrations

INDEX = "taggeditem_tag_type_object_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0004_site_profile_identity_and_publications"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        # taggit's model is not ours to give Meta.indexes, so the index is written out; both databases take it.
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON taggit_taggeditem (tag_id, content_type_id, object_id)",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]

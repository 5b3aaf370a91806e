"""Merge tags that are one concept ("Distributed Systems", "#DistributedSystems"), and give every tag its key as slug."""

from collections import defaultdict

from django.db import migrations

from portfolio.tags import tag_key


def merge_twin_tags(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    groups = defaultdict(list)
    for tag in Tag.objects.order_by("pk"):
        groups[tag_key(tag.name)].append(tag)
    for tags in groups.values():
        keep, *twins = tags  # the first spelling the owner used stays
        for twin in twins:
            for item in TaggedItem.objects.filter(tag=twin):
                already = TaggedItem.objects.filter(
                    tag=keep, content_type_id=item.content_type_id, object_id=item.object_id
                ).exists()
                if already:
                    item.delete()
                else:
                    # The same row keeps its id, so the item keeps its place in the typed order.
                    TaggedItem.objects.filter(pk=item.pk).update(tag=keep)
            twin.delete()
    # Two passes, so no key collides with a slug that is about to change.
    for tag in Tag.objects.all():
        Tag.objects.filter(pk=tag.pk).update(slug=f"~{tag.pk}")
    for key, tags in groups.items():
        Tag.objects.filter(pk=tags[0].pk).update(slug=key)


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0002_content_version_row"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(merge_twin_tags, migrations.RunPython.noop)]

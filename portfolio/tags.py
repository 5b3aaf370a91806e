"""One tag per concept, in any script, shared by posts and projects.

`DistributedSystems`, `Distributed Systems`, `distributed-systems` and `#distributedsystems`
are one tag: its slug is the name's *key* (case-folded, with spaces, hyphens and underscores
dropped), and a name whose key already has a tag joins that tag. The tag keeps the spelling it
was first given, which the owner can change in the admin without changing its address.

Keys keep letters and digits of every script (`café`, `分布式`, `системы`); symbols that tell
technologies apart are spelled out (`C++` is `cplusplus`, `C#` is `csharp`), and emoji become
their Unicode names (`🚀` is `rocket`), so no name ever leaves a tag without an address.

Tags also keep the order they are typed in: a post's first tag is its primary hashtag.

A post and a project also keep their tags in their own row (`tag_list`, see "Each object's tags, kept
in its row" below), so a list reads its items and their tags in one statement.
Wired in through TAGGIT_TAGS_FROM_STRING, TAGGIT_STRING_FROM_TAGS and `TaggableManager(manager=...)`.
"""

import re
import unicodedata
from collections import defaultdict
from functools import cache
from operator import attrgetter

from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router
from django.db.models import QuerySet
from django.db.models.signals import pre_save
from taggit.managers import _TaggableManager
from taggit.models import Tag

from portfolio.markdown import CONTROL_CHARS
from portfolio.rows import from_db

# The shape of a tag slug (and of every slug in our URLs): word characters of any script and hyphens.
# Anything else cannot name a tag, so it is answered without a query (Postgres rejects NUL bytes).
TAG_SLUG = re.compile(r"[-\w]{1,100}")
MAX_KEY_LENGTH = 100
# Direction overrides would reverse the text around a chip, and hide what a name really says.
BIDI_OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SPELLED_OUT = {"+": "plus", "#": "sharp", "&": "and"}


def clean_name(name):
    """A typed tag name without control characters (Postgres refuses NUL), a leading # or excess length."""
    name = BIDI_OVERRIDES.sub("", CONTROL_CHARS.sub(" ", name))
    return " ".join(name.split()).lstrip("#").strip()[:MAX_KEY_LENGTH]


def tag_key(name):
    """The slug every spelling of a tag name shares: "Distributed Systems" -> "distributedsystems"."""
    name = unicodedata.normalize("NFKC", name).strip().lstrip("#")
    parts = []
    for char in name:
        if char.isalnum():
            parts.append(char.casefold())
        elif char in _SPELLED_OUT:
            parts.append(_SPELLED_OUT[char])
        elif unicodedata.category(char) == "So":  # emoji and other pictographs
            parts.append(re.sub(r"[^a-z0-9]", "", unicodedata.name(char, "").lower()))
    key = unicodedata.normalize("NFKC", "".join(parts))
    return key[:MAX_KEY_LENGTH] or "tag"


def parse_tags(text):
    """ "AIInfrastructure, Serverless" or "#AIInfrastructure #Serverless" -> ["AIInfrastructure", "Serverless"]."""
    text = (text or "").strip()
    parts = text.split(",") if "," in text else re.split(r"\s+", text)
    names, keys = [], set()
    for part in parts:
        name = clean_name(part)
        if name and tag_key(name) not in keys:
            names.append(name)
            keys.add(tag_key(name))
    return names


def tags_to_string(tags):
    return ", ".join(tag.name for tag in tags)


def tag_for_name(name):
    """The tag for a typed name: an existing one with the same key, or a new one spelled as given (None if blank)."""
    name = clean_name(name)
    if not name:
        return None
    tag, _ = Tag.objects.get_or_create(slug=tag_key(name), defaults={"name": _free_name(name)})
    return tag


def _free_name(name):
    # Names are unique too; a name already taken by a tag with another key (renamed by hand) gets a suffix.
    candidate, number = name, 1
    while Tag.objects.filter(name=candidate).exists():
        number += 1
        candidate = f"{name[: MAX_KEY_LENGTH - 4]} ({number})"
    return candidate


class PinnedTags(QuerySet):
    """The tags a list pinned on one object: the queryset its manager returns, its results already in.

    Reading them (iterating, truth, len, count) runs nothing. The SQL query behind them (this object's
    tags) is built only if something builds on it (filter, order_by…): building it for every object of a
    page cost a few percent of a cold home page and a search (bench/results.md).
    A queryset made from it (a clone) is an ordinary one.
    """

    def __init__(self, model=None, query=None, using=None, hints=None, *, pinned=None, tags=()):
        super().__init__(model, query if query is not None or pinned is None else _NOT_BUILT, using, hints)
        self._pinned = pinned  # (manager, content type, object's pk): what the query will be built from
        if pinned is not None:
            self._result_cache, self._prefetch_done = list(tags), True

    @property
    def query(self):
        if self._query is _NOT_BUILT:
            manager, content_type, pk = self._pinned
            built = manager._tags_of(content_type, pk)
            self._query, self._deferred_filter = built._query, built._deferred_filter
        return QuerySet.query.fget(self)

    @query.setter
    def query(self, value):
        QuerySet.query.fset(self, value)

    def __getstate__(self):
        # Pickled with its query built: the marker is this process's own.
        return {**super().__getstate__(), "_query": self.query, "_pinned": None}


_NOT_BUILT = object()


class NormalisedTagManager(_TaggableManager):
    """`post.tags.add("Distributed Systems")` finds the tag `DistributedSystems` rather than making a twin."""

    def _to_tag_model_instances(self, tags, tag_kwargs):
        resolved = [tag_for_name(tag) if isinstance(tag, str) else tag for tag in tags]
        return super()._to_tag_model_instances([tag for tag in resolved if tag is not None], tag_kwargs)

    def get_queryset(self, extra_filters=None):
        """The object's tags, as taggit's, with the filter built only if the queryset ever runs.

        Prefetching asks every object's manager for a queryset just to pin the prefetched tags on it.
        taggit builds its filter (two joins) each time, and each of distinct(), order_by() and filter()
        copies the query: for a list of ten posts, a tenth of its cold render. Here the one fresh query
        is set up in place, and its filter deferred, as Django's own related managers defer theirs.
        """
        prefetched = getattr(self.instance, "_prefetched_objects_cache", {})
        if extra_filters or self.prefetch_cache_name in prefetched:
            return super().get_queryset(extra_filters)
        content_type = ContentType.objects.get_for_model(self.model._meta.concrete_model)
        return self._tags_of(content_type, self.instance.pk)

    def _tags_of(self, content_type, pk):
        """The tags of the object with this content type and primary key, as a lazy queryset."""
        relation = self.through.tag_relname()
        tags = QuerySet(self.through.tag_model())
        tags.query.distinct = True
        # What add_ordering(*self.ordering) sets (taggit's Tag has no default order to turn off),
        # without checking the field names again on every object.
        tags.query.order_by = tuple(self.ordering)
        tags._deferred_filter = (False, (), {f"{relation}__content_type": content_type, f"{relation}__object_id": pk})
        return tags

    def prefetch(self, objects):
        """What prefetch_related_objects(objects, <this field>) leaves on each object, done more directly.

        Django's prefetching makes each object's manager and asks it for a queryset; here one manager
        makes them all, with the content type looked up once: a twentieth of a cold list page.
        """
        if not objects:
            return
        cache_name, tag_model = self.prefetch_cache_name, self.through.tag_model()
        by_object = defaultdict(list)
        if keeps_tag_list(type(objects[0])) and all(TAG_LIST in obj.__dict__ for obj in objects):
            # Each row brought its tags: no second statement.
            database = objects[0]._state.db
            for obj in objects:
                by_object[obj.pk] = [from_db(tag_model, database, TAG_LIST_COLUMNS, item) for item in obj.tag_list]
        else:
            tags, object_id_of, *_ = self.get_prefetch_querysets(objects)
            for tag in tags:
                by_object[object_id_of(tag)].append(tag)
        content_type = ContentType.objects.get_for_model(self.model._meta.concrete_model)
        for obj in objects:
            queryset = PinnedTags(tag_model, pinned=(self, content_type, obj.pk), tags=by_object[obj.pk])
            if not hasattr(obj, "_prefetched_objects_cache"):
                obj._prefetched_objects_cache = {}
            obj._prefetched_objects_cache[cache_name] = queryset

    def get_prefetch_querysets(self, instances, querysets=None):
        """The tags of many objects in one written query, in the order they were typed.

        taggit's prefetch joins `django_content_type` by app label and model name and adds a DISTINCT,
        and Django's ORM takes longer to build and compile it than the database takes to run it. Here
        the content type is an id and the query's text depends only on how many objects ask (ten on a
        list page), so Postgres prepares it once per connection. A list's ten posts' tags took 1.1 ms
        through taggit, 0.75 ms through the ORM without the join, 0.3 ms this way, on the benchmark's
        machine. taggit's unique constraint keeps an object from carrying a tag twice, so no row repeats.

        The content type is written into the text, not bound: the statement's one plan then knows whose
        tags it reads (a few projects' or thousands of posts'), so Postgres reuses it rather than
        planning every run again.
        """
        if querysets is not None:
            return super().get_prefetch_querysets(instances, querysets)
        tag_model = self.through.tag_model()
        item, tag = self.through._meta, tag_model._meta
        content_type = ContentType.objects.get_for_model(self.model._meta.concrete_model)
        # Sorted, so that the same objects ask with the same parameters, and the same count the same text.
        pks = sorted({obj.pk for obj in instances})
        database = self._db or router.db_for_read(type(instances[0]), instance=instances[0])
        connection = connections[database]
        quote = connection.ops.quote_name
        column = {name: quote(item.get_field(name).column) for name in ("tag", "content_type", "object_id")}
        placeholders = ", ".join(["%s"] * len(pks))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT tag.{quote(tag.pk.column)}, tag.{quote('name')}, tag.{quote('slug')},"
                f" item.{column['object_id']}"
                f" FROM {quote(item.db_table)} item JOIN {quote(tag.db_table)} tag"
                f" ON tag.{quote(tag.pk.column)} = item.{column['tag']}"
                f" WHERE item.{column['content_type']} = {int(content_type.pk)}"
                f" AND item.{column['object_id']} IN ({placeholders})"
                f" ORDER BY item.{quote(item.pk.column)}",
                pks,
            )
            rows = cursor.fetchall()
        tags = []
        for *values, object_id in rows:
            tagged = from_db(tag_model, database, [tag.pk.attname, "name", "slug"], values)
            tagged.tagged_object_id = object_id
            tags.append(tagged)
        return tags, attrgetter("tagged_object_id"), attrgetter("pk"), False, self.prefetch_cache_name, False

    def remove(self, *tags):
        # Removing "distributed systems" removes the tag spelled "DistributedSystems".
        keys = [tag_key(tag) for tag in tags if isinstance(tag, str)]
        names = [tag for tag in tags if isinstance(tag, str)]
        super().remove(*names, *Tag.objects.filter(slug__in=keys).values_list("name", flat=True))


# --- Each object's tags, kept in its row ------------------------------------------------------------
#
# A post and a project keep their tags in a `tag_list` column too: [[id, name, slug], …] in the order
# typed, what their TaggedItem rows say. A list then reads its items' tags from their own rows, one
# statement for a page instead of two: under load on Postgres, the tags' own statement cost a fifth of a
# cold home page and of a list page (bench/results.md). The database keeps the column, through triggers,
# so no write can leave it stale, whatever makes it (the ORM, update(), bulk_create, loaddata, raw SQL):
# - the row's own tag_list is computed afresh whenever it is written (an insert, or a save that writes
#   an instance's old list back), so only the tags decide it;
# - a TaggedItem inserted, deleted or changed, and a tag renamed, rewrite the rows they touch.

TAG_LIST = "tag_list"
TAG_LIST_COLUMNS = ["id", "name", "slug"]


def tag_list_field():
    return models.JSONField(
        editable=False, default=list, help_text="Its tags as [[id, name, slug], …], kept by triggers."
    )


@cache
def keeps_tag_list(model):
    return any(field.name == TAG_LIST for field in model._meta.concrete_fields)


def tag_list_statements(vendor, table, app_label, model_name):
    """The statements that give `table` (whose rows are `app_label.model_name`) a current tag list.

    Idempotent: a migration runs them to install the triggers and fill the column.
    """
    content_type = f"(SELECT id FROM django_content_type WHERE app_label = '{app_label}' AND model = '{model_name}')"
    items = f"taggit_taggeditem i JOIN taggit_tag t ON t.id = i.tag_id WHERE i.content_type_id = {content_type}"
    # Rewriting a row's list makes its own trigger read the tags again.
    touch = f"UPDATE {table} SET {TAG_LIST} = {TAG_LIST} WHERE id IN"
    renamed = (
        f"{touch} (SELECT object_id FROM taggit_taggeditem WHERE tag_id = NEW.id AND content_type_id = {content_type})"
    )
    if vendor == "postgresql":
        tags_of_row = (
            "coalesce((SELECT jsonb_agg(jsonb_build_array(t.id, t.name, t.slug) ORDER BY i.id)"
            f" FROM {items} AND i.object_id = NEW.id), '[]'::jsonb)"
        )
        statements = [
            f"""CREATE OR REPLACE FUNCTION {table}_tag_list() RETURNS trigger AS $$ BEGIN
                NEW.{TAG_LIST} := {tags_of_row}; RETURN NEW; END $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {table}_tag_list ON {table}",
            f"CREATE TRIGGER {table}_tag_list BEFORE INSERT OR UPDATE OF {TAG_LIST} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_tag_list()",
            f"""CREATE OR REPLACE FUNCTION {table}_tag_list_renamed() RETURNS trigger AS $$ BEGIN
                {renamed}; RETURN NULL; END $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {table}_tag_list_renamed ON taggit_tag",
            f"CREATE TRIGGER {table}_tag_list_renamed AFTER UPDATE OF name, slug ON taggit_tag "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_tag_list_renamed()",
        ]
        # Tagged items, once per statement (a bulk insert rewrites each row once). Postgres allows a
        # transition table on a trigger of one event only, and an update names both of its tables.
        for event, transitions, changed in (
            ("INSERT", "NEW TABLE AS new_items", "SELECT object_id, content_type_id FROM new_items"),
            ("DELETE", "OLD TABLE AS old_items", "SELECT object_id, content_type_id FROM old_items"),
            (
                "UPDATE",
                "NEW TABLE AS new_items OLD TABLE AS old_items",
                "SELECT object_id, content_type_id FROM new_items"
                " UNION SELECT object_id, content_type_id FROM old_items",
            ),
        ):
            name = f"{table}_tag_list_{event.lower()}"
            statements += [
                f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN
                    {touch} (SELECT object_id FROM ({changed}) AS changed WHERE content_type_id = {content_type});
                    RETURN NULL; END $$ LANGUAGE plpgsql""",
                f"DROP TRIGGER IF EXISTS {name} ON taggit_taggeditem",
                f"CREATE TRIGGER {name} AFTER {event} ON taggit_taggeditem "
                f"REFERENCING {transitions} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
    else:
        # SQLite: triggers run for each row, and cannot change the row being written, so the row's own
        # trigger writes it again (SQLite doesn't fire a trigger from its own statements). Before 3.44 an
        # aggregate takes no ORDER BY: it reads its rows in the order of the subquery it aggregates.
        tags_of_row = (
            "(SELECT json_group_array(json_array(id, name, slug)) FROM"
            f" (SELECT t.id, t.name, t.slug FROM {items} AND i.object_id = NEW.id ORDER BY i.id))"
        )
        own = f"UPDATE {table} SET {TAG_LIST} = {tags_of_row} WHERE id = NEW.id"
        ours_new, ours_old = (f"{row}.content_type_id = {content_type}" for row in ("NEW", "OLD"))
        triggers = {
            "": f"AFTER INSERT ON {table} BEGIN {own}; END",
            "_written": f"AFTER UPDATE OF {TAG_LIST} ON {table} BEGIN {own}; END",
            "_renamed": f"AFTER UPDATE OF name, slug ON taggit_tag BEGIN {renamed}; END",
            "_insert": f"AFTER INSERT ON taggit_taggeditem WHEN {ours_new} BEGIN {touch} (NEW.object_id); END",
            "_delete": f"AFTER DELETE ON taggit_taggeditem WHEN {ours_old} BEGIN {touch} (OLD.object_id); END",
            "_update": f"AFTER UPDATE ON taggit_taggeditem WHEN {ours_old} OR {ours_new}"
            f" BEGIN {touch} (OLD.object_id, NEW.object_id); END",
        }
        statements = []
        for suffix, body in triggers.items():
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_tag_list{suffix}",
                f"CREATE TRIGGER {table}_tag_list{suffix} {body}",
            ]
    # Fill every row's list: its own trigger reads its tags.
    return [*statements, f"UPDATE {table} SET {TAG_LIST} = {TAG_LIST}"]


TRIGGER_SUFFIXES = ("", "_written", "_renamed", "_insert", "_delete", "_update")


def install_tag_list(table, app_label, model_name):
    """RunPython's pair for an app's migration: install the triggers (filling every row's list), remove them."""

    def install(apps, schema_editor):
        for statement in tag_list_statements(schema_editor.connection.vendor, table, app_label, model_name):
            schema_editor.execute(statement)

    def remove(apps, schema_editor):
        postgres = schema_editor.connection.vendor == "postgresql"
        for suffix in TRIGGER_SUFFIXES:
            if postgres:  # the SQLite-only names are not functions there: IF EXISTS passes over them
                schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_tag_list{suffix}() CASCADE")
            else:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_tag_list{suffix}")

    return install, remove


def pinned_tags(obj, name):
    """obj's tags through its taggable manager `name`, read from what a list pinned on it when it did.

    A manager is made on every access to the field (taggit's descriptor): for the memo keys of a page's
    cards and items, that took a fortieth of a cold home page.
    """
    pinned = getattr(obj, "_prefetched_objects_cache", {}).get(name)
    return getattr(obj, name).all() if pinned is None else pinned


def _slug_is_the_key(sender, instance, **kwargs):
    # However a tag is saved (admin, shell, taggit itself), its address is its name's key.
    instance.slug = tag_key(instance.name)


pre_save.connect(_slug_is_the_key, sender=Tag, dispatch_uid="tag-slug-is-the-key")


class SlugConverter:
    """`<uslug:slug>`: a slug in any script, as `SlugField(allow_unicode=True)` and taggit make them."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value

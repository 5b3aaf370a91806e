"""Site search, shared by posts (blog/search.py) and projects (projects/search.py).

On Postgres it is full-text search: a weighted vector (title A; summary and tags B; body text C),
a `websearch` query (quotes, `or` and `-word` work as on search engines), ranked, with snippets
from `ts_headline`. The vector is stored in a `search_vector` column with a GIN index, which
exists on Postgres only (each app's migration adds it with `stored_vector_statements`). Database
triggers keep it current through every kind of write: a save, a bulk update, raw SQL, a tag added,
removed or renamed. A search then reads the index instead of parsing every row's text.

On SQLite it is a plain, correct fallback: every word must appear (case-insensitively, ASCII
only, as SQLite's LIKE goes) in the title, summary, tags or body text; title hits come first.
Its limit: it reads every published row's text on each search, so its cost grows with the archive
(about 50 ms at 2,000 posts, a few hundred at 10,000 on these machines). Sites that grow past a
few hundred posts should run on Postgres, as production does.

Both match and quote each row's `search_text`, the body as plain text stored on save, so
snippets never show Markdown syntax or HTML.
"""

import re
from dataclasses import dataclass, field
from functools import reduce
from operator import and_

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe
from taggit.models import Tag

from portfolio.markdown import CONTROL_CHARS

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 50
# More words than this add nothing but SQL; the fallback ignores the rest.
MAX_WORDS = 10
CONFIG = "english"
# Where a snippet's hits start and stop. Control characters, so no stored text or query can contain them.
START, STOP = "\x02", "\x03"
SNIPPET_CHARS = 220
SNIPPET_LEAD = 60
WORD = re.compile(r"\w+")


@dataclass
class Found:
    items: list = field(default_factory=list)
    # More than MAX_RESULTS matched; only the best MAX_RESULTS are in `items`.
    has_more: bool = False

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        return iter(self.items)


def clean_query(raw):
    """The query as searched: no control characters (Postgres refuses NUL), one line, at most 200 characters."""
    text = " ".join(CONTROL_CHARS.sub(" ", raw or "").split())
    return text[:MAX_QUERY_LENGTH].strip()


def search(queryset, query, *, snippets=True):
    """Rows of `queryset` (already published, with its own select/prefetch) that match `query`, best first.

    With `snippets`, each row gets `search_snippet`: safe HTML, the body text around the hits with each
    hit in <mark> and everything else escaped.
    """
    query = clean_query(query)
    if not query:
        return Found()
    # The row's tag names (posts' tags, projects' tech: one tag table), without joining rows into duplicates.
    tags = Tag.objects.filter(**{queryset.model._meta.model_name: OuterRef("pk")})
    if connection.vendor == "postgresql":
        rows, words = _full_text(queryset, query, tags, snippets), None
    else:
        words = WORD.findall(query)[:MAX_WORDS]
        rows = _word_match(queryset, words, tags, snippets)
    rows = list(rows[: MAX_RESULTS + 1])
    if snippets:
        for row in rows:
            marked = row.search_headline if words is None else _window(row.search_headline, words)
            row.search_snippet = highlight(marked)
    return Found(items=rows[:MAX_RESULTS], has_more=len(rows) > MAX_RESULTS)


def highlight(marked_text):
    """Text with hits between START and STOP, as safe HTML: all of it escaped, then the hits wrapped in <mark>."""
    return mark_safe(escape(marked_text).replace(START, "<mark>").replace(STOP, "</mark>"))


VECTOR_COLUMN = "search_vector"


def stored_vector_statements(table, app_label, model_name):
    """Postgres statements giving `table` a stored, GIN-indexed search vector that triggers keep current.

    The vector: title (A), summary and the row's tag names (B), search_text (C). It is recomputed when
    the row's title, summary or search text changes, when a tag is added to or removed from the row, and
    when one of its tags is renamed. Idempotent, so a migration can run it again.
    """
    content_type = f"(SELECT id FROM django_content_type WHERE app_label = '{app_label}' AND model = '{model_name}')"
    tags = (
        "(SELECT string_agg(t.name, ' ') FROM taggit_tag t JOIN taggit_taggeditem i ON i.tag_id = t.id "
        f"WHERE i.content_type_id = {content_type} AND i.object_id = NEW.id)"
    )
    return [
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {VECTOR_COLUMN} tsvector",
        f"""CREATE OR REPLACE FUNCTION {table}_search_vector() RETURNS trigger AS $$ BEGIN
            NEW.{VECTOR_COLUMN} :=
                setweight(to_tsvector('{CONFIG}', coalesce(NEW.title, '')), 'A')
                || setweight(to_tsvector('{CONFIG}', coalesce(NEW.summary, '') || ' ' || coalesce({tags}, '')), 'B')
                || setweight(to_tsvector('{CONFIG}', coalesce(NEW.search_text, '')), 'C');
            RETURN NEW; END $$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS {table}_search_vector ON {table}",
        f"CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE OF title, summary, search_text "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_search_vector()",
        # Tags added to or removed from rows: touching their titles recomputes their vectors, once per
        # statement, so a bulk insert of tagged items recomputes each row once.
        *_tagged_rows_triggers(table, content_type),
        # A tag renamed: every row carrying it.
        f"""CREATE OR REPLACE FUNCTION {table}_search_tag_names() RETURNS trigger AS $$ BEGIN
            UPDATE {table} SET title = title WHERE id IN (
                SELECT object_id FROM taggit_taggeditem WHERE tag_id = NEW.id AND content_type_id = {content_type});
            RETURN NULL; END $$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS {table}_search_tag_names ON taggit_tag",
        f"CREATE TRIGGER {table}_search_tag_names AFTER UPDATE OF name ON taggit_tag "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_search_tag_names()",
        f"UPDATE {table} SET title = title",
        f"CREATE INDEX IF NOT EXISTS {table}_search_vector_gin ON {table} USING gin ({VECTOR_COLUMN})",
    ]


def _tagged_rows_triggers(table, content_type):
    statements = []
    # Postgres allows a transition table on a trigger of one event only: one trigger per event.
    for event, transition in (("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "NEW")):
        name = f"{table}_search_tags_{event.lower()}"
        statements += [
            f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN
                UPDATE {table} SET title = title WHERE id IN (
                    SELECT object_id FROM changed_items WHERE content_type_id = {content_type});
                RETURN NULL; END $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {name} ON taggit_taggeditem",
            f"CREATE TRIGGER {name} AFTER {event} ON taggit_taggeditem "
            f"REFERENCING {transition} TABLE AS changed_items FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def install_stored_vector(table, app_label, model_name):
    """A RunPython function for an app's migration: the stored vector on Postgres; nothing elsewhere."""

    def install(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in stored_vector_statements(table, app_label, model_name):
                schema_editor.execute(statement)

    return install


def _full_text(queryset, query, tags, snippets):
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    vector = RawSQL(f"{table}.{VECTOR_COLUMN}", [], output_field=SearchVectorField())
    search_query = SearchQuery(query, search_type="websearch", config=CONFIG)
    rows = (
        queryset.annotate(search=vector)
        # Filter on the match itself: a rank above zero is not the same thing.
        .filter(search=search_query)
        .annotate(rank=SearchRank(F("search"), search_query))
        .order_by("-rank", *queryset.model._meta.ordering)
    )
    if snippets:
        rows = rows.annotate(
            search_headline=SearchHeadline(
                "search_text",
                search_query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
    return rows


def _word_match(queryset, words, tags, snippets):
    if not words:
        return queryset.none()
    for word in words:
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(search_text__icontains=word)
            | Exists(tags.filter(name__icontains=word))
        )
    in_title = reduce(and_, (Q(title__icontains=word) for word in words))
    rows = queryset.annotate(title_hit=Case(When(in_title, then=Value(1)), default=Value(0))).order_by(
        "-title_hit", *queryset.model._meta.ordering
    )
    if snippets:
        # An annotation, so it is loaded even where the queryset defers search_text.
        rows = rows.annotate(search_headline=F("search_text"))
    return rows


def _window(text, words):
    """About SNIPPET_CHARS of `text` around the first hit of any word, with every hit between START and STOP."""
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - SNIPPET_LEAD) if first else 0
    if start:
        # Begin at a word, not inside one.
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < (first.start() if first else start) else start
    end = start + SNIPPET_CHARS
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    window = pattern.sub(lambda hit: START + hit[0] + STOP, text[start:end])
    return ("… " if start else "") + window + (" …" if end < len(text) else "")

"""Site search, shared by posts (blog/search.py) and projects (projects/search.py).

On Postgres it is full-text search: a weighted vector (title A; summary and tags B; body text C),
a `websearch` query (quotes, `or` and `-word` work as on search engines), ranked by `ts_rank`. The
vector is stored in a `search_vector` column with a GIN index, which exists on Postgres only (each
app's migration adds it with `stored_vector_statements`). Database triggers keep it current through
every kind of write: a save, a bulk update, raw SQL, a tag added, removed or renamed. A search then
reads the index instead of parsing every row's text.

On SQLite it is a plain, correct fallback: every word must appear (case-insensitively, ASCII
only, as SQLite's LIKE goes) in the title, summary, tags or body text, and no `-word` may; title hits
come first. Its limit: it reads every published row's text on each search, so its cost grows with the
archive (about 50 ms at 2,000 posts, a few hundred at 10,000 on these machines). Sites that grow past a
few hundred posts should run on Postgres, as production does.

Both rank only a window: the first WINDOW matches in the model's ordering (for posts, the newest 200).
A common word on a large archive matches thousands of posts; ranking them all read every stored vector
(about 100 ms at 10,000 posts), the newest 200 come through the published index in 1-1.5 ms. One query
returns the window's ids, best first; the view pages them, and rows_together() fetches the page's rows
by id, of every model searched, in one written statement (portfolio/rows.py), as each model's `Source`
says. On Postgres the window is a written statement too, and it also returns the query's parsed form,
which the snippets mark.

Snippets are cut in Python from each shown row's `search_text` (the body as plain text stored on save, so
never Markdown or HTML), only for the page shown: `ts_headline` parsed each row's whole text in SQL. The
marked words are the ones that made the row match: on Postgres those starting with one of the query's
lexemes, except negated ones; on SQLite the query's words as typed.
"""

import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce
from operator import and_

from django.db import connection
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe
from taggit.models import Tag

from portfolio.markdown import CONTROL_CHARS
from portfolio.publishing import published_where
from portfolio.rows import Part, Rows, fetch_together, ordered_as, ordering

MAX_QUERY_LENGTH = 200
# How many matches a search ranks: the first in the model's ordering (for posts, the newest). A common
# word matches thousands of posts; ranking them all costs a scan of every vector, this many cost 1-1.5 ms.
WINDOW = 200
# More words than this add nothing but SQL; the fallback ignores the rest.
MAX_WORDS = 10
CONFIG = "english"
# Where a snippet's hits start and stop. Control characters, so no stored text or query can contain them.
START, STOP = "\x02", "\x03"
SNIPPET_CHARS = 220
SNIPPET_LEAD = 60
WORD = re.compile(r"\w+")
# A lexeme in Postgres's text form of a tsquery ('it''s'), a negation, or a group's bracket.
TSQUERY_TOKEN = re.compile(r"'((?:[^']|'')*)'|!|\(|\)")


@dataclass(frozen=True)
class Source:
    """What a search reads of one model: its rows as `rows` (portfolio/rows.py) loads them, with
    `search_text` when they show snippets, and `pin(rows)` run on the rows shown (their tags, say)."""

    rows: Rows
    pin: Callable
    snippets: bool = True


@dataclass
class Found:
    """What a search found: the ids of its window of matches, best first, and where their rows come from."""

    source: Source | None = None
    query: str = ""
    ids: list = field(default_factory=list)
    # More than `window` matched: `ids` ranks only the first `window` of them.
    has_more: bool = False
    window: int = 0
    # Postgres: the query as a tsquery's text, which says the words the snippets mark.
    tsquery: str = ""

    def __len__(self):
        return len(self.ids)

    def rows(self, ids):
        """The rows with these ids (say, a page of `self.ids`): see rows_together()."""
        (rows,) = rows_together([(self, ids)])
        return rows


def rows_together(pages):
    """For each (found, ids) of `pages`, the published rows with those ids in that order (leaving out
    any unpublished since the search), from one statement for them all (portfolio.rows.fetch_together).

    Where the source shows snippets, each row gets `search_snippet`: safe HTML, the body text around the
    first hit with each hit in <mark> and everything else escaped. Only the rows shown pay for it.
    """
    asked = [(found, ids) for found, ids in pages if found.source and ids]
    published, values = published_where()
    parts = [
        Part(found.source.rows, *found.source.rows.pks_tail(ids, published, values), pin=found.source.pin)
        for found, ids in asked
    ]
    fetched = iter(fetch_together(parts) if parts else [])
    results = []
    for found, ids in pages:
        rows = ordered_as(ids, next(fetched)) if found.source and ids else []
        if rows and found.source.snippets:
            hits = _hit_pattern(found.query, found.tsquery)
            for row in rows:
                row.search_snippet = highlight(_window(row.search_text, hits))
        results.append(rows)
    return results


def clean_query(raw):
    """The query as searched: no control characters (Postgres refuses NUL), one line, at most 200 characters."""
    text = " ".join(CONTROL_CHARS.sub(" ", raw or "").split())
    return text[:MAX_QUERY_LENGTH].strip()


def search(source, query):
    """The published rows of `source`'s model matching `query`: a window of the first WINDOW matches in
    the model's ordering, best first (Postgres: ts_rank; SQLite: title hits), ties in the model's ordering.
    Their rows are fetched for the page shown: `Found.rows`, or rows_together() for several searches.
    """
    model = source.rows.model
    query = clean_query(query)
    if not query:
        return Found()
    # One more than the window, to know whether more match.
    if connection.vendor == "postgresql":
        candidates, tsquery = _full_text(model, query, WINDOW + 1)
    else:
        candidates, tsquery = _word_match(model, query, WINDOW + 1), ""
    # A stable sort: equal scores keep the model's ordering.
    ranked = sorted(candidates[:WINDOW], key=lambda row: row[1], reverse=True)
    return Found(
        source,
        query,
        ids=[pk for pk, _ in ranked],
        has_more=len(candidates) > WINDOW,
        window=WINDOW,
        tsquery=tsquery,
    )


@contextmanager
def _planned_for_these_words():
    """On Postgres, the window query is planned for its own words, never run as a prepared statement.

    Queries that repeat are prepared (portfolio/settings.py), and Postgres may then settle on one generic
    plan for every search: it read the GIN index and sorted all 2,500 matches of the benchmark's word,
    6.4 ms, where the plan for that word walks the newest posts, 1.0 ms. A rare word gets the GIN plan.
    """
    connection.ensure_connection()
    # psycopg neither prepares nor counts a query while its connection's threshold is None.
    psycopg_connection = connection.connection
    threshold = psycopg_connection.prepare_threshold
    psycopg_connection.prepare_threshold = None
    try:
        yield
    finally:
        psycopg_connection.prepare_threshold = threshold


def highlight(marked_text):
    """Text with hits between START and STOP, as safe HTML: all of it escaped, then the hits wrapped in <mark>."""
    return mark_safe(escape(marked_text).replace(START, "<mark>").replace(STOP, "</mark>"))


VECTOR_COLUMN = "search_vector"


def stored_vector_statements(table, app_label, model_name):
    """Postgres statements giving `table` a stored, GIN-indexed search vector that triggers keep current.

    The vector: title (A), summary and the row's tag names (B), search_text (C). It is recomputed when
    the row's title, summary or search text changes, when a tag is added to or removed from the row, and
    when one of its tags is renamed. Idempotent, so a migration can run it again to bring a table up to
    date (it rewrites every row's vector).
    """
    content_type = f"(SELECT id FROM django_content_type WHERE app_label = '{app_label}' AND model = '{model_name}')"
    tags = (
        "(SELECT string_agg(t.name, ' ') FROM taggit_tag t JOIN taggit_taggeditem i ON i.tag_id = t.id "
        f"WHERE i.content_type_id = {content_type} AND i.object_id = NEW.id)"
    )
    return [
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {VECTOR_COLUMN} tsvector",
        # Kept in the row, the longer text columns moved out instead: a search reads the vector of each
        # candidate row, and fetching it out of line tripled the window's reads (3,848 buffers, 2.9 ms,
        # against 798 and 1.0-1.3 ms, 10,000 posts). Applies to values written from now: the UPDATE below
        # rewrites every row.
        f"ALTER TABLE {table} ALTER COLUMN {VECTOR_COLUMN} SET STORAGE MAIN",
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


def _full_text(model, query, limit):
    """(id, rank) of the first `limit` matches in the model's ordering, and the query as a tsquery's text.

    A written statement: built by the ORM, this query cost more to compile than Postgres took to run it.
    A common word's matches are read newest first through the published index and only these are
    ranked; a rarer word's come from the GIN index, few.
    """
    meta = model._meta
    published, values = published_where()
    # Bound values, not a literal: Postgres plans an unprepared statement for its values, and folds this
    # call to one constant, so the ::text column costs nothing per row.
    tsquery = "websearch_to_tsquery(%s::regconfig, %s)"
    sql = (
        f"SELECT t.id, ts_rank(t.{VECTOR_COLUMN}, {tsquery}), {tsquery}::text "
        f"FROM {connection.ops.quote_name(meta.db_table)} t "
        f"WHERE {published} AND t.{VECTOR_COLUMN} @@ {tsquery} ORDER BY {ordering(model)} LIMIT %s"
    )
    with _planned_for_these_words(), connection.cursor() as cursor:
        cursor.execute(sql, [CONFIG, query, CONFIG, query, *values, CONFIG, query, limit])
        rows = cursor.fetchall()
    return [(pk, rank) for pk, rank, _ in rows], rows[0][2] if rows else ""


def _word_match(model, query, limit):
    """(id, score) of the first `limit` matches in the model's ordering: every word found, none after a
    minus; a row with every word in its title scores 1, others 0."""
    wanted, unwanted = _words(query)
    if not wanted and not unwanted:
        return []
    queryset = model.objects.published()
    # The row's tag names (posts' tags, projects' tech: one tag table), without joining rows into duplicates.
    tags = Tag.objects.filter(**{model._meta.model_name: OuterRef("pk")})

    def found(word):
        return (
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(search_text__icontains=word)
            | Exists(tags.filter(name__icontains=word))
        )

    for word in wanted:
        queryset = queryset.filter(found(word))
    for word in unwanted:
        queryset = queryset.exclude(found(word))
    score = Value(0)
    if wanted:
        in_title = reduce(and_, (Q(title__icontains=word) for word in wanted))
        score = Case(When(in_title, then=Value(1)), default=Value(0))
    return list(queryset.annotate(score=score).order_by(*model._meta.ordering).values_list("pk", "score")[:limit])


def _words(query):
    """The fallback's words: those every match must contain, and those after a minus, which none may."""
    wanted, unwanted = [], []
    for token in query.split():
        (unwanted if token.startswith("-") else wanted).extend(WORD.findall(token))
    return wanted[:MAX_WORDS], unwanted[:MAX_WORDS]


def _hit_pattern(query, tsquery):
    """What a snippet marks, or None: the words that made the row match, as each database matches them.

    Postgres matches stems, so it marks each word that starts with one of the query's lexemes (English
    stems are mostly prefixes: replication -> replic, caching -> cach), and takes a stem ending in "i" as
    the stemmer's y -> i (studi: study, studies). SQLite matches the words anywhere, so it marks them there.
    """
    if connection.vendor == "postgresql":
        stems = [_stem_pattern(lexeme) for lexeme in _wanted_lexemes(tsquery)]
        return re.compile(rf"(?<!\w)(?:{'|'.join(stems)})", re.IGNORECASE) if stems else None
    wanted, _ = _words(query)
    words = sorted(wanted, key=len, reverse=True)
    return re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE) if words else None


def _stem_pattern(lexeme):
    """The words a lexeme stands for: those it begins. A stem of one or two letters (the "o" of O'Neil)
    begins too many words, so it marks only itself."""
    if len(lexeme) < 3:
        return re.escape(lexeme) + r"(?!\w)"
    stem = re.escape(lexeme)
    return (stem[:-1] + "[iy]" if stem.endswith("i") else stem) + r"\w*"


def _wanted_lexemes(tsquery):
    """The lexemes of a tsquery's text form that a match contains: all but the negated (!'raft', !( ... ))."""
    lexemes, depth, negate_next, negated_depth = [], 0, False, None
    for token in TSQUERY_TOKEN.finditer(tsquery):
        if token[0] == "!":
            negate_next = True
            continue
        if token[0] == "(":
            depth += 1
            if negate_next and negated_depth is None:
                negated_depth = depth
        elif token[0] == ")":
            if negated_depth == depth:
                negated_depth = None
            depth -= 1
        elif not negate_next and negated_depth is None:
            lexemes.append(token[1].replace("''", "'"))
        negate_next = False
    return lexemes


def _window(text, hits):
    """About SNIPPET_CHARS of `text` around the first hit, with every hit between START and STOP.

    No hit (the row matched by its title or tags, or `hits` is None): the text's beginning, unmarked.
    """
    first = hits.search(text) if hits else None
    start = max(0, first.start() - SNIPPET_LEAD) if first else 0
    if start:
        # Begin at a word, not inside one.
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first.start() else start
    end = start + SNIPPET_CHARS
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    window = text[start:end]
    if hits:
        window = hits.sub(lambda hit: START + hit[0] + STOP, window)
    return ("… " if start else "") + window + (" …" if end < len(text) else "")

"""Model instances with their foreign keys, from one written statement whose text is built once.

Django's ORM builds and compiles a query's SQL on every run. For the few fixed-shape queries of a cold
public page (a post by its slug, a page of a list) that took longer than the database took to answer
them: a post page's one `select_related` query spent 0.5 ms being compiled and 0.25 ms running. Here a
shape's SELECT list and joins are built from the models' own fields the first time it runs, on each
database, and every later run only binds its values. Values are converted from the database as the ORM
converts them, and the instances are the ones the ORM would make: fields left out are deferred, and
each joined foreign key is cached on its instance (None when a nullable one is empty).

The WHERE, ORDER BY and LIMIT that follow are written by the caller, with the main table as `t`. Write a
LIMIT or OFFSET the code chooses (a page's size and start) as literal integers: bound as parameters, they
keep Postgres from reusing one plan for the prepared statement, and it plans every run again.
"""

from collections.abc import Callable
from datetime import datetime
from functools import cache
from inspect import getattr_static
from typing import NamedTuple

from django.db import connection, connections
from django.db.models import signals
from django.db.models.base import Model, ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute


class Rows:
    """`Rows(Post, related=("category",), defer=("body",)).fetch("WHERE t.slug = %s", [slug])`.

    `only=` names the fields to load instead (the primary key always is), as QuerySet.only() does.
    """

    def __init__(self, model, *, related=(), defer=(), only=None):
        self.model, self.related = model, tuple(related)
        if only is not None:
            only = {*only, model._meta.pk.name}
            defer = [f.name for f in model._meta.concrete_fields if f.name not in only and f.attname not in only]
        self.defer = frozenset(defer)
        self._shapes = {}  # database alias -> Shape

    def fetch(self, tail, params=(), *, using="default"):
        connection = connections[using]
        shape = self._shape(connection)
        rows = _run(connection, f"SELECT {shape.columns} FROM {shape.source} {tail}", params)
        return self._instances(rows, connection)

    def in_order(self, pks, where="", values=()):
        """The instances with these primary keys, in the order given, leaving out those missing or not
        meeting `where` (SQL over `t`, with its `values`)."""
        return ordered_as(pks, self.fetch(*self.pks_tail(pks, where, values))) if pks else []

    def pks_tail(self, pks, where="", values=()):
        """(the tail finding the rows with these primary keys that meet `where`, its values): for fetch()
        or a part of fetch_together(); ordered_as() puts the instances in the keys' order."""
        condition = f"{where} AND " if where else ""
        column = self.model._meta.pk.column
        return f"WHERE {condition}t.{column} IN ({', '.join(['%s'] * len(pks))})", [*values, *pks]

    def _shape(self, connection):
        """This shape's statement parts on this database, built on first use."""
        if connection.alias not in self._shapes:
            self._shapes[connection.alias] = self._build(connection)
        return self._shapes[connection.alias]

    def _instances(self, rows, connection):
        """The instances (with their joined foreign keys cached) from rows of this shape's columns."""
        using, shape = connection.alias, self._shape(connection)
        tables, converters = shape.tables, shape.converters
        objects = []
        for row in rows:
            values = list(row)
            for index, column, functions in converters:
                for function in functions:
                    values[index] = function(values[index], column, connection)
            names = tables[0][1]
            obj = from_db(self.model, using, names, values[: len(names)])
            start = len(names)
            for model, names, field in tables[1:]:
                related = values[start : start + len(names)]
                start += len(names)
                field.set_cached_value(obj, None if related[0] is None else from_db(model, using, names, related))
            objects.append(obj)
        return objects

    def _build(self, connection):
        quote = connection.ops.quote_name
        meta = self.model._meta
        fields = [f for f in meta.concrete_fields if f.name not in self.defer and f.attname not in self.defer]
        selected = [(self.model, fields, "t", None)]
        joins = []
        for number, name in enumerate(self.related):
            field = meta.get_field(name)
            alias, target = f"r{number}", field.related_model._meta
            join = "LEFT JOIN" if field.null else "JOIN"
            on = f"{alias}.{quote(target.pk.column)} = t.{quote(field.column)}"
            joins.append(f"{join} {quote(target.db_table)} {alias} ON {on}")
            # The primary key first: an empty nullable foreign key is a row of NULLs, told by its first column.
            related_fields = [target.pk, *(f for f in target.concrete_fields if f is not target.pk)]
            selected.append((field.related_model, related_fields, alias, field))
        every = [f for _, fields, _, _ in selected for f in fields]
        columns = ", ".join(f"{alias}.{quote(f.column)}" for _, fields, alias, _ in selected for f in fields)
        nulls = ", ".join(f"CAST(NULL AS {f.cast_db_type(connection)})" for f in every)
        source = f"{quote(meta.db_table)} t {' '.join(joins)}"
        tables = [(model, [f.attname for f in fields], field) for model, fields, _, field in selected]
        return Shape(columns, nulls, source, len(every), tables, _converters(every, connection))


class Shape(NamedTuple):
    """A Rows' statement parts on one database."""

    columns: str  # the SELECT list
    nulls: str  # the same columns as NULLs of their types (portfolio.rows.fetch_together)
    source: str  # FROM the table `t` with its joins
    width: int  # how many columns
    tables: list  # (model, attnames, foreign key or None) of the table and each join, in column order
    converters: list  # (index, column, functions) for the columns the ORM would convert


class Part(NamedTuple):
    """One part of fetch_together(): the rows of `rows`' shape that `tail` (a WHERE over `t`, with its
    `params`) finds, in the `order` given (an ORDER BY list over `t`; by default, any order), with
    `pin(instances)` run on them when there are any (their tags, say)."""

    rows: Rows
    tail: str
    params: list
    order: str = ""
    pin: Callable | None = None


def fetch_together(parts, *, prefix="", prefix_params=(), using="default"):
    """Rows of several shapes from one statement: `parts` is [Part(…), …], and the result is one list of
    instances for each part, in the same order.

    One round trip, not one per shape: a statement cost Postgres and psycopg about 0.13 ms however
    little it read (0.09 ms of it in Python). The parts are the branches of a UNION ALL. Each part's
    columns sit in positions of their own, NULL in every other part's, so no column has to take another
    part's type, and a first column numbers the part. The NULLs are cast to their columns' types: Postgres
    types a UNION's columns a branch at a time, and takes a column NULL in the first two branches as text.
    A part's `order` numbers its rows (ROW_NUMBER) in a second column, which orders the whole result.
    `prefix` (a WITH clause, with `prefix_params`) comes before the first branch, and every tail may read
    what it defines. A tail can't have its own ORDER BY or LIMIT: to take a part's first few rows, pick
    their ids in a subquery (`WHERE t.id IN (SELECT … ORDER BY … LIMIT 3)`).
    """
    connection = connections[using]
    shapes = [part.rows._shape(connection) for part in parts]
    widths = [shape.width for shape in shapes]
    branches, params = [], list(prefix_params)
    for number, (part, own) in enumerate(zip(parts, shapes, strict=True)):
        padded = ", ".join(own.columns if other == number else shape.nulls for other, shape in enumerate(shapes))
        rank = f"ROW_NUMBER() OVER (ORDER BY {part.order})" if part.order else "0"
        branches.append(f"SELECT {number}, {rank}, {padded} FROM {own.source} {part.tail}")
        params += part.params
    ordered = " ORDER BY 1, 2" if any(part.order for part in parts) else ""
    rows_by_part = [[] for _ in parts]
    for row in _run(connection, f"{prefix} {' UNION ALL '.join(branches)}{ordered}", params):
        number = row[0]
        start = 2 + sum(widths[:number])
        rows_by_part[number].append(row[start : start + widths[number]])
    fetched = []
    for part, part_rows in zip(parts, rows_by_part, strict=True):
        instances = part.rows._instances(part_rows, connection)
        if part.pin and instances:
            part.pin(instances)
        fetched.append(instances)
    return fetched


def ordered_as(pks, instances):
    """The instances in the order of `pks`, leaving out keys with none."""
    by_pk = {obj.pk: obj for obj in instances}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def _run(connection, sql, params):
    params = [connection.ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else v for v in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def ordering(model):
    """The model's Meta.ordering (field names, "-" for descending) as an ORDER BY list over the table `t`,
    so a written statement orders its rows as the model's querysets do."""
    quote, meta = connection.ops.quote_name, model._meta
    return ", ".join(
        f"t.{quote(meta.get_field(name.lstrip('-')).column)}{' DESC' if name.startswith('-') else ''}"
        for name in meta.ordering
    )


def _converters(fields, connection):
    """(index, column, functions) for each column the ORM would convert: the backend's functions, then the field's."""
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            converters.append((index, column, functions))
    return converters


def from_db(model, using, names, values):
    """model.from_db(using, names, values), without Model.__init__'s general path where it does nothing more
    (a model with its own __init__ or from_db goes through them).

    __init__ matches each value to its field and sets it through the field's descriptor; about a
    twentieth of a cold list page went to it (its 60 posts, categories and tags). Where every descriptor
    only stores the value and no signal listens, the values go straight into the instance, which is the
    same instance from_db would make.
    """
    if not _plain(model):
        return model.from_db(using, names, values)
    obj = model.__new__(model)
    obj.__dict__.update(zip(names, values, strict=True))
    state = obj._state = ModelState()
    state.adding, state.db = False, using
    return obj


# On a new instance, each of these only stores the value in the instance's __dict__ under the field's
# attname (the file descriptors' extra work, such as image dimensions, needs a previous value).
_PLAIN_DESCRIPTORS = {DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor, ImageFileDescriptor}


def _plain(model):
    # Most sites connect no init signal at all: then asking about each sender (a twentieth of a list's
    # fetch, once per instance) is skipped.
    listened = (signals.pre_init.receivers or signals.post_init.receivers) and (
        signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
    )
    return _plain_fields(model) and not listened


@cache
def _plain_fields(model):
    own_code = model.from_db.__func__ is not Model.from_db.__func__ or model.__init__ is not Model.__init__
    return not own_code and all(
        type(getattr_static(model, field.attname)) in _PLAIN_DESCRIPTORS for field in model._meta.concrete_fields
    )

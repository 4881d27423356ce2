"""Where planned rows go: the fastest bulk path each database offers.

- PostgreSQL: `COPY … FROM STDIN` through psycopg 3's `cursor.copy()`, the server's
  own bulk loader (no SQL statement per row or per batch to parse and plan).
- SQLite (and anything else): one `executemany` per table, which SQLite runs as a
  single prepared statement in C.

Primary keys are reserved before writing (a sequence on PostgreSQL, the table's
high-water mark on SQLite), so a parent's id is known when its children are built
and nothing is read back. Django declares foreign keys DEFERRABLE INITIALLY DEFERRED
on both databases, so they are all checked at commit, whatever the order of tables.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import ModelState

Convert = Callable[[Any], Any]
M = TypeVar("M", bound=models.Model)


def _json(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else json.dumps(value)


def _utc_naive(value: dt.datetime | None) -> dt.datetime | None:
    # What Django itself stores on SQLite with USE_TZ: naive UTC.
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


class Sink:
    """Writes rows given as tuples in `columns` order (attnames of the model's fields)."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self._converters: dict[tuple[type, tuple[str, ...]], list[tuple[int, Convert]]] = {}
        self._high_water: dict[str, int] = {}

    # -- primary keys --------------------------------------------------------------------

    def reserve(self, model: type[models.Model], n: int) -> list[int]:
        """`n` fresh primary keys for `model`, in increasing order."""
        if n <= 0:
            return []
        table = model._meta.db_table
        if table not in self._high_water:
            quoted = self.connection.ops.quote_name(table)
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX(id) FROM {quoted}")  # noqa: S608 - a model's table
                top = cursor.fetchone()[0] or 0
                if self.connection.vendor == "sqlite":
                    # AUTOINCREMENT never reuses ids of deleted rows: start above them too.
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                    row = cursor.fetchone()
                    top = max(top, row[0] if row else 0)
            self._high_water[table] = top
        start = self._high_water[table] + 1
        self._high_water[table] += n
        return list(range(start, start + n))

    def begin(self) -> None:
        """At the start of a transaction (foreign keys are checked as the database does)."""

    def verify(self) -> int:
        """Before commit: extra reference checks made (none: the database makes them)."""
        return 0

    # -- rows ----------------------------------------------------------------------------

    def converters(
        self, model: type[models.Model], columns: Sequence[str]
    ) -> list[tuple[int, Convert]]:
        """Per column, how a Python value becomes what the driver takes (None: as is)."""
        key = (model, tuple(columns))
        if key not in self._converters:
            by_attname = {f.attname: f for f in model._meta.concrete_fields}
            out: list[tuple[int, Convert]] = []
            for i, name in enumerate(columns):
                convert = self._convert(by_attname[name])
                if convert is not None:
                    out.append((i, convert))
            self._converters[key] = out
        return self._converters[key]

    def _convert(self, field: models.Field) -> Convert | None:
        if isinstance(field, models.JSONField):
            return _json
        if isinstance(field, models.DateTimeField) and self.connection.vendor == "sqlite":
            return _utc_naive
        return None

    def prepared(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
    ) -> Iterable[tuple]:
        converters = self.converters(model, columns)
        if not converters:
            return rows
        return (_apply(row, converters) for row in rows)

    def write(self, model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> int:
        """Insert `rows` into the model's table; returns how many."""
        if not rows:
            return 0
        quote = self.connection.ops.quote_name
        table = quote(model._meta.db_table)
        names = ", ".join(quote(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - model metadata
        with self.connection.cursor() as cursor:
            cursor.executemany(sql, self.prepared(model, columns, rows))
        return len(rows)


class PostgresSink(Sink):
    """COPY for the rows, the table's sequence for the keys.

    Foreign keys: PostgreSQL checks each row's references with a trigger that runs a
    query and locks the parent row, which costs more than the COPY itself. Where the
    role may (a superuser, as a bulk loader usually is), `begin` switches those triggers
    off for the transaction and `verify` checks every reference of every row written
    with one anti-join per foreign key instead, before commit — the way pg_restore
    loads data and then validates constraints. Elsewhere the triggers run as usual.
    """

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        super().__init__(connection)
        self.checking_in_bulk = False
        self.written: list[tuple[type[models.Model], int, int]] = []

    def begin(self) -> None:
        """At the start of a transaction."""
        from django.db import DatabaseError, transaction

        self.written = []
        try:
            with transaction.atomic(using=self.connection.alias), self.connection.cursor() as c:
                c.execute("SET LOCAL session_replication_role = replica")
            self.checking_in_bulk = True
        except DatabaseError:
            self.checking_in_bulk = False

    def verify(self) -> int:
        """Check the references of every row written since `begin`; returns the number of
        checks. Raises IntegrityError naming the first broken foreign key."""
        from django.db import IntegrityError

        if not self.checking_in_bulk:
            return 0
        quote = self.connection.ops.quote_name
        checks = 0
        with self.connection.cursor() as cursor:
            for model, low, high in self.written:
                for f in model._meta.concrete_fields:
                    if not f.is_relation:
                        continue
                    parent = f.related_model._meta
                    sql = (
                        f"SELECT c.id FROM {quote(model._meta.db_table)} c "  # noqa: S608
                        f"WHERE c.id BETWEEN %s AND %s AND c.{quote(f.column)} IS NOT NULL "
                        f"AND NOT EXISTS (SELECT 1 FROM {quote(parent.db_table)} p "
                        f"WHERE p.{quote(f.target_field.column)} = c.{quote(f.column)}) LIMIT 1"
                    )
                    cursor.execute(sql, [low, high])
                    checks += 1
                    broken = cursor.fetchone()
                    if broken is not None:
                        raise IntegrityError(
                            f"{model._meta.label} {broken[0]}: {f.name} points at nothing"
                        )
        return checks

    def reserve(self, model: type[models.Model], n: int) -> list[int]:
        # nextval() is safe against any concurrent writer (other builder processes, the
        # app itself); the ids of one call are increasing but need not be contiguous.
        if n <= 0:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, n],
            )
            return sorted(r[0] for r in cursor.fetchall())

    def write(self, model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> int:
        if not rows:
            return 0
        quote = self.connection.ops.quote_name
        table = quote(model._meta.db_table)
        names = ", ".join(quote(c) for c in columns)
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in self.prepared(model, columns, rows):
                copy.write_row(row)
        ids = [row[0] for row in rows]  # every table written here leads with its id
        self.written.append((model, min(ids), max(ids)))
        return len(rows)


def _apply(row: tuple, converters: list[tuple[int, Convert]]) -> tuple:
    values = list(row)
    for i, convert in converters:
        values[i] = convert(values[i])
    return tuple(values)


def sink_for(connection: BaseDatabaseWrapper) -> Sink:
    if connection.vendor == "postgresql":
        return PostgresSink(connection)
    return Sink(connection)


def columns_of(model: type[models.Model]) -> list[str]:
    """Every concrete column of the model, by attname (`household_id`, not `household`)."""
    return [f.attname for f in model._meta.concrete_fields]


def instance_rows(model: type[models.Model], objs: Sequence[models.Model]) -> list[tuple]:
    """Unsaved instances as tuples in `columns_of(model)` order. Foreign keys assigned as
    objects before the target had a key are read from the related object now."""
    fields = model._meta.concrete_fields
    relations = [f for f in fields if f.is_relation]
    for obj in objs:
        values = obj.__dict__
        for f in relations:
            if values[f.attname] is None:
                related = f.get_cached_value(obj, None)
                if related is not None:
                    # Straight into __dict__: setting the attribute would drop the cached
                    # object, and the next `obj.household` would query for it.
                    values[f.attname] = related.pk
    names = [f.attname for f in fields]
    return [tuple(obj.__dict__[n] for n in names) for obj in objs]


_TEMPLATES: dict[type[models.Model], tuple[dict[str, Any], dict[str, Any], dict[str, str]]] = {}


def unsaved(model: type[M], **values: Any) -> M:
    """An unsaved instance, as `model(**values)` makes it, without Model.__init__'s
    per-field work (a third of the time spent planning people). Relations are given as
    objects and cached, as the ORM does; fields not given take their defaults."""
    if model not in _TEMPLATES:
        fields = model._meta.concrete_fields
        # A default that is a callable (timezone.now) is called per instance, as __init__ does.
        dynamic = {f.attname: f.default for f in fields if f.has_default() and callable(f.default)}
        defaults = {f.attname: f.get_default() for f in fields if f.attname not in dynamic}
        relations = {f.name: f.attname for f in fields if f.is_relation}
        _TEMPLATES[model] = (defaults, dynamic, relations)
    defaults, dynamic, relations = _TEMPLATES[model]
    obj = model.__new__(model)
    state = ModelState()
    obj._state = state
    data = obj.__dict__
    data.update(defaults)
    for attname, default in dynamic.items():
        if attname not in values:
            data[attname] = default()
    for name, value in values.items():
        attname = relations.get(name)
        if attname is None:
            data[name] = value
        else:
            data[attname] = value.pk if value is not None else None
            state.fields_cache[name] = value
    return obj

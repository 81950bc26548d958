"""Bulk writes: inserts of model instances, the rows Django's bulk_create writes, without its per-value
statement compilation (the SLA sweep writes tens of thousands of rows a minute).

PostgreSQL: COPY (ids taken from the table's sequence first, so the objects get them in order, as
bulk_create sets them), or one INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING when
conflicts are to be ignored. Other databases: bulk_create itself.
"""

from __future__ import annotations

import datetime

from django.db import connection, connections, models, router
from django.utils import timezone

# Fields whose get_db_prep_save returns these values unchanged (checked on the exact field class, so a
# subclass with its own conversion takes the general path).
_TEXT = (models.CharField, models.TextField, models.EmailField, models.SlugField)
_INT = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
)


def _plain(field):
    """A function telling whether a value goes to the database as it is for this field."""
    kind = type(field)
    if kind is models.ForeignKey:
        kind = type(field.target_field)
    if kind in _TEXT:
        return lambda v: v is None or type(v) is str
    if kind in _INT:
        return lambda v: v is None or type(v) is int
    if kind is models.BooleanField:
        return lambda v: v is None or type(v) is bool
    if kind is models.DateTimeField:
        return lambda v: v is None or (type(v) is datetime.datetime and v.tzinfo is not None)
    return lambda v: False


def _write(connection, model, fields, rows, *, ignore_conflicts: bool, ids: bool):
    """INSERT the prepared rows (one value per field); returns the new pks in row order if `ids`."""
    opts = model._meta
    qn = connection.ops.quote_name
    table = qn(opts.db_table)
    columns = [qn(f.column) for f in fields]
    # Table and column names come from the model's metadata; every value is a bound parameter or
    # COPY data.
    with connection.cursor() as cursor:
        if ignore_conflicts:
            arrays = [f"%s::{f.db_type(connection)}[]" for f in fields]
            sql = "INSERT INTO {} ({}) SELECT * FROM unnest({}) ON CONFLICT DO NOTHING".format(  # noqa: S608
                table, ", ".join(columns), ", ".join(arrays)
            )
            cursor.execute(sql, [[row[i] for row in rows] for i in range(len(fields))])
            return None
        pks = None
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, opts.pk.column, len(rows)],
            )
            pks = sorted(r[0] for r in cursor.fetchall())
            columns.insert(0, qn(opts.pk.column))
            rows = ([pk, *row] for pk, row in zip(pks, rows, strict=True))
        with cursor.cursor.copy("COPY {} ({}) FROM STDIN".format(table, ", ".join(columns))) as copy:
            for row in rows:
                copy.write_row(row)
        return pks


def _supported(connection, model) -> bool:
    return connection.vendor == "postgresql" and isinstance(model._meta.pk, models.AutoField)


def insert(model, objs: list, *, ignore_conflicts: bool = False) -> list:
    """Insert unsaved instances like `model.objects.bulk_create(objs, ignore_conflicts=…)`: the same
    columns and values (defaults, auto_now_add times set on the objects), pks set on the objects
    unless conflicts are ignored. Returns objs."""
    if not objs:
        return objs
    using = router.db_for_write(model)
    connection = connections[using]
    if not _supported(connection, model):
        return model._default_manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk and not f.generated]
    plain = [_plain(f) for f in fields]
    for obj in objs:
        if obj.pk is not None:
            raise ValueError("bulk.insert() takes unsaved objects without a primary key")
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    rows = []
    for obj in objs:
        row = []
        for field, ok in zip(fields, plain, strict=True):
            value = field.pre_save(obj, add=True)
            row.append(value if ok(value) else field.get_db_prep_save(value, connection))
        rows.append(row)
    pks = _write(connection, model, fields, rows, ignore_conflicts=ignore_conflicts, ids=not ignore_conflicts)
    if pks is not None:
        for obj, pk_value in zip(objs, pks, strict=True):
            setattr(obj, pk.attname, pk_value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs


def insert_rows(model, rows: list[dict], *, ignore_conflicts: bool = False) -> None:
    """Insert rows given as {attname: value}, without building model instances: the rows
    `bulk_create([model(**row) …])` would write (other columns: their default; auto_now and
    auto_now_add date-times: the current time)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk and not f.generated]
    stamped = {
        f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    if not _supported(connection, model) or any(
        type(model._meta.get_field(a)) is not models.DateTimeField for a in stamped
    ):
        insert(model, [model(**row) for row in rows], ignore_conflicts=ignore_conflicts)
        return
    known = set().union(*rows)
    if unknown := known - {f.attname for f in fields}:
        raise TypeError(f"{model.__name__} has no column for {sorted(unknown)}")
    plain = [_plain(f) for f in fields]
    # Defaults of the columns not given (prepared once; a callable default is the same value for
    # every row, e.g. dict for JSON data).
    defaults = {
        f.attname: f.get_db_prep_save(f.get_default(), connection)
        for f in fields
        if f.attname not in stamped and any(f.attname not in row for row in rows)
    }
    now = timezone.now
    out = []
    for row in rows:
        values = []
        for field, ok in zip(fields, plain, strict=True):
            name = field.attname
            if name in row and name not in stamped:
                value = row[name]
                values.append(value if ok(value) else field.get_db_prep_save(value, connection))
            elif name in stamped:
                values.append(now())
            else:
                values.append(defaults[name])
        out.append(values)
    _write(connection, model, fields, out, ignore_conflicts=ignore_conflicts, ids=False)


def update(model, objs, fields) -> None:
    """UPDATE many rows with their own values in one statement (PostgreSQL: UPDATE … FROM unnest;
    Django's bulk_update builds a CASE per row and field, far slower for thousands of rows)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields, batch_size=500)
        return
    qn = connection.ops.quote_name
    pk = model._meta.pk
    cols = [model._meta.get_field(f) for f in fields]
    arrays = ", ".join(f"%s::{c.db_type(connection)}[]" for c in [pk, *cols])
    names = ", ".join(f"c{i}" for i in range(len(cols) + 1))
    sets = ", ".join(f"{qn(c.column)} = v.c{i + 1}" for i, c in enumerate(cols))
    # Identifiers come from the model's metadata; every value is a bound parameter (one array per
    # column: psycopg quotes a handful of parameters instead of thousands).
    query = (
        f"UPDATE {qn(model._meta.db_table)} t SET {sets} FROM unnest({arrays}) AS v({names}) "  # noqa: S608
        f"WHERE t.{qn(pk.column)} = v.c0"
    )
    for start in range(0, len(objs), 5000):
        chunk = objs[start : start + 5000]
        params = [[obj.pk for obj in chunk]]
        params.extend(
            [c.get_db_prep_save(getattr(obj, c.attname), connection) for obj in chunk] for c in cols
        )
        with connection.cursor() as cursor:
            cursor.execute(query, params)

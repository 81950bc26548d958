"""Full backup and restore of every row of every model (`manage.py backup` / `manage.py restore`).

Format: gzip'ed JSON lines. Line 1 is a header naming the applied migrations and, for each model,
its column list; each further line is `["app_label.model", [value, ...]]`. Rows are streamed in
primary-key order, so memory stays flat however large the database is. Restore checks that the
backup was taken at the same migration state, wipes every table and loads all rows in one
transaction, writing raw values (no `auto_now`, no signals), then resets the sequences.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import gzip
import hashlib
import json
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "anju-backup"
FORMAT_VERSION = 1
CHUNK = 2000


class BackupError(Exception):
    """The file is not a usable backup of this installation."""


def backup_models() -> list[type[models.Model]]:
    """Every concrete, managed table, many-to-many link tables included, in a stable order."""
    result = []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.swapped:
            continue
        result.append(model)
    return sorted(result, key=lambda m: m._meta.label_lower)


def _columns(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _encode(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return {"__td__": value.total_seconds()}
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return {"__b64__": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _decode(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return value
    if isinstance(value, dict) and "__b64__" in value:
        return base64.b64decode(value["__b64__"])
    if isinstance(value, dict) and "__td__" in value:
        return datetime.timedelta(seconds=value["__td__"])
    if field.is_relation:
        field = field.target_field
    return field.to_python(value)


def _dumps(obj) -> str:
    return json.dumps(obj, default=_encode, ensure_ascii=False, separators=(",", ":"))


def _rows(model, alias) -> Iterator[tuple]:
    names = [f.attname for f in _columns(model)]
    queryset = model._base_manager.using(alias).order_by("pk").values_list(*names)
    # JSONField values come back decoded; keep them as they are.
    yield from queryset.iterator(chunk_size=CHUNK)


def applied_migrations(alias="default") -> list[str]:
    recorder = MigrationRecorder(connections[alias])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def default_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
    return Path(settings.BACKUP_DIR) / f"anju-backup-{stamp}.jsonl.gz"


def write_backup(path: Path | str, alias: str = "default") -> dict[str, int]:
    """Write every row to `path` (gzip JSON lines); returns the row count per model."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    connection = connections[alias]
    tmp = path.with_name(path.name + ".part")
    outer = connection.in_atomic_block
    try:
        counts = _write(tmp, connection, outer, alias)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return counts


def _write(tmp: Path, connection, outer: bool, alias: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with transaction.atomic(using=alias), gzip.open(tmp, "wt", encoding="utf-8") as out:
        if connection.vendor == "postgresql" and not outer:
            # One consistent snapshot across all tables.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        model_list = backup_models()
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created": timezone.now().isoformat(),
            "vendor": connection.vendor,
            "migrations": applied_migrations(alias),
            "models": {m._meta.label_lower: [f.attname for f in _columns(m)] for m in model_list},
            # The highest id each table ever issued: a restore continues after it, never reusing one.
            "sequences": issued_ids(model_list, alias),
        }
        out.write(_dumps(header) + "\n")
        for model in model_list:
            label = model._meta.label_lower
            count = 0
            for row in _rows(model, alias):
                out.write(_dumps([label, list(row)]) + "\n")
                count += 1
            counts[label] = count
    return counts


class StagedBackup:
    """A backup written under a hidden name, published under its final name when the surrounding
    transaction commits. If it rolls back (a refused clearing, a failure at commit) the callback is
    dropped with this object, whose finaliser deletes the file: nothing is left behind."""

    def __init__(self, staged: Path, final: Path):
        self.staged, self.final = staged, final
        self._finalizer = weakref.finalize(self, staged.unlink, missing_ok=True)

    def publish(self) -> None:
        self.staged.replace(self.final)

    def discard(self) -> None:
        self._finalizer()


def write_backup_on_commit(path: Path | str, alias: str = "default") -> tuple[dict[str, int], StagedBackup]:
    path = Path(path)
    staged = StagedBackup(path.with_name(f".staging-{path.name}"), path)
    counts = write_backup(staged.staged, alias)
    transaction.on_commit(staged.publish, using=alias)
    return counts, staged


def _autoincrement(model) -> bool:
    return isinstance(model._meta.pk, models.AutoField)  # BigAutoField and SmallAutoField included


def issued_ids(model_list, alias: str = "default") -> dict[str, int]:
    """Per table with an integer serial id: the highest id issued so far (the sequence's position,
    or the highest id present if that is higher)."""
    connection = connections[alias]
    result: dict[str, int] = {}
    positions: dict[str, int] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='sqlite_sequence'")
            if cursor.fetchone():
                cursor.execute("SELECT name, seq FROM sqlite_sequence")
                positions = {name: int(seq or 0) for name, seq in cursor.fetchall()}
        for model in model_list:
            if not _autoincrement(model):
                continue
            table, column = model._meta.db_table, model._meta.pk.column
            high = positions.get(table, 0)
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
                sequence = cursor.fetchone()[0]
                if sequence:
                    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 from the catalogue
                    last_value, is_called = cursor.fetchone()
                    high = max(high, int(last_value) if is_called else int(last_value) - 1)
            top = model._base_manager.using(alias).aggregate(m=models.Max("pk"))["m"] or 0
            result[model._meta.label_lower] = max(high, int(top))
    return result


def _continue_sequences(model_list, highs: dict[str, int], alias: str) -> None:
    """Make each table's next id follow `highs` (never lower than what the sequence gives now)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        for model in model_list:
            high = highs.get(model._meta.label_lower)
            if not high or not _autoincrement(model):
                continue
            table, column = model._meta.db_table, model._meta.pk.column
            if connection.vendor == "postgresql":
                # `high` is at least the highest id of the restored rows (it came from the backup).
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s, true)", [table, column, high]
                )
            elif connection.vendor == "sqlite":
                cursor.execute("UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s", [high, table])
                if cursor.rowcount == 0:
                    cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, high])


def read_header(path: Path | str) -> dict:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            header = json.loads(stream.readline())
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(_("%(path)s is not a readable backup file.") % {"path": path}) from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(_("%(path)s is not an Anju backup file.") % {"path": path})
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(_("This backup was written in an unsupported format version."))
    return header


def check_compatible(header: dict, alias: str = "default") -> None:
    if header.get("migrations") != applied_migrations(alias):
        raise BackupError(
            _(
                "The backup was taken at another database schema version. Install the software version "
                "that wrote it (or migrate a copy of it) before restoring."
            )
        )
    current = {m._meta.label_lower: [f.attname for f in _columns(m)] for m in backup_models()}
    if header.get("models") != current:
        raise BackupError(_("The tables in the backup do not match the tables of this installation."))


def _wipe(model_list, alias: str) -> None:
    connection = connections[alias]
    tables = [m._meta.db_table for m in model_list]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses while deferred foreign-key checks are pending in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=False):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _insert(model, fields, batch, alias) -> None:
    objs = []
    for values in batch:
        obj = model.__new__(model)
        obj.__dict__.update({f.attname: v for f, v in zip(fields, values, strict=True)})
        obj._state = models.base.ModelState()
        obj._state.db = alias
        objs.append(obj)
    connection = connections[alias]
    size = max(1, connection.ops.bulk_batch_size(fields, objs) or len(objs))
    for start in range(0, len(objs), size):
        model._base_manager.using(alias)._insert(
            objs[start : start + size], fields=fields, using=alias, raw=True
        )


def restore_backup(path: Path | str, alias: str = "default") -> dict[str, int]:
    """Replace every row of the database with the rows in the backup (one transaction)."""
    header = read_header(path)
    check_compatible(header, alias)
    model_list = backup_models()
    by_label = {m._meta.label_lower: m for m in model_list}
    counts = dict.fromkeys(by_label, 0)
    connection = connections[alias]
    with transaction.atomic(using=alias):
        # The ids this database has issued (rows written after the backup included): never reused.
        highs = issued_ids(model_list, alias)
        for label, high in (header.get("sequences") or {}).items():
            highs[label] = max(highs.get(label, 0), int(high))
        _wipe(model_list, alias)
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            stream.readline()
            current_label, batch = None, []
            fields: list[models.Field] = []
            for line in stream:
                label, values = json.loads(line)
                if label != current_label:
                    if batch:
                        _insert(by_label[current_label], fields, batch, alias)
                    current_label, batch = label, []
                    if label not in by_label:
                        raise BackupError(
                            _("The backup contains an unknown table %(label)s.") % {"label": label}
                        )
                    fields = _columns(by_label[label])
                batch.append([_decode(f, v) for f, v in zip(fields, values, strict=True)])
                counts[label] += 1
                if len(batch) >= CHUNK:
                    _insert(by_label[label], fields, batch, alias)
                    batch = []
            if batch:
                _insert(by_label[current_label], fields, batch, alias)
        statements = connection.ops.sequence_reset_sql(no_style(), model_list)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
        _continue_sequences(model_list, highs, alias)
        # Cached rows (per-user scopes, parameters, counters) describe the database that is gone.
        transaction.on_commit(cache.clear, using=alias)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    cache.clear()
    return counts


def database_fingerprint(alias: str = "default") -> dict[str, tuple[int, str]]:
    """Row count and SHA-256 of every row, per model: equal fingerprints mean equal databases."""
    result = {}
    for model in backup_models():
        digest = hashlib.sha256()
        count = 0
        for row in _rows(model, alias):
            digest.update(_dumps(list(row)).encode())
            digest.update(b"\n")
            count += 1
        result[model._meta.label_lower] = (count, digest.hexdigest())
    return result


__all__ = [
    "BackupError",
    "database_fingerprint",
    "default_path",
    "read_header",
    "restore_backup",
    "write_backup",
]

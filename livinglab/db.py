"""Declarative base with a constraint naming convention, UTC timestamps and SQLite pragmas."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import DDL, Date, DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

#: Named constraints from the first migration, so SQLite batch migrations can drop them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type, so values are normalised to UTC on the way in and
    tagged as UTC on the way out; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Naive datetimes are not stored; use an aware UTC datetime.")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def enum_column(enum_cls: type[enum.Enum], length: int = 40) -> Enum:
    """A portable enum column stored as its value in a VARCHAR (no native PG enum to migrate)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


def _is_sqlite(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite only: enforce foreign keys, wait for locks, and let us issue BEGIN ourselves."""
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(connection: Any) -> None:
    """SQLite only: take the write lock when a transaction starts.

    A deferred transaction that reads and then writes can fail at once with "database is
    locked" when another writer got there first; BEGIN IMMEDIATE makes concurrent
    requests queue (up to the busy timeout) instead, which is how the embedded database
    serialises randomisation.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def append_only_ddl(table_name: str) -> dict[str, list[str]]:
    """SQL per dialect that makes the database itself refuse UPDATE and DELETE on a table.

    Used both by ``create_all`` (through :func:`make_append_only`) and by migrations, so
    consent and audit records cannot be altered even by a buggy service or a console.
    """
    message = f"{table_name} rows are append-only"
    return {
        "sqlite": [
            f"CREATE TRIGGER IF NOT EXISTS {table_name}_no_update BEFORE UPDATE ON {table_name} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table_name}_no_delete BEFORE DELETE ON {table_name} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ],
        "postgresql": [
            "CREATE OR REPLACE FUNCTION livinglab_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME; END $$",
            f"CREATE TRIGGER {table_name}_append_only BEFORE UPDATE OR DELETE ON {table_name} "
            "FOR EACH ROW EXECUTE FUNCTION livinglab_refuse_change()",
        ],
    }


def make_append_only(model: type[Base]) -> None:
    """Refuse updates and deletes of ``model`` rows in the ORM and in the database."""
    table = model.__table__
    for dialect, statements in append_only_ddl(table.name).items():
        for sql in statements:
            # DDL() formats %(table)s-style placeholders, so escape the literal percent signs.
            ddl = DDL(sql.replace("%", "%%")).execute_if(dialect=dialect)
            event.listen(table, "after_create", ddl)

    def refuse(mapper: Any, connection: Any, target: Any) -> None:
        raise AppendOnlyError(f"{model.__name__} records are append-only and cannot be changed.")

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)


class AppendOnlyError(RuntimeError):
    """An attempt to change or delete an append-only record."""


class add_days(FunctionElement[dt.date]):
    """``date + days`` for a date column and an integer column, on SQLite and PostgreSQL."""

    type = Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_days, "postgresql")
def _add_days_postgresql(element: add_days, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} + {compiler.process(days, **kw)})"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return (
        f"date({compiler.process(day, **kw)}, printf('%+d days', {compiler.process(days, **kw)}))"
    )

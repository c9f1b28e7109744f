"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from livinglab import create_app
from livinglab.extensions import db
from tests.conftest import _postgres_or_skip, schema_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite'}"
        return
    base = _postgres_or_skip()
    schema = f"migration_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(base)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield schema_url(base, schema)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def test_upgrade_builds_schema_matching_models(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database}, env="testing")
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata
            )
            sites = connection.execute(sa.text("SELECT code FROM sites ORDER BY code")).scalars()
            assert list(sites) == ["DOR", "WFH"]
        db.engine.dispose()
    assert diff == [], f"Models and migrations disagree; run `flask db migrate`: {diff}"


def test_migrated_audit_table_refuses_updates(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database}, env="testing")
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO audit_events (occurred_at, action, object_type) "
                    "VALUES (CURRENT_TIMESTAMP, 'test.event', 'test')"
                )
            )
        for statement in ("UPDATE audit_events SET action = 'changed'", "DELETE FROM audit_events"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as c:
                c.execute(sa.text(statement))
        db.engine.dispose()

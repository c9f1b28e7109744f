"""Shared fixtures: the app on SQLite and (with TEST_DATABASE_URL) PostgreSQL, clients, logins.

Every test that takes ``app`` runs once per database. Set ``REQUIRE_POSTGRES=1`` (as
``.ci/run`` does) to turn a missing PostgreSQL into a failure instead of a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g, request_started
from flask.testing import FlaskClient

from livinglab import create_app
from livinglab.accounts.models import User
from livinglab.extensions import db, limiter
from livinglab.participants.reference_data import ensure_reference_data
from livinglab.sites.services import ensure_default_sites
from tests import factories
from trials.reference_data import ensure_ics_outcomes

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
#: Statements the rolled-back test transaction adds; query counts leave them out.
SAVEPOINT_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def _postgres_or_skip() -> str:
    if not POSTGRES_URL:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not.")
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL run skipped")
    return POSTGRES_URL


def schema_url(base: str, schema: str) -> str:
    """``base`` with every connection's search path set to ``schema``."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """A fresh schema for this session (one per pytest-xdist worker) on the test database."""
    base = _postgres_or_skip()
    schema = f"tests_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    engine = sa.create_engine(base)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = schema_url(base, schema)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="testing")
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _seed() -> None:
    """The rows every test starts with: the founding sites and the registry's lookups."""
    ensure_default_sites(db.session)
    ensure_reference_data(db.session)
    ensure_ics_outcomes(db.session)
    db.session.commit()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the schema and seed rows, built once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}, env="testing")
    with app.app_context():
        db.create_all()
        _seed()
        db.engine.dispose()
    return path


def _forget_signed_in_user(sender: Flask, **extra) -> None:
    """pytest-flask keeps one app context (and so one ``g``) for the whole test; without
    this, Flask-Login would reuse the user of an earlier request from another client."""
    g.pop("_login_user", None)


def _test_app(database_url: str) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="testing")
    request_started.connect(_forget_signed_in_user, app)
    return app


@pytest.fixture(scope="session")
def sqlite_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app per worker on one SQLite file, reset from the template before each test.

    Building an app per test cost a third of the suite's time: werkzeug compiles every URL
    rule and SQLAlchemy's statement cache lives on the engine, so both started cold.
    """
    path = tmp_path_factory.mktemp("sqlite") / "test.sqlite"
    shutil.copyfile(sqlite_template, path)
    app = _test_app(f"sqlite:///{path}")
    app.config["TEST_DATABASE_PATH"] = path
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgresql_app(postgres_schema: str) -> Iterator[Flask]:
    """One app per worker on its own PostgreSQL schema, seeded once."""
    app = _test_app(postgres_schema)
    with app.app_context():
        _seed()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def _rolled_back(app: Flask) -> Iterator[None]:
    """Run the test inside one transaction on one connection, rolled back afterwards.

    Every session of the test binds to that connection and turns its commits into
    savepoints, so the test sees its own commits and the next test starts clean without
    truncating every table. Tests whose work must commit for other connections to see
    (threads, separate processes) are marked ``commits`` and use truncation instead.
    """
    with app.app_context():
        engines = db.engines  # the app's own {bind key: engine}, which sessions bind from
    engine = engines[None]
    factory = db.session.session_factory
    with engine.connect() as connection:
        outer = connection.begin()
        engines[None] = connection  # type: ignore[index]
        factory.kw["join_transaction_mode"] = "create_savepoint"
        try:
            yield
        finally:
            with app.app_context():
                db.session.remove()
            del factory.kw["join_transaction_mode"]
            engines[None] = engine  # type: ignore[index]
            outer.rollback()


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The worker's app on a freshly seeded database; settings a test changes are put back."""
    app: Flask = request.getfixturevalue(f"{request.param}_app")
    settings = dict(app.config)
    if request.param == "sqlite":
        with app.app_context():
            db.engine.dispose()
        shutil.copyfile(request.getfixturevalue("sqlite_template"), settings["TEST_DATABASE_PATH"])
        yield app
        with app.app_context():
            db.session.remove()
    elif request.node.get_closest_marker("commits"):
        yield app
        with app.app_context():
            db.session.remove()
            _truncate_all()
            _seed()
    else:
        with _rolled_back(app):
            yield app
    app.config.clear()
    app.config.update(settings)


@pytest.fixture
def database_url(app: Flask) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture
def session(app: Flask):
    """The app's session, for arranging data and asserting on it."""
    return db.session


@pytest.fixture
def world(app: Flask, session) -> factories.World:
    world = factories.make_world(session)
    session.commit()
    return world


def login(client: FlaskClient, user: User, password: str = factories.PASSWORD) -> None:
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def login_as(client: FlaskClient):
    """``login_as(user)`` signs the test client in as ``user``."""

    def _login(user: User) -> FlaskClient:
        login(client, user)
        return client

    return _login


@pytest.fixture
def count_queries(app: Flask):
    """``with count_queries() as statements:`` records the SQL sent while the block runs."""
    from contextlib import contextmanager

    @contextmanager
    def counter():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.startswith(SAVEPOINT_STATEMENTS):  # the test's own isolation
                statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counter


@pytest.fixture
def rate_limited_app(tmp_path):
    """``rate_limited_app(**limits)``: an app on its own SQLite file with rate limits on."""
    made: list[Flask] = []

    def make(**limits: str) -> Flask:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'limit.sqlite'}",
                "RATELIMIT_ENABLED": True,
                **limits,
            },
            env="testing",
        )
        with app.app_context():
            db.create_all()
            limiter.reset()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()

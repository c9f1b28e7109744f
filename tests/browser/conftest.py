"""Browser tests: a live server on a demo SQLite database, driven by Debian's chromium.

CSRF is on, as in production. Without chromium the tests are skipped, unless
``REQUIRE_BROWSER=1`` (set by ``.ci/run``) turns that into a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from livinglab import create_app
from livinglab.extensions import db

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replaces pytest-base-url's fixture (deprecated form under pytest 9); tests use live_url."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("REQUIRE_BROWSER is set but Debian's chromium is not installed.")
        pytest.skip("chromium not installed: browser tests skipped")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def live_database(request: pytest.FixtureRequest) -> str:
    """``sqlite`` unless a module parametrizes it (indirect) to run on PostgreSQL too."""
    return getattr(request, "param", "sqlite")


def _load_demo(app: Flask) -> None:
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory) -> Path:
    """The demo data on SQLite, built once per worker and copied for each module."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}, env="testing")
    _load_demo(app)
    with app.app_context():
        db.engine.dispose()
    return path


@pytest.fixture(scope="module")
def live_database_url(
    request: pytest.FixtureRequest, live_database: str, tmp_path_factory
) -> Iterator[str]:
    """A database holding the demo data for this module alone."""
    if live_database == "sqlite":
        path = tmp_path_factory.mktemp("browser") / "live.sqlite"
        shutil.copyfile(request.getfixturevalue("demo_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("demo_postgres")
    name = f"{template}_{next(_module_numbers)}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _database_url(name)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


_module_numbers = itertools.count(1)


def _admin_engine() -> sa.Engine:
    """An autocommit connection to TEST_DATABASE_URL, for CREATE and DROP DATABASE."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not.")
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL browser run skipped")
    return sa.create_engine(base, isolation_level="AUTOCOMMIT")


def _database_url(name: str) -> str:
    base = sa.make_url(os.environ["TEST_DATABASE_URL"])
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def demo_postgres() -> Iterator[str]:
    """A PostgreSQL database holding the demo data, loaded once per worker; each module
    gets a copy (CREATE DATABASE ... TEMPLATE), as the SQLite modules copy a file."""
    name = f"browser_demo_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    app = create_app({"SQLALCHEMY_DATABASE_URI": _database_url(name)}, env="testing")
    _load_demo(app)
    with app.app_context():
        db.engine.dispose()
    yield name
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def live_url(request: pytest.FixtureRequest, live_database_url: str) -> Iterator[str]:
    """Serve the app with the demo data on a free local port for this module's tests.

    A test module may set ``LIVE_CONFIG`` (a dict) to change settings, e.g. show the outbox.
    """
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": live_database_url,
            "WTF_CSRF_ENABLED": True,
            **getattr(request.module, "LIVE_CONFIG", {}),
        },
        env="testing",
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def server_errors(page):
    """Every 5xx response and every CSP or script error the page meets; tests assert none."""
    failures: list[str] = []

    def on_response(response) -> None:
        if response.status >= 500:
            failures.append(f"{response.status} {response.url}")

    def on_console(message) -> None:
        # Chromium logs every 4xx document as a console error; form errors are 4xx by design.
        expected = "Failed to load resource: the server responded with a status of 4"
        if message.type == "error" and not message.text.startswith(expected):
            failures.append(f"console: {message.text}")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: failures.append(f"script error: {error}"))
    return failures


def sign_in(page, live_url: str, email: str, password: str = "demo-password-1") -> None:
    page.goto(f"{live_url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_url}/dashboard")


def sign_out(page, live_url: str) -> None:
    page.goto(f"{live_url}/logout")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_url}/login")

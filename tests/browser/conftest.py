"""Browser tests: a live server on a demo SQLite database, driven by Debian's chromium.

CSRF is on, as in production. Without chromium the tests are skipped, unless
``REQUIRE_BROWSER=1`` (set by ``.ci/run``) turns that into a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
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
def live_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """Serve the app with the demo data on a free local port for this module's tests.

    A test module may set ``LIVE_CONFIG`` (a dict) to change settings, e.g. show the outbox.
    """
    database = tmp_path_factory.mktemp("browser") / "live.sqlite"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "WTF_CSRF_ENABLED": True,
            **getattr(request.module, "LIVE_CONFIG", {}),
        },
        env="testing",
    )
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
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

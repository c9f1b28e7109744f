"""Errors reach people as clear NHS-styled pages with the right status."""

from __future__ import annotations

import pytest
from flask import Flask

from livinglab import create_app
from livinglab.errors import IllegalTransition, InvalidInput, NotFound, NotPermitted


@pytest.fixture
def app_with_failing_routes(database_url: str) -> Flask:
    """Its own app: the shared test app has served requests and takes no new routes."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="testing")
    errors = {
        "illegal": IllegalTransition("A trial can only be submitted from draft."),
        "forbidden": NotPermitted("Your role does not allow this."),
        "missing": NotFound("That trial does not exist."),
        "invalid": InvalidInput("title", "Enter a title"),
    }

    @app.get("/_fail/<kind>")
    def fail(kind: str):
        if kind == "crash":
            raise RuntimeError("boom")
        raise errors[kind]

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize(
    ("kind", "status", "text"),
    [
        ("illegal", 409, b"A trial can only be submitted from draft."),
        ("forbidden", 403, b"Your role does not allow this."),
        ("missing", 404, b"That trial does not exist."),
        ("invalid", 422, b"Enter a title"),
        ("crash", 500, b"Sorry, there is a problem with the service"),
    ],
)
def test_domain_errors_render_clear_pages(app_with_failing_routes, kind, status, text):
    response = app_with_failing_routes.test_client().get(f"/_fail/{kind}")
    assert response.status_code == status
    assert text in response.data
    assert b"nhsuk-header" in response.data
    assert b"boom" not in response.data


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"nhsuk-header" in response.data


def test_nhs_assets_are_served_where_the_css_expects_them(client):
    for path in ("/assets/images/nhsuk-icon-search.svg", "/static/nhsuk/nhsuk-frontend.min.js"):
        response = client.get(path)
        assert response.status_code == 200
        response.close()

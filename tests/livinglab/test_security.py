"""Security settings a user or attacker would notice: headers, cookies, CSRF, sign-in limits."""

from __future__ import annotations

import re

import pytest

from livinglab import create_app
from livinglab.accounts.models import User
from livinglab.config import ConfigError
from tests.conftest import login


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"SECRET_KEY": None}, env="production")


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="LIVINGLAB_ENV"):
        create_app(env="staging-typo")


def test_production_cookies_are_secure():
    app = create_app(
        {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, env="production"
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_pages_send_security_headers_and_a_csp_with_nonce(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    # The one inline script (the NHS.UK js-enabled snippet) carries the nonce.
    assert f'nonce="{nonce}"'.encode() in response.data
    assert b"<script>" not in response.data


def test_passwords_are_stored_as_argon2id(world, session):
    user = session.get(User, world.admin.id)
    assert user.password_hash.startswith("$argon2id$")


def test_wrong_password_gives_one_message_and_401(client, world):
    response = client.post("/login", data={"email": world.admin.email, "password": "nope"})
    assert response.status_code == 401
    assert b"Enter a correct email address and password" in response.data
    unknown = client.post("/login", data={"email": "nobody@example.test", "password": "nope"})
    assert unknown.status_code == 401
    assert b"Enter a correct email address and password" in unknown.data


def test_empty_sign_in_form_shows_error_summary(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert b"There is a problem" in response.data
    assert b"Enter your email address" in response.data
    assert b'href="#email"' in response.data
    assert b"<title>Error:" in response.data


def test_sign_out_invalidates_the_old_session_cookie(client, world):
    login(client, world.admin)
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    client.set_cookie("session", stolen)
    assert client.get("/admin/audit/").status_code == 302  # back to sign-in


def test_next_parameter_cannot_redirect_off_site(client, world):
    response = client.post(
        "/login?next=//evil.example/steal",
        data={"email": world.admin.email, "password": "pw-for-tests-1"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_post_without_csrf_token_gets_friendly_page(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "a@example.test", "password": "x"})
    assert response.status_code == 400
    assert b"Your form has expired" in response.data
    page = client.get("/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
    ok = client.post(
        "/login", data={"email": "a@example.test", "password": "x", "csrf_token": token.decode()}
    )
    assert ok.status_code == 401  # token accepted; credentials checked


@pytest.fixture
def limited_app(rate_limited_app):
    return rate_limited_app(LOGIN_FAILURE_LIMIT="3 per minute")


def test_repeated_failed_sign_ins_are_paused(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert (
            client.post("/login", data={"email": "x@example.test", "password": "bad"}).status_code
            == 401
        )
    blocked = client.post("/login", data={"email": "x@example.test", "password": "bad"})
    assert blocked.status_code == 429
    assert b"Too many attempts" in blocked.data

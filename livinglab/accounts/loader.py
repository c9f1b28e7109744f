"""Flask-Login wiring: users are loaded by their rotating session token."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from livinglab.accounts.models import User
from livinglab.extensions import db


def signed_in_user() -> Select[tuple[User]]:
    """A user with their roles and sites in one query: every request loads one."""
    return select(User).options(joinedload(User.role_rows), joinedload(User.sites))


def register(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        return (
            db.session.scalars(
                signed_in_user().where(
                    User.session_token == token, User.is_active_account.is_(True)
                )
            )
            .unique()
            .one_or_none()
        )

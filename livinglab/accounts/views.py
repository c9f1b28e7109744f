"""Sign in and sign out."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from livinglab.accounts import services
from livinglab.accounts.forms import LoginForm, LogoutForm
from livinglab.errors import InvalidInput
from livinglab.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _failed(response) -> bool:
    return response.status_code == 401


def _email_key() -> str:
    """Rate-limit key per attempted account, hashed so no email is stored in the limiter."""
    email = services.normalise_email(request.form.get("email", ""))
    return "login:" + hashlib.sha256(email.encode()).hexdigest()


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, key_func=_email_key)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("accounts/login.html", form=form), status
    try:
        user = services.authenticate(db.session, form.email.data, form.password.data)
    except InvalidInput as error:
        form[error.field].errors.append(error.message)
        return render_template("accounts/login.html", form=form), 401
    db.session.commit()
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    """Confirm and sign out (a POST, so another site cannot sign you out)."""
    form = LogoutForm()
    if not form.validate_on_submit():
        return render_template("accounts/logout.html", form=form)
    services.sign_out(db.session, current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.login"))
